// Observability on the test cluster: probes that flip as the caches sync (and a healthy standby that is ready
// without work series), /metrics scraped after real runs, the Pipeline's status, kubectl wait for both outcomes,
// and the Argo CD health checks run (gopher-lua, as Argo CD) on the statuses of these runs. With
// PIPEWRIGHT_CAPTURE_ARGOCD_FIXTURES=1 the captured objects are written to test/fixtures/argocd/ (committed; the
// argocd-health test runs the Lua on them without a cluster).
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { ProcessMetrics } from '../../../src/controller/metrics.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

jest.setTimeout(300_000);

let ns: { name: string; remove: () => Promise<void> };
const controllers: ControllerHandle[] = [];
const FIXTURES = 'test/fixtures/argocd';
const capture = process.env.PIPEWRIGHT_CAPTURE_ARGOCD_FIXTURES === '1';

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('obs');
  await prepareNamespaceForRuns(ns.name);
});

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop()));
  await ns?.remove();
});

const get = (port: number, path: string): Promise<Response> => fetch(`http://127.0.0.1:${port}${path}`);
/** `name{labels}` → value, for the lines of one metric family. */
function series(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of text.split('\n')) {
    if (!l.startsWith(name) || !/^[a-z_]+(\{|\s)/.test(l)) continue;
    const i = l.lastIndexOf(' ');
    out[l.slice(0, i)] = Number(l.slice(i + 1));
  }
  return out;
}
const scrape = async (port: number): Promise<string> => (await get(port, '/metrics')).text();

const apply = (obj: unknown): Promise<string> => kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(obj));
const py = (name: string, code: string) => ({ name, image: 'python:3.11', command: ['python3', '-c', code], cache: false });
const run = (name: string, tasks: unknown[]) => ({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineSpec: { params: [], tasks } } });

/** The object as Argo CD would see it, without the noise. */
function fixture(obj: PipelineRunObject | Record<string, unknown>, file: string): Record<string, unknown> {
  const o = JSON.parse(JSON.stringify(obj)) as { metadata: Record<string, unknown> };
  for (const k of ['managedFields', 'uid', 'resourceVersion', 'creationTimestamp', 'annotations']) delete o.metadata[k];
  o.metadata.namespace = 'team-a';
  if (capture) writeFileSync(`${FIXTURES}/${file}`, `${JSON.stringify(o, null, 2)}\n`);
  return o;
}

function health(script: string, objects: Record<string, unknown>[]): { status: string; message: string }[] {
  const bin = execFileSync('bash', ['test/tools/lua-health/build.sh'], { encoding: 'utf8' }).trim();
  const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  const files = objects.map((o, i) => {
    writeFileSync(`${dir}/${i}.json`, JSON.stringify(o));
    return `${dir}/${i}.json`;
  });
  return execFileSync(bin, [`charts/pipewright/files/argocd/${script}`, ...files], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as { status: string; message: string });
}

describe('probes', () => {
  it('/readyz is 503 until the caches synced, /healthz is 200 throughout', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let port = 0;
    const starting = startTestController(ns.name, {}, { beforeCacheSync: () => gate, onHttpListening: (p) => (port = p), metrics: new ProcessMetrics({ defaultMetrics: false }) });
    await waitUntil('HTTP server listening', async () => port > 0, 20_000, 50);
    expect([(await get(port, '/healthz')).status, (await get(port, '/readyz')).status]).toEqual([200, 503]);
    release();
    const c = await starting;
    controllers.push(c);
    expect((await get(port, '/readyz')).status).toBe(200);
    await c.stop();
    controllers.splice(controllers.indexOf(c), 1);
  });

  it('with leader election: the leader is ready once synced; a standby is ready too and serves no work series', async () => {
    const le = { PIPEWRIGHT_LEADER_ELECT: 'true', PIPEWRIGHT_LEADER_ELECTION_NAMESPACE: ns.name, PIPEWRIGHT_LEASE_DURATION_SECONDS: '15', PIPEWRIGHT_RENEW_DEADLINE_SECONDS: '10', PIPEWRIGHT_RETRY_PERIOD_SECONDS: '1' };
    const a = await startTestController(ns.name, { ...le, POD_NAME: 'obs-a' }, { metrics: new ProcessMetrics({ defaultMetrics: false }) });
    controllers.push(a);
    await waitUntil('obs-a leads and is ready', async () => a.isLeader() && (await get(a.httpPort, '/readyz')).status === 200, 30_000, 100);
    const b = await startTestController(ns.name, { ...le, POD_NAME: 'obs-b' }, { metrics: new ProcessMetrics({ defaultMetrics: false }) });
    controllers.push(b);
    await waitUntil('obs-b ready as a standby', async () => (await get(b.httpPort, '/readyz')).status === 200, 30_000, 100);
    expect(b.isLeader()).toBe(false);
    const [ma, mb] = [await scrape(a.httpPort), await scrape(b.httpPort)];
    expect([series(ma, 'pipewright_leader'), series(mb, 'pipewright_leader')]).toEqual([{ pipewright_leader: 1 }, { pipewright_leader: 0 }]);
    expect(ma).toContain('pipewright_workqueue_depth');
    expect(mb).not.toContain('pipewright_workqueue_depth');
    await Promise.all([a.stop(), b.stop()]);
    controllers.length = 0;
  });
});

