// charts/pipewright/README.md, run as a user would: its shell block against the test cluster, then an upgrade with
// a run in flight and an uninstall. The controller is a pod of the chart's Deployment on the node agent, running
// the image layout (scripts/image-layout.mjs); task pods reach its gateway through the Service's DNS name.
//
// Substituted in the README's commands, and only these: the S3 endpoint (the test cluster's S3 server); the
// controller's and the server's ports (pods share the host's network here, so 8080 and 8888 might be taken); and the release and namespace
// names get a suffix, since other test files of the same cluster use deploy/'s pipewright-system objects; and, as
// the README says for CRDs applied before (other test files apply crds/), --take-ownership --force-conflicts.
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { KFP_SDK_VERSION } from '../../../src/local/python-env.js';
import { clusterState, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { kfpPython } from './kfp-python.js';
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
    .replace(endpoint, `--set s3.endpoint=${s.host} --set s3.port=${s.port} --set controller.httpPort=${port} --set server.port=${port + 1}`)
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

/** client_flow.py's `token` mode (kfp.Client(host, existing_token, namespace).create_run_from_pipeline_package). */
function kfpClient(host: string, token: string, namespace: string): Promise<{ status: number; run_id?: string; error?: string }> {
  const work = mkdtempSync(join(tmpdir(), 'chart-kfp-'));
  return new Promise((resolve, reject) => {
    execFile(kfpPython(KFP_SDK_VERSION), [join(repo, 'test/integration/cluster/kfp-api/client_flow.py'), 'token'], {
      env: { ...process.env, KFP_HOST: host, TOKEN: token, NAMESPACE: namespace, WORKDIR: work, SUFFIX: suffix }, timeout: 300_000,
    }, (err, stdout, stderr) => {
      rmSync(work, { recursive: true, force: true });
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (err || !line) reject(new Error(`client_flow.py token failed: ${err?.message ?? ''}\n${stdout}\n${stderr.slice(-3000)}`));
      else resolve(JSON.parse(line.slice(7)) as { status: number; run_id?: string });
    });
  });
}

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

    // The chart's server (its own Deployment and ServiceAccount): the real kfp Client creates a run through it with
    // the token of a user whose Role allows runs in the namespace, and the run succeeds.
    await timed('server', async () => {
      await kubectlOk(['-n', system, 'rollout', 'status', `deploy/${release}-server`, '--timeout=3m']);
      const user = [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kfp-user' } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'kfp-user' },
          rules: [{ apiGroups: ['pipewright.dev'], resources: ['pipelineruns', 'pipelines'], verbs: ['get', 'list', 'create', 'update', 'delete'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'kfp-user' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kfp-user' }, subjects: [{ kind: 'ServiceAccount', name: 'kfp-user', namespace: team }] },
      ];
      await kubectlOk(['apply', '-n', team, '-f', '-'], user.map((d) => stringify(d)).join('---\n'));
      const token = (await kubectlOk(['create', 'token', 'kfp-user', '-n', team, '--duration=1h'])).trim();
      const created = await kfpClient(`http://127.0.0.1:${port + 1}`, token, team);
      expect(created).toMatchObject({ status: 200, run_id: expect.any(String) });
      const name = (await kubectlOk(['get', 'pipelineruns', '-n', team, '-o', `jsonpath={.items[?(@.metadata.uid=="${created.run_id}")].metadata.name}`])).trim();
      expect(name).not.toBe('');
      expect((await waitForRun(team, name)).status?.phase).toBe('Succeeded');
    });

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
