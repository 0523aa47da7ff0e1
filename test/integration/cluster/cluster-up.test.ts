// The README's dev-cluster block, as written: `npm run cluster:up` and nothing else, then the training example
// with kubectl. The cluster is the suite's (jest globalSetup started it bare, with the image layout and the python
// environment cluster:up prepares), so `npm run cluster:up` here is its install step (`run.sh install`, what
// `up --pipewright` runs once the cluster is up): the chart, the S3 Secret and the bucket. The controller is then a
// pod of the chart, not a process of this test.
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repo, sh as chartSh } from './chart.js';
import { clusterState, kubectl, kubectlOk } from './helpers.js';
import { getRun } from './operator.js';

jest.setTimeout(420_000);

const RELEASE = 'pipewright';
const SYSTEM = 'pipewright-system';

/** The README's block that starts with `npm run cluster:up`. */
function readmeBlock(): string {
  const md = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = [...md.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith('npm run cluster:up\n'));
  if (!block) throw new Error('README.md has no bash block starting with npm run cluster:up');
  return block;
}

function sh(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd: repo, env, timeout: 400_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
  });
}

// A newcomer's cluster has no pipewright-system yet. Other test files (deploy-install) leave theirs, whose Services
// the chart would then merge with its own (same port name, another port: "Duplicate value: http").
beforeAll(async () => {
  await kubectl(['delete', 'namespace', SYSTEM, '--ignore-not-found', '--wait=true'], undefined, 180_000);
}, 200_000);

afterAll(async () => {
  // The run first: its artifact finalizer needs the controller.
  await kubectl(['delete', 'pipelinerun', 'training', '-n', 'default', '--ignore-not-found', '--wait=true'], undefined, 120_000);
  await chartSh(`helm uninstall ${RELEASE} -n ${SYSTEM} --wait || true`, 120_000);
  await kubectl(['delete', 'namespace', SYSTEM, '--ignore-not-found', '--wait=true'], undefined, 180_000);
}, 400_000);

describe('README: npm run cluster:up, then the training example with kubectl', () => {
  it('installs the chart, the Secret and the bucket, and runs the example to Succeeded', async () => {
    const s = clusterState();
    const block = readmeBlock();
    const lines = block.split('\n');
    expect(lines[1]).toBe('export KUBECONFIG=~/.cache/pipewright/cluster/kubeconfig');
    // Substituted, and only this: the suite's cluster is already up (its install step only) and has its own kubeconfig.
    const script = ['bash test/cluster/run.sh install', `export KUBECONFIG=${s.kubeconfig}`, ...lines.slice(2)].join('\n');
    const portBase = process.env.PIPEWRIGHT_CLUSTER_PORT_BASE;
    expect(portBase).toBeDefined(); // set by the jest global setup, like PIPEWRIGHT_CLUSTER_DIR
    const r = await sh(script, { ...process.env, PIPEWRIGHT_CLUSTER_DIR: s.dir, PATH: `${dirname(s.kubectl)}:${process.env.PATH}` });
    process.stderr.write(`README block:\n${r.out}\n`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Secret ${SYSTEM}/pipewright-s3`);
    expect(r.out).toMatch(/bucket pipewright on http:\/\/127\.0\.0\.1:\d+ \(made by the controller at start\)/);
    expect(r.out).toContain('pipelinerun.pipewright.dev/training condition met');

    // The controller that ran it is the chart's pod, on the ports after the cluster's own.
    const pods = JSON.parse(await kubectlOk(['get', 'pods', '-n', SYSTEM, '-l', `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=controller`, '-o', 'json'])) as
      { items: { status: { phase: string } }[] };
    expect(pods.items.map((p) => p.status.phase)).toEqual(['Running']);
    const port = await kubectlOk(['get', 'deploy', `${RELEASE}-controller`, '-n', SYSTEM, '-o', 'jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}']);
    expect(port.trim()).toBe(String(Number(portBase) + 7));

    // What the example computes: evaluate's metrics in the status, and deploy ran because the model is accurate.
    const run = await getRun('default', 'training');
    expect({ phase: run.status?.phase, message: run.status?.message }).toEqual({ phase: 'Succeeded', message: undefined });
    const metrics = run.status?.nodes?.['evaluate-model']?.outputs?.artifacts?.metrics?.[0]?.metadata as Record<string, number>;
    expect(metrics.accuracy).toBeGreaterThan(0.85);
    expect(metrics.f1_score).toBeGreaterThan(0.85);
    expect(run.status?.nodes?.['condition-1/deploy-model']?.phase).toBe('Succeeded');
  });
});
