// charts/pipewright/README.md, run as a user would: its shell block against the test cluster, then an upgrade with
// a run in flight and an uninstall. The controller is a pod of the chart's Deployment on the node agent, running
// the image layout (scripts/image-layout.mjs); task pods reach its gateway through the Service's DNS name.
//
// Substituted in the README's commands, and only these: the S3 endpoint (the test cluster's S3 server); the
// controller's port (pods share the host's network here, so 8080 might be taken); and the release and namespace
// names get a suffix, since other test files of the same cluster use deploy/'s pipewright-system objects; and, as
// the README says for CRDs applied before (other test files apply crds/), --take-ownership --force-conflicts.
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { clusterState, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { getRun, installCrds, waitForRun } from './operator.js';

jest.setTimeout(900_000);

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const version = /^HELM_VERSION=(\S+)$/m.exec(readFileSync(join(repo, 'test/cluster/versions.env'), 'utf8'))![1]!;
const helmBin = join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright'), 'bin', `helm-${version}`, 'helm');
const suffix = randomBytes(2).toString('hex');
const release = `pipewright-${suffix}`;
const system = `pipewright-system-${suffix}`;
const team = `my-team-${suffix}`;

interface Result { code: number; out: string }

function sh(script: string, timeoutMs = 600_000): Promise<Result> {
  const s = clusterState();
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repo, timeout: timeoutMs, maxBuffer: 64 << 20,
      env: {
        ...process.env, KUBECONFIG: s.kubeconfig, PATH: `${dirname(helmBin)}:${dirname(s.kubectl)}:${process.env.PATH}`,
        S3_ACCESS_KEY: s.s3.accessKey, S3_SECRET_KEY: s.s3.secretKey,
        HELM_CACHE_HOME: join(s.dir, 'helm', 'cache'), HELM_CONFIG_HOME: join(s.dir, 'helm', 'config'), HELM_DATA_HOME: join(s.dir, 'helm', 'data'),
      },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
  });
}

/** The README's first sh block, with the substitutions above. */
function readmeScript(port: number): string {
  const md = readFileSync(join(repo, 'charts/pipewright/README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(md)![1]!;
  const s = clusterState().s3;
  const endpoint = '--set s3.endpoint=minio.minio.svc.cluster.local --set s3.port=9000';
  if (!block.includes(endpoint)) throw new Error(`the README's helm install no longer says ${endpoint}`);
  return block
    .replace(/^export S3_ACCESS_KEY=.*$/m, ': credentials from the environment')
    .replace(endpoint, `--set s3.endpoint=${s.host} --set s3.port=${s.port} --set controller.httpPort=${port}`)
    .replace(/\bpipewright-system\b/g, system)
    .replace(/\bmy-team\b/g, team)
    .replace(/helm (install|test|upgrade|uninstall) pipewright /g, `helm $1 ${release} `);
}

async function controllerPods(): Promise<{ name: string; phase: string; deleting: boolean }[]> {
  const list = JSON.parse(await kubectlOk(['get', 'pods', '-n', system, '-l', `app.kubernetes.io/instance=${release},app.kubernetes.io/component=controller`, '-o', 'json'])) as
    { items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string } }[] };
  return list.items.map((p) => ({ name: p.metadata.name, phase: p.status.phase, deleting: !!p.metadata.deletionTimestamp }));
}

// A run that is still going when the controller is replaced: one task that sleeps, then one that reads its output.
const slowRun = (name: string): string => JSON.stringify({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name, namespace: team },
  spec: { pipelineYAML: JSON.stringify({
    apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec', metadata: { name: 'slow' },
    spec: { tasks: [
      { name: 'wait', image: 'python:3.11', command: ['sh', '-c', 'sleep 25; mkdir -p "$(dirname "$0")"; echo 42 > "$0"', '{{outputs.parameters.n.path}}'],
        outputs: { parameters: [{ name: 'n', type: 'integer' }] } },
      { name: 'after', image: 'python:3.11', command: ['sh', '-c', 'test "$0" = 42', '{{inputs.parameters.n}}'],
        inputs: { parameters: [{ name: 'n', from: 'tasks.wait.outputs.parameters.n' }] } },
    ] },
  }) },
});

const timings: Record<string, number> = {};
async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try { return await f(); } finally { timings[name] = Math.round((Date.now() - t0) / 1000); }
}

