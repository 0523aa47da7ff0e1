// Jest globalTeardown of the `cluster` project: stops every cluster process, whatever the tests did, then checks
// that nothing started from the cluster's directory is left (and fails the run if something was).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClusterEnv } from './env.js';
import { secretScan } from './secret-scan.js';

const here = fileURLToPath(new URL('..', import.meta.url));

function leftovers(dir) {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  // `dir/`, not `dir`: a sibling cluster directory such as cluster-test2 is not ours.
  return ps.split('\n').filter((l) => l.includes(`${dir}/`) && !l.includes('ps -eo'))
    .map((l) => ({ pid: Number(l.trim().split(/\s+/)[0]), line: l.trim() }));
}

export default function globalTeardown() {
  if (process.env.PIPEWRIGHT_KEEP_TEST_CLUSTER === '1') return; // for debugging a failed run
  const env = { ...process.env, ...testClusterEnv };
  // Before `down` (which keeps the files, but a later `up` clears them): the scan reads this run's logs.
  const scan = secretScan(testClusterEnv.PIPEWRIGHT_CLUSTER_DIR);
  process.stdout.write(`secret scan: ${scan.scanned} log files (${Math.round((scan.bytes ?? 0) / 1024)} KiB), ${scan.leaks.length} with a credential\n`);
  execFileSync('bash', [join(here, 'run.sh'), 'down'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const left = leftovers(testClusterEnv.PIPEWRIGHT_CLUSTER_DIR);
  for (const p of left) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
  if (scan.leaks.length) throw new Error(`S3 credentials found in logs:\n${scan.leaks.join('\n')}`);
  if (left.length) throw new Error(`processes left behind by the test cluster:\n${left.map((p) => p.line).join('\n')}`);
}
