// The jest-run cluster lives apart from `npm run cluster:up`'s (own directory and ports), so both can run at once.
import { homedir } from 'node:os';
import { join } from 'node:path';

const cache = process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright');
export const testClusterEnv = {
  PIPEWRIGHT_CLUSTER_DIR: process.env.PIPEWRIGHT_TEST_CLUSTER_DIR ?? join(cache, 'cluster-test'),
  PIPEWRIGHT_CLUSTER_PORT_BASE: process.env.PIPEWRIGHT_TEST_CLUSTER_PORT_BASE ?? '26400',
  PW_AGENT_BACKOFF_MS: '2000',
};
