// Jest globalSetup of the `cluster` project: builds what is missing, starts one cluster for the whole run and
// tells the tests where it is (PIPEWRIGHT_TEST_CLUSTER_STATE: the state file with kubeconfig, S3 and pids).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { testClusterEnv } from './env.js';

const here = fileURLToPath(new URL('..', import.meta.url));

/**
 * Task pods with python images run in the venv the local runner uses for the training example (kfp, pandas,
 * scikit-learn), so compiled lightweight components find their packages installed. Needs `npm run build`.
 */
async function pythonImageMap() {
  const repo = fileURLToPath(new URL('../../..', import.meta.url));
  const dist = (p) => import(pathToFileURL(join(repo, 'dist', p)).href);
  const { ensurePythonEnv } = await dist('local/python-env.js');
  const { lightweightComponentPackages } = await dist('local/component-command.js');
  const { parseKfpIr } = await dist('model/kfp-ir.js');
  const { pino } = await import('pino');
  const example = parseKfpIr(readFileSync(join(repo, 'examples/training/pipeline.yaml'), 'utf8'));
  const packages = new Set();
  for (const e of Object.values(example.executors)) {
    if (e.kind === 'container') for (const p of lightweightComponentPackages(e.command) ?? []) packages.add(p);
  }
  const py = await ensurePythonEnv([...packages], { logger: pino({ level: 'warn' }) });
  return JSON.stringify([{ pattern: 'python:*', pathPrepend: [py.binDir], env: { PYTHONUNBUFFERED: '1' } }]);
}

export default async function globalSetup() {
  const env = { ...process.env, ...testClusterEnv };
  // Without a build (dist/) the default image map applies: python images use the host's python3. With one, a
  // failure is the suite's: the fallback hid a broken import once, and every KFP task then failed in pip instead.
  const built = existsSync(fileURLToPath(new URL('../../../dist/local/python-env.js', import.meta.url)));
  if (!built) process.stderr.write('python image map unavailable (no dist/: run `npm run build`); using the default\n');
  const map = env.PW_AGENT_IMAGE_MAP ?? (built ? await pythonImageMap() : undefined);
  if (map) env.PW_AGENT_IMAGE_MAP = map;
  // The project's image as its Dockerfile builds it (cached by content): the node agent runs the controller's and
  // the task pods' pipewright containers from it. PIPEWRIGHT_TEST_IMAGE_LAYOUT=0 runs them from the checkout.
  if (env.PIPEWRIGHT_TEST_IMAGE_LAYOUT !== '0' && !env.PW_AGENT_IMAGE_LAYOUT) {
    const t1 = Date.now();
    env.PW_AGENT_IMAGE_LAYOUT = execFileSync(process.execPath, [join(here, '../../scripts/image-layout.mjs')],
      { stdio: ['ignore', 'pipe', 'inherit'], env, encoding: 'utf8' }).trim().split('\n').pop();
    process.stderr.write(`image layout ${env.PW_AGENT_IMAGE_LAYOUT} (${((Date.now() - t1) / 1000).toFixed(1)}s)\n`);
  }
  const t0 = Date.now();
  execFileSync('bash', [join(here, 'build.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env });
  execFileSync('bash', [join(here, 'run.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  process.stderr.write(`test cluster up in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  Object.assign(process.env, testClusterEnv,
    { PIPEWRIGHT_TEST_CLUSTER_STATE: join(testClusterEnv.PIPEWRIGHT_CLUSTER_DIR, 'state.json') });
}