beforeAll(async () => {
  // Other test files apply crds/ with kubectl; a user who did so lets Helm adopt them as the README says.
  await installCrds();
});

afterAll(async () => {
  process.stderr.write(`chart-install timings (s): ${JSON.stringify(timings)}\n`);
  await sh(`helm uninstall ${release} -n ${system} --wait || true`, 120_000);
  await kubectl(['delete', 'namespace', system, team, '--wait=false', '--ignore-not-found']);
});

describe('charts/pipewright/README.md, as written', () => {
  it('installs a controller that runs the example, passes helm test, survives an upgrade mid-run and uninstalls cleanly', async () => {
    const port = clusterState().s3.port + 40;
    // The CRDs exist already (kubectl apply -f crds/ by other test files): the README's flags for that case.
    const md = readFileSync(join(repo, 'charts/pipewright/README.md'), 'utf8');
    const adopt = /Add `(--take-ownership --force-conflicts)` to the `helm install`/.exec(md)![1]!;
    const script = readmeScript(port).replace(/^(helm install .*?) \\$/m, `$1 ${adopt} \\`);
    expect(script).toContain(adopt);

    const install = await timed('readme', () => sh(script));
    process.stderr.write(`README commands (${timings.readme}s):\n${install.out}\n`);
    if (install.code !== 0) throw new Error(`README commands failed (${install.code}):\n${install.out.slice(-6000)}`);
    expect(install.out).toMatch(/Succeeded/); // helm test's verdict (its non-zero exit would have stopped the script)
    expect(install.out).toContain('pipelinerun.pipewright.dev/hello condition met');

    // The controller is the Deployment's pod (node agent), not a process of this test.
    const pods = await controllerPods();
    expect(pods).toEqual([expect.objectContaining({ phase: 'Running', deleting: false })]);
    const hello = await waitForRun(team, 'hello');
    expect(hello.status?.phase).toBe('Succeeded');

    // helm upgrade with a changed value rolls the controller; the run in flight completes.
    await kubectlOk(['apply', '-f', '-'], slowRun('inflight'));
    await waitUntil('the in-flight run to start its first task', async () =>
      JSON.stringify((await kubectl(['get', 'pipelinerun', 'inflight', '-n', team, '-o', 'json'])).stdout).includes('Running'), 120_000, 1000);
    const upgrade = await timed('upgrade', () => sh(`helm upgrade ${release} charts/pipewright -n ${system} --reuse-values --set controller.logLevel=debug --wait --timeout 5m`));
    expect(upgrade).toMatchObject({ code: 0 });
    const during = await getRun(team, 'inflight');
    process.stderr.write(`in-flight run at the upgrade: ${during.status?.phase}, nodes ${JSON.stringify(Object.fromEntries(Object.entries(during.status?.nodes ?? {}).map(([k, n]) => [k, n.phase])))}\n`);
    expect(during.status?.phase).toBe('Running');
    await waitUntil('the old controller pod gone', async () => {
      const now = await controllerPods();
      return now.length === 1 && now[0]!.name !== pods[0]!.name && now[0]!.phase === 'Running';
    }, 180_000, 1000);
    const cm = JSON.parse(await kubectlOk(['get', 'configmap', `${release}-config`, '-n', system, '-o', 'json'])) as { data: Record<string, string> };
    expect(cm.data.LOG_LEVEL).toBe('debug');
    const inflight = await timed('inflight', () => waitForRun(team, 'inflight', 300_000));
    expect([inflight.status?.phase, inflight.status?.message]).toEqual(['Succeeded', inflight.status?.message]);

    // helm uninstall leaves no controller objects (the CRDs stay: keep).
    const un = await sh(`helm uninstall ${release} -n ${system} --wait`);
    expect(un).toMatchObject({ code: 0 });
    const left = await kubectlOk(['get', 'deploy,rs,pods,svc,sa,cm,secret,role,rolebinding,pdb', '-n', system, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
    expect(left.trim()).toBe('');
    const cluster = await kubectlOk(['get', 'clusterrole,clusterrolebinding', '-o', 'name']);
    expect(cluster.split('\n').filter((n) => n.includes(release))).toEqual([]);
    await waitUntil('controller pods gone', async () => (await controllerPods()).length === 0, 60_000, 1000);
    expect((await kubectl(['get', 'crd', 'pipelineruns.pipewright.dev'])).code).toBe(0);
  });
});
