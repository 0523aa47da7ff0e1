// deploy/README.md, run as a user would: its shell block (an overlay of the kustomize base) against the test
// cluster, a pipeline run by the controller pod it installs, and a re-apply that changes nothing. Only the S3
// endpoint is substituted. The overlay's ../deploy is the checkout's deploy/ (a symlink in a temp directory).
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clusterState, createNamespace, kubectl, kubectlOk, lockDefaultInstall, waitUntil } from './helpers.js';
import { waitForRun } from './operator.js';

jest.setTimeout(600_000);

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'pw-kustomize-'));
symlinkSync(join(repo, 'deploy'), join(work, 'deploy'));

function sh(script: string): Promise<{ code: number; out: string }> {
  const s = clusterState();
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: work, timeout: 540_000, maxBuffer: 64 << 20,
      env: { ...process.env, KUBECONFIG: s.kubeconfig, PATH: `${dirname(s.kubectl)}:${process.env.PATH}`, S3_ACCESS_KEY: s.s3.accessKey, S3_SECRET_KEY: s.s3.secretKey },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
  });
}

function readmeScript(): string {
  const block = /```sh\n([\s\S]*?)```/.exec(readFileSync(join(repo, 'deploy/README.md'), 'utf8'))![1]!;
  const s = clusterState().s3;
  const endpoint = '      - PIPEWRIGHT_S3_ENDPOINT=minio.minio.svc.cluster.local\n      - PIPEWRIGHT_S3_PORT=9000';
  if (!block.includes(endpoint)) throw new Error(`deploy/README.md's overlay no longer says\n${endpoint}`);
  return block.replace(/^export S3_ACCESS_KEY=.*$/m, ': credentials from the environment')
    .replace(endpoint, `      - PIPEWRIGHT_S3_ENDPOINT=${s.host}\n      - PIPEWRIGHT_S3_PORT=${s.port}`);
}

let team: { name: string; remove: () => Promise<void> } | undefined;
let unlock: (() => void) | undefined;

// The controller listens on the documented port 8080 of the host (pods share its network), and pipewright-system is
// shared with the chart's install tests: one such install at a time on this machine (helpers.ts).
beforeAll(async () => { unlock = await lockDefaultInstall(); }, 1_500_000);

afterAll(async () => {
  // The controller goes; the rest is what deploy/ leaves for the other test files (rbac-audit applies it too).
  await kubectl(['delete', 'deployment', 'pipewright-controller', 'pipewright-server', '-n', 'pipewright-system', '--ignore-not-found', '--wait=true']);
  await kubectl(['delete', 'secret', 'pipewright-s3', '-n', 'pipewright-system', '--ignore-not-found']);
  await team?.remove();
  rmSync(work, { recursive: true, force: true });
  unlock?.();
});

describe('deploy/README.md, as written', () => {
  it('installs from nothing with kubectl apply -k, runs the example, and a re-apply changes nothing', async () => {
    // "From nothing": no Namespace, CRDs or RBAC of an earlier test file.
    await kubectl(['delete', 'namespace', 'pipewright-system', '--ignore-not-found', '--wait=true'], undefined, 180_000);
    await kubectl(['delete', 'crd', 'pipelines.pipewright.dev', 'pipelineruns.pipewright.dev', 'recurringruns.pipewright.dev', '--ignore-not-found', '--wait=true'], undefined, 120_000);
    const t0 = Date.now();
    const r = await sh(readmeScript());
    if (r.code !== 0) throw new Error(`README commands failed (${r.code}):\n${r.out.slice(-6000)}`);
    process.stderr.write(`deploy README commands: ${Math.round((Date.now() - t0) / 1000)}s\n`);
    expect(r.out).toContain('deployment "pipewright-controller" successfully rolled out');

    const again = await sh('kubectl apply -k my-pipewright');
    expect(again.code).toBe(0);
    const lines = again.out.trim().split('\n');
    expect(lines.filter((l) => !l.endsWith(' unchanged'))).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(10);

    team = await createNamespace('kustomize-team');
    await kubectlOk(['apply', '-n', team.name, '-f', join(repo, 'examples/hello-run.yaml')]);
    const run = await waitForRun(team.name, 'hello', 300_000);
    expect([run.status?.phase, run.status?.message]).toEqual(['Succeeded', run.status?.message]);
    // Run by the Deployment's pod, which holds the Lease.
    const pods = JSON.parse(await kubectlOk(['get', 'pods', '-n', 'pipewright-system', '-l', 'app.kubernetes.io/component=controller', '-o', 'json'])) as { items: { metadata: { name: string } }[] };
    await waitUntil('the Lease held by the controller pod', async () => {
      const holder = (await kubectl(['get', 'lease', 'pipewright-leader-election', '-n', 'pipewright-system', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
      return pods.items.some((p) => p.metadata.name === holder);
    }, 30_000, 1000);
  });
});