describe('a controller after real runs', () => {
  let c: ControllerHandle;
  const statuses: Record<string, PipelineRunObject> = {};

  beforeAll(async () => {
    c = await startTestController(ns.name, {}, { metrics: new ProcessMetrics({ defaultMetrics: false }) });
    controllers.push(c);
  });

  it('runs to both outcomes; kubectl wait --for=condition=Finished returns for each, Succeeded=False for the failure', async () => {
    // hello writes an artifact (uploaded through the gateway), world reads it (a download through the gateway).
    await apply(run('ok', [
      { ...py('hello', "import sys; open(sys.argv[1], 'w').write('hello')"), args: ['{{outputs.artifacts.greeting.path}}'], outputs: { artifacts: [{ name: 'greeting', type: 'Dataset' }] } },
      { ...py('world', "import sys; print(open(sys.argv[1]).read())"), args: ['{{inputs.artifacts.text.path}}'], inputs: { artifacts: [{ name: 'text', from: 'tasks.hello.outputs.artifacts.greeting' }] } },
    ]));
    await apply(run('fails', [py('boom', "import sys; print('no'); sys.exit(3)")]));
    await apply(run('slow', [py('sleep', 'import time; time.sleep(120)')]));
    // Long enough for its pod to start on a loaded machine: a task timed out before it started has no duration.
    await apply({ ...run('late', [py('sleep', 'import time; time.sleep(120)')]), spec: { ...run('late', [py('sleep', 'import time; time.sleep(120)')]).spec, timeout: '25s' } });
    await waitUntil('late is running', async () => (await getRun(ns.name, 'late')).status?.nodes?.sleep?.phase === 'Running', 25_000, 200);
    const wait = (name: string, cond: string) => kubectl(['wait', `pwr/${name}`, '-n', ns.name, `--for=${cond}`, '--timeout=150s'], undefined, 170_000);
    const [ok, fails, failsFalse] = await Promise.all([wait('ok', 'condition=Finished'), wait('fails', 'condition=Finished'), wait('fails', 'condition=Succeeded=False')]);
    expect([ok.code, fails.code, failsFalse.code]).toEqual([0, 0, 0]);
    statuses.ok = await getRun(ns.name, 'ok');
    statuses.fails = await getRun(ns.name, 'fails');
    expect([statuses.ok.status?.phase, statuses.fails.status?.phase]).toEqual(['Succeeded', 'Failed']);
    expect(statuses.fails.status?.conditions?.map((x) => `${x.type}=${x.status}/${x.reason}`)).toEqual(['Succeeded=False/TaskFailed', 'Finished=True/TaskFailed', 'Reconciling=False/TaskFailed', 'Stalled=True/TaskFailed']);
    // A wait for success on a run that failed times out: why Finished exists.
    expect((await kubectl(['wait', 'pwr/fails', '-n', ns.name, '--for=condition=Succeeded', '--timeout=2s'])).code).not.toBe(0);

    await waitUntil('slow is running', async () => (await getRun(ns.name, 'slow')).status?.nodes?.sleep?.phase === 'Running', 90_000, 300);
    statuses.slow = await getRun(ns.name, 'slow');
    await kubectlOk(['patch', 'pwr', 'slow', '-n', ns.name, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
    statuses.cancelled = await waitForRun(ns.name, 'slow', 60_000);
    expect(statuses.cancelled.status?.phase).toBe('Cancelled');
    statuses.timeout = await waitForRun(ns.name, 'late', 60_000);
    expect(statuses.timeout.status?.conditions?.map((x) => `${x.type}=${x.status}/${x.reason}`)).toEqual(['Succeeded=False/Timeout', 'Finished=True/Timeout', 'Reconciling=False/Timeout', 'Stalled=True/Timeout']);
  });

  it('/metrics: reconciles, runs by phase, pods created, task durations, queue; no S3 errors', async () => {
    const text = await scrape(c.httpPort);
    expect(series(text, 'pipewright_runs')).toEqual({
      'pipewright_runs{phase="Pending"}': 0, 'pipewright_runs{phase="Running"}': 0, 'pipewright_runs{phase="Succeeded"}': 1,
      'pipewright_runs{phase="Failed"}': 2, 'pipewright_runs{phase="Error"}': 0, 'pipewright_runs{phase="Cancelled"}': 1,
    });
    // One pod per task: hello, world, boom, and the two sleeps.
    expect(series(text, 'pipewright_pods_created_total')).toEqual({ 'pipewright_pods_created_total{result="created"}': 5 });
    const tasks = series(text, 'pipewright_task_duration_seconds_count');
    expect(tasks).toEqual({ 'pipewright_task_duration_seconds_count{phase="Succeeded"}': 2, 'pipewright_task_duration_seconds_count{phase="Failed"}': 1, 'pipewright_task_duration_seconds_count{phase="Cancelled"}': 2 });
    const reconciles = series(text, 'pipewright_reconcile_total');
    expect(reconciles['pipewright_reconcile_total{result="success"}']).toBeGreaterThanOrEqual(3);
    expect(reconciles['pipewright_reconcile_total{result="error"}'] ?? 0).toBe(0);
    const hist = series(text, 'pipewright_reconcile_duration_seconds_count');
    expect(Object.values(hist).reduce((a, b) => a + b, 0)).toBe(Object.values(reconciles).reduce((a, b) => a + b, 0));
    expect(series(text, 'pipewright_workqueue_wait_seconds_count')['pipewright_workqueue_wait_seconds_count']).toBeGreaterThanOrEqual(3);
    expect(series(text, 'pipewright_workqueue_depth')).toEqual({ pipewright_workqueue_depth: 0 });
    expect(series(text, 'pipewright_s3_errors_total')).toEqual({});
    // The task pods' helpers fetched and stored through the gateway: counted by route and code.
    const gw = series(text, 'pipewright_gateway_requests_total');
    expect(gw['pipewright_gateway_requests_total{route="upload",code="200"}']).toBeGreaterThanOrEqual(1);
    expect(gw['pipewright_gateway_requests_total{route="download",code="200"}']).toBeGreaterThanOrEqual(1);
  });

  it('writes each Pipeline\'s status: valid or not, with the reason', async () => {
    const spec = (from: string) => ({ pipelineSpec: { params: [], tasks: [py('a', 'print(1)'), { ...py('b', 'print(1)'), inputs: { parameters: [{ name: 'x', from }] } }] } });
    await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'good' }, spec: { pipelineSpec: { params: [], tasks: [py('a', 'print(1)')] }, description: 'prints 1' } });
    await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'bad' }, spec: spec('tasks.nope.outputs.parameters.y') });
    const pipeline = async (name: string) => JSON.parse(await kubectlOk(['get', 'pwp', name, '-n', ns.name, '-o', 'json'])) as { metadata: { generation: number }; status?: { valid?: boolean; observedGeneration?: number; message?: string; conditions?: { reason: string }[] } };
    await waitUntil('both validated', async () => (await pipeline('good')).status?.valid !== undefined && (await pipeline('bad')).status?.valid !== undefined, 30_000, 300);
    const [good, bad] = [await pipeline('good'), await pipeline('bad')];
    expect({ good: good.status?.valid, bad: bad.status?.valid, reason: bad.status?.conditions?.[0]?.reason }).toEqual({ good: true, bad: false, reason: 'InvalidPipeline' });
    statuses.pipelineGood = good as unknown as PipelineRunObject;
    statuses.pipelineBad = bad as unknown as PipelineRunObject;
  });

  it('Argo CD health (gopher-lua): running → Progressing, succeeded → Healthy, failed and cancelled → Degraded', async () => {
    const runs = [fixture(statuses.slow!, 'pipelinerun-running.json'), fixture(statuses.ok!, 'pipelinerun-succeeded.json'), fixture(statuses.fails!, 'pipelinerun-failed.json'), fixture(statuses.cancelled!, 'pipelinerun-cancelled.json')];
    runs.push(fixture(statuses.timeout!, 'pipelinerun-timeout.json'));
    const h = health('pipelinerun-health.lua', runs);
    expect(h.map((x) => x.status)).toEqual(['Progressing', 'Healthy', 'Degraded', 'Degraded', 'Degraded']);
    expect(h[4]!.message).toBe('Timeout: run exceeded its timeout of 25s');
    expect(h[2]!.message).toMatch(/^TaskFailed: .*exit code 3/);
    const p = health('pipeline-health.lua', [fixture(statuses.pipelineGood!, 'pipeline-valid.json'), fixture(statuses.pipelineBad!, 'pipeline-invalid.json')]);
    expect(p.map((x) => x.status)).toEqual(['Healthy', 'Degraded']);
  });
});
