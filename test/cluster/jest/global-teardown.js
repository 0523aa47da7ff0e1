// Jest globalTeardown of the `cluster` project: stops every cluster process, whatever the tests did.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClusterEnv } from './env.js';

const here = fileURLToPath(new URL('..', import.meta.url));

export default function globalTeardown() {
  if (process.env.PIPEWRIGHT_KEEP_TEST_CLUSTER === '1') return; // for debugging a failed run
  execFileSync('bash', [join(here, 'run.sh'), 'down'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...testClusterEnv } });
}
