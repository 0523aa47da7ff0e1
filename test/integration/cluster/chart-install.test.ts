// charts/pipewright/README.md, run as a user would: its shell block against the test cluster, then an upgrade with
// a run in flight and an uninstall. The controller is a pod of the chart's Deployment on the node agent, running
// the image layout (scripts/image-layout.mjs); task pods reach its gateway through the Service's DNS name, and the
// agent runs its readiness and liveness probes.
//
// Substituted in the README's commands, and only this: the S3 endpoint and credentials (the test cluster's S3
// server), as every user substitutes their own. The release, namespaces and the controller's port are the
// README's. What makes that possible: the cluster is first brought back to "nothing installed" for those names
// (other test files apply deploy/, whose objects and CRDs share them: `kubectl delete -k deploy/`), and the
// machine-wide default-install lock (helpers.ts) keeps any other install on the documented defaults, here or in
// another test cluster on this machine, from binding port 8080 meanwhile (pods share the host's network).
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KFP_SDK_VERSION } from '../../../src/local/python-env.js';
import { readmeBlocks, release, repo, sh, system, team, withDefaultInstall } from './chart.js';
import { clusterState, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { kfpPython } from './kfp-python.js';
import { getRun, waitForRun } from './operator.js';

jest.setTimeout(900_000);

// Names client_flow.py's pipeline and experiment apart from other runs of this test.
const suffix = randomBytes(2).toString('hex');

/** The README's first sh block, with the S3 endpoint and credentials substituted. */
function readmeScript(): string {
  const block = readmeBlocks()[0]!;
  const s = clusterState().s3;
  const endpoint = '--set s3.endpoint=minio.minio.svc.cluster.local --set s3.port=9000';
  if (!block.includes(endpoint)) throw new Error(`the README's helm install no longer says ${endpoint}`);
  return block
    .replace(/^export S3_ACCESS_KEY=.*$/m, ': credentials from the environment')
    .replace(endpoint, `--set s3.endpoint=${s.host} --set s3.port=${s.port}`);
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

withDefaultInstall(() => process.stderr.write(`chart-install timings (s): ${JSON.stringify(timings)}\n`));

describe('charts/pipewright/README.md, as written', () => {
  it('installs a controller that runs the example, passes helm test, survives an upgrade mid-run and uninstalls cleanly', async () => {
    const script = readmeScript();
    const install = await timed('readme', () => sh(script));
    process.stderr.write(`README commands (${timings.readme}s):\n${install.out}\n`);
    if (install.code !== 0) throw new Error(`README commands failed (${install.code}):\n${install.out.slice(-6000)}`);
    expect(install.out).toMatch(/Succeeded/); // helm test's verdict (its non-zero exit would have stopped the script)
    expect(install.out).toContain('pipelinerun.pipewright.dev/hello condition met');
    // NOTES: how to check the install and run the example.
    expect(install.out).toContain(`helm test ${release} -n ${system}`);
    expect(install.out).toContain('kubectl -n my-team apply -f examples/hello-run.yaml');
    // The release owns the CRDs (templates, not crds/), so `helm upgrade` upgrades them.
    const crdOwner = await kubectlOk(['get', 'crd', 'pipelineruns.pipewright.dev', '-o', 'jsonpath={.metadata.annotations.meta\\.helm\\.sh/release-name}']);
    expect(crdOwner).toBe(release);

    // The controller is the Deployment's pod (node agent), not a process of this test.
    const pods = await controllerPods();
    expect(pods).toEqual([expect.objectContaining({ phase: 'Running', deleting: false })]);
    // Ready through its readiness probe (/readyz): the node agent flipped it after the container had started.
    const pod = JSON.parse(await kubectlOk(['get', 'pod', pods[0]!.name, '-n', system, '-o', 'json'])) as
      { spec: { containers: { readinessProbe?: { httpGet?: { path: string } }; livenessProbe?: { httpGet?: { path: string } } }[] };
        status: { conditions: { type: string; status: string; lastTransitionTime: string }[]; containerStatuses: { ready: boolean; state: { running?: { startedAt: string } } }[] } };
    expect(pod.spec.containers[0]!.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(pod.spec.containers[0]!.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(pod.status.containerStatuses[0]!.ready).toBe(true);
    const readyAt = Date.parse(pod.status.conditions.find((c) => c.type === 'Ready' && c.status === 'True')!.lastTransitionTime);
    expect(readyAt).toBeGreaterThan(Date.parse(pod.status.containerStatuses[0]!.state.running!.startedAt));
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
      const created = await kfpClient('http://127.0.0.1:8888', token, team);
      expect(created).toMatchObject({ status: 200, run_id: expect.any(String) });
      // The image carries the web UI: the chart's server serves it at / (the SDK's run links open it).
      const page = await fetch('http://127.0.0.1:8888/');
      expect([page.status, (await page.text()).includes('<div id="root">')]).toEqual([200, true]);
      // With the controller's S3 settings and Secret (server.artifacts, the default) it reads a run's artifact for the
      // UI's previews, as that user: the example run's dataset, its three lines.
      const data = hello.status?.nodes?.produce?.outputs?.artifacts?.data?.[0]?.uri ?? '';
      const read = await fetch(`http://127.0.0.1:8888/apis/v2beta1/runs/${hello.metadata!.uid!}/artifacts:read?uri=${encodeURIComponent(data)}&max_bytes=4096`,
        { headers: { authorization: `Bearer ${token}` } });
      expect({ status: read.status, lines: (await read.text()).trim().split('\n').length }).toEqual({ status: 200, lines: 3 });
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
