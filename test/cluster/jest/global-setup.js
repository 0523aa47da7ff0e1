// Jest globalSetup of the `cluster` project: builds what is missing, starts one cluster for the whole run and
// tells the tests where it is (PIPEWRIGHT_TEST_CLUSTER_STATE: the state file with kubeconfig, S3 and pids).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClusterEnv } from './env.js';

const here = fileURLToPath(new URL('..', import.meta.url));

export default function globalSetup() {
  const env = { ...process.env, ...testClusterEnv };
  const t0 = Date.now();
  execFileSync('bash', [join(here, 'build.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env });
  execFileSync('bash', [join(here, 'run.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  process.stderr.write(`test cluster up in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  Object.assign(process.env, testClusterEnv,
    { PIPEWRIGHT_TEST_CLUSTER_STATE: join(testClusterEnv.PIPEWRIGHT_CLUSTER_DIR, 'state.json') });
}
