// Faults met by the controller, against in-memory fakes of the API server and S3: poison runs fail once with a
// reason, transient failures back off and are reported, an S3 server that never answers costs a bounded wait and
// ends the run at a deadline, timers over Node's limit do not spin, shutdown drains, and a status stays bounded
// while every node is kept for resuming.
import type { V1Pod } from '@kubernetes/client-node';
import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { S3ArtifactStore, S3TimeoutError, ArtifactNotFoundError, type ArtifactStore } from '../artifacts/s3.js';
import { configFromEnv, type ControllerConfig } from './config.js';
import { DEGRADED, Reason, TransientError, classify } from './errors.js';
import type { KubeOps } from './kube-ops.js';
import { fakeKube } from './testing/fake-kube.js';
import { clampDelay, MAX_TIMER_MS, WorkQueue } from './queue.js';
import { Reconciler } from './reconcile.js';
import { boundNodes, factsFromStatus, mergeNodes, STATUS_NODE_BYTES, type RunStatus, type StatusNode } from './status.js';
import type { PipelineRunObject } from './types.js';

const baseEnv = { PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000', PIPEWRIGHT_PIPELINE_ROOT: 'minio://bkt/root' };
const config = (env: Record<string, string> = {}): ControllerConfig => configFromEnv({ ...baseEnv, ...env });
const silent = pino({ level: 'silent' });

function memoryStore(): ArtifactStore & { objects: Map<string, string>; puts: number } {
  const objects = new Map<string, string>();
  const s = {
    objects,
    puts: 0,
    async putJson(uri: string, v: unknown) {
      s.puts++;
      objects.set(uri, JSON.stringify(v));
    },
    async getJson<T>(uri: string): Promise<T> {
      const o = objects.get(uri);
      if (o === undefined) throw new ArtifactNotFoundError(uri);
      return JSON.parse(o) as T;
    },
  };
  return s as unknown as ArtifactStore & { objects: Map<string, string>; puts: number };
}

let uidSeq = 0;
function run(spec: Record<string, unknown>, status?: unknown, name = 'r'): PipelineRunObject {
  return {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'ns', uid: `uid-${++uidSeq}`, resourceVersion: '1', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
    spec: spec as PipelineRunObject['spec'],
    ...(status !== undefined ? { status: status as RunStatus } : {}),
  };
}

const TWO = { pipelineSpec: { tasks: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'], dependsOn: ['a'] }] } };

function reconciler(r: PipelineRunObject, kube: KubeOps, extra: Partial<ConstructorParameters<typeof Reconciler>[0]> = {}, env: Record<string, string> = {}): Reconciler {
  return new Reconciler({ config: config(env), logger: silent, kube, getRun: () => r, podsOfRun: () => [], grantKey: Buffer.alloc(32, 3), ...extra });
}

describe('poison runs fail once, with a reason and an event', () => {
  const cases: [string, PipelineRunObject, string, RegExp][] = [
    ['a non-string timeout', run({ ...TWO, timeout: 3600 }), Reason.InvalidRun, /spec\.timeout must be a duration string/],
    ['a null node in the status', run(TWO, { phase: 'Running', startedAt: '2026-01-01T00:00:00Z', nodes: { a: null } }), Reason.InvalidRun, /status\.nodes\.a must be an object \(got null\)/],
    ['a node whose phase is a number', run(TWO, { phase: 'Running', nodes: { a: { phase: 5, kind: 'container', task: 'a' } } }), Reason.InvalidRun, /status\.nodes\.a\.phase must be a string/],
    ['a component named constructor', run({ pipelineSpec: { tasks: [{ name: 'constructor', image: 'busybox' }, { name: '__proto__', image: 'busybox' }] } }), '', /./],
  ];
  it.each(cases)('%s', async (_what, r, reason, message) => {
    const { kube, calls } = fakeKube();
    const rec = reconciler(r, kube);
    const outcome = await rec.reconcile('ns/r');
    await rec.events.idle();
    expect(outcome).toBeUndefined();
    if (reason === '') {
      // Whichever check catches it (the model's or the controller's last resort), the run ends Failed, once.
      expect(calls.writes.at(-1)!.phase).toBe('Failed');
      expect(calls.events).toEqual([expect.objectContaining({ type: 'Warning', reason: expect.stringMatching(/^(InvalidPipeline|InternalError)$/) })]);
      return;
    }
    expect(calls.writes).toHaveLength(1);
    const st = calls.writes[0]!;
    expect(st.phase).toBe('Failed');
    expect(st.message).toMatch(message);
    expect(st.conditions?.[0]).toMatchObject({ type: 'Succeeded', status: 'False', reason });
    expect(calls.events).toEqual([expect.objectContaining({ type: 'Warning', reason })]);
    expect(calls.createPod).toHaveLength(0);
  });

  it('an exception while reading facts for the planner fails the run as InternalError, stops its pods, and keeps the cause in the log', async () => {
    const { kube, calls } = fakeKube();
    // An artifact list that is a string (status.nodes is not checked by the CRD schema) throws while the facts
    // for the planner are read.
    const r = run(TWO, { phase: 'Running', startedAt: '2026-01-01T00:00:00Z', nodes: { a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1, outputs: { artifacts: { o: 'not a list' } } } } });
    const pod = { metadata: { name: 'r-b-1', annotations: {} }, status: { phase: 'Running' } } as V1Pod;
    const rec = new Reconciler({ config: config(), logger: silent, kube, getRun: () => r, podsOfRun: () => [pod], now: () => new Date('2026-01-01T00:01:00Z') });
    await rec.reconcile('ns/r');
    await rec.events.idle();
    expect(calls.writes.at(-1)).toMatchObject({ phase: 'Failed', conditions: expect.arrayContaining([expect.objectContaining({ type: 'Succeeded', reason: Reason.InternalError })]) });
    expect(calls.writes.at(-1)!.message).toMatch(/TypeError: .*map is not a function/);
    expect(calls.deletePod).toEqual(['r-b-1']);
    expect(calls.events.map((e) => e.reason)).toEqual([Reason.InternalError]);
  });

  it('keeps the cause on transient errors and classifies them apart from the run content', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const t = new TransientError('APIServer', 'the API server (createPod): connect ECONNREFUSED', { cause });
    expect(t.cause).toBe(cause);
    expect(classify(t)).toMatchObject({ kind: 'transient', reason: Reason.APIServerUnavailable });
    expect(classify(new TypeError('x'))).toMatchObject({ kind: 'terminal', reason: Reason.InternalError });
    expect(classify(new ArtifactNotFoundError('minio://b/k'))).toMatchObject({ kind: 'terminal', reason: Reason.OutputsMissing });
  });
});

describe('transient failures', () => {
  it('back off without failing the run, then say what fails on the run once', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    const { kube, calls } = fakeKube({ createPod: () => Promise.reject(down) });
    const r = run(TWO);
    const rec = reconciler(r, kube, {}, { PIPEWRIGHT_FAILURES_BEFORE_REPORT: '2' });
    const err1 = await rec.reconcile('ns/r').catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(TransientError);
    expect((err1 as Error).cause).toBe(down);
    expect(calls.writes).toHaveLength(0);
    for (let i = 0; i < 3; i++) await rec.reconcile('ns/r').catch(() => undefined);
    await rec.events.idle();
    expect(calls.writes).toHaveLength(1);
    const c = calls.writes[0]!.conditions!.find((x) => x.type === DEGRADED)!;
    expect(c).toMatchObject({ status: 'True', reason: Reason.APIServerUnavailable });
    expect(c.message).toMatch(/ECONNREFUSED/);
    expect(calls.events).toEqual([expect.objectContaining({ type: 'Warning', reason: Reason.APIServerUnavailable })]);
    expect(calls.writes[0]!.phase).not.toBe('Failed');

    // The API server is back: the next status drops the condition and an event says so.
    const ok = fakeKube();
    const back = { ...r, metadata: { ...r.metadata, resourceVersion: '9' }, status: calls.writes[0]! };
    const rec2 = reconciler(back, ok.kube);
    await rec2.reconcile('ns/r');
    await rec2.events.idle();
    expect(ok.calls.writes[0]!.conditions!.some((x) => x.type === DEGRADED)).toBe(false);
    expect(ok.calls.events.map((e) => e.reason)).toContain(Reason.Recovered);
  });
});

describe('S3 that accepts connections and never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const s3 = () => new S3ArtifactStore({ endpoint: '127.0.0.1', port, useSSL: false, region: 'us-east-1', bucket: 'bkt', pathStyle: true, credentials: { accessKey: 'a', secretKey: 'b' } }, { requestTimeoutMs: 300, retries: 1, backoffMs: 10 });

  it('a request ends with a timeout error instead of waiting forever', async () => {
    const started = Date.now();
    await expect(s3().getJson('minio://bkt/k.json')).rejects.toBeInstanceOf(S3TimeoutError);
    // Two attempts of 300 ms and a short backoff.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a reconcile returns within the timeout, the run shows S3Unavailable, and fails at the outage deadline with nothing marked Succeeded', async () => {
    const { kube, calls } = fakeKube();
    // Task a finished; its outputs are only in S3 (outputsRef), which does not answer.
    const status: RunStatus = { phase: 'Running', startedAt: '2026-01-01T00:00:00Z', nodes: { a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1, outputsRef: 'minio://bkt/root/ns/r/a/outputs.json' } } };
    let r = run(TWO, status);
    let now = new Date('2026-01-01T00:01:00Z');
    const rec = new Reconciler({ config: config({ PIPEWRIGHT_FAILURES_BEFORE_REPORT: '1', PIPEWRIGHT_S3_OUTAGE_DEADLINE_SECONDS: '600' }), logger: silent, kube, getRun: () => r, podsOfRun: () => [], store: s3(), now: () => now });
    const started = Date.now();
    const err = await rec.reconcile('ns/r').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).dependency).toBe('S3');
    await rec.events.idle();
    expect(calls.writes).toHaveLength(1);
    expect(calls.writes[0]!.conditions!.find((c) => c.type === DEGRADED)).toMatchObject({ reason: Reason.S3Unavailable, lastTransitionTime: '2026-01-01T00:01:00.000Z' });
    expect(calls.events.map((e) => e.reason)).toEqual([Reason.S3Unavailable]);
    expect(calls.createPod).toHaveLength(0);

    // A restarted controller, 11 minutes later: the outage's start comes from the condition.
    r = { ...r, metadata: { ...r.metadata, resourceVersion: '9' }, status: calls.writes[0]! };
    now = new Date('2026-01-01T00:12:00Z');
    const rec2 = new Reconciler({ config: config({ PIPEWRIGHT_S3_OUTAGE_DEADLINE_SECONDS: '600' }), logger: silent, kube, getRun: () => r, podsOfRun: () => [], store: s3(), now: () => now });
    await rec2.reconcile('ns/r');
    await rec2.events.idle();
    const last = calls.writes.at(-1)!;
    expect(last.phase).toBe('Failed');
    expect(last.conditions![0]).toMatchObject({ reason: Reason.S3OutageDeadlineExceeded });
    expect(last.message).toMatch(/S3 has been unreachable for 11m0s/);
    expect(calls.writes.some((w) => w.phase === 'Succeeded' || w.nodes?.b)).toBe(false);
  }, 20_000);
});

describe('timers', () => {
  it('clamps delays over 2^31-1 ms (and non-numbers) instead of firing after 1 ms', () => {
    expect(clampDelay(720 * 3600 * 1000)).toBe(MAX_TIMER_MS);
    expect(clampDelay(Infinity)).toBe(MAX_TIMER_MS);
    expect(clampDelay(NaN)).toBe(MAX_TIMER_MS);
    expect(clampDelay(5)).toBe(5);
    const delays: number[] = [];
    const q = new WorkQueue(async () => undefined, { workers: 1, setTimer: (_fn, ms) => (delays.push(ms), {}) });
    q.addAfter('k', 30 * 24 * 3600 * 1000);
    expect(delays).toEqual([MAX_TIMER_MS]);
  });

  it('a run asking to be woken in 720h is reconciled once, not in a loop', async () => {
    let n = 0;
    const q = new WorkQueue(async () => {
      n++;
      return { requeueAfterMs: 720 * 3600 * 1000 };
    }, { workers: 1 });
    q.add('ns/r');
    await new Promise((r) => setTimeout(r, 300));
    await q.stop();
    expect(n).toBe(1);
  });

  it('a reconcile of a run with spec.timeout 720h asks for a delay the queue can hold', async () => {
    const { kube } = fakeKube();
    const r = run({ ...TWO, timeout: '720h' }, { phase: 'Running', startedAt: new Date().toISOString() });
    const out = await reconciler(r, kube).reconcile('ns/r');
    expect(out?.requeueAfterMs).toBeGreaterThan(MAX_TIMER_MS);
    expect(clampDelay(out!.requeueAfterMs!)).toBe(MAX_TIMER_MS);
  });
});

describe('graceful shutdown', () => {
  it('waits for reconciles in flight and refuses new work', async () => {
    const done: string[] = [];
    const q = new WorkQueue(async (k) => {
      await new Promise((r) => setTimeout(r, 150));
      done.push(k);
    }, { workers: 2 });
    q.add('a');
    q.add('b');
    q.add('c');
    await new Promise((r) => setTimeout(r, 10));
    await q.stop(5000);
    expect(done.sort()).toEqual(['a', 'b']);
    q.add('d');
    q.addAfter('e', 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(done.sort()).toEqual(['a', 'b']);
  });

  it('gives up on a stuck reconcile after the drain time', async () => {
    const q = new WorkQueue(() => new Promise(() => undefined), { workers: 1 });
    q.add('stuck');
    const t = Date.now();
    await q.stop(100);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(q.inFlight).toBe(1);
  });
});

describe('bounded status', () => {
  function bigNodes(n: number): Record<string, StatusNode> {
    const nodes: Record<string, StatusNode> = { 'for-loop-1': { phase: 'Running', kind: 'loop', task: 'for-loop-1' } };
    for (let i = 0; i < n; i++) {
      const phase = i % 100 === 7 ? 'Failed' : i % 10 === 3 ? 'Running' : 'Succeeded';
      nodes[`for-loop-1[${i}]`] = { phase: phase === 'Failed' ? 'Failed' : phase, kind: 'iteration', task: `for-loop-1[${i}]` };
      nodes[`for-loop-1[${i}]/work`] = { phase, kind: 'container', task: 'work', attempt: 1, pod: `r-work-${i}`, startedAt: '2026-01-01T00:00:00Z', ...(phase !== 'Running' ? { finishedAt: `2026-01-01T00:${String(i % 60).padStart(2, '0')}:00Z`, outputs: { parameters: { out: `value ${i} `.repeat(4) } } } : {}) };
    }
    return nodes;
  }

  it('keeps 50,000 nodes under 1 MiB with per-loop counts, and loses no fact when merged with the full set', () => {
    const full = bigNodes(25_000); // 50,001 nodes
    const t = Date.now();
    const b = boundNodes(full, { limit: 2000, bytes: STATUS_NODE_BYTES });
    const ms = Date.now() - t;
    const status: RunStatus = { phase: 'Running', progress: '1/2', nodes: b.nodes, nodesRef: 'minio://b/x', nodesSummary: { ...b.summary!, revision: 'abc' } };
    expect(Buffer.byteLength(JSON.stringify(status))).toBeLessThanOrEqual(1024 * 1024);
    expect(b.summary).toMatchObject({ total: 50_001, inline: 2000, loops: { 'for-loop-1': { Succeeded: 22_250, Running: 2500, Failed: 250 } } });
    // The loop and every failed iteration task are inline (people look for those first).
    expect(b.nodes['for-loop-1']).toBeDefined();
    expect(Object.values(b.nodes).filter((n) => n.kind === 'container' && n.phase === 'Running')).toHaveLength(1999);
    expect(factsFromStatus(mergeNodes(full, b.nodes))).toEqual(factsFromStatus(full));
    // Time is a benchmark's figure (bench/reconcile-pass.ts), not an assertion: printed on request.
    if (process.env.PRINT_TIMES) console.log(`boundNodes over 50,001 nodes: ${ms} ms`);
  });

  it('leaves a small status whole', () => {
    const nodes = bigNodes(10);
    expect(boundNodes(nodes, { limit: 2000, bytes: STATUS_NODE_BYTES })).toEqual({ nodes });
  });

  it('merging takes each node where it got further', () => {
    const running: StatusNode = { phase: 'Running', kind: 'container', task: 'a', attempt: 1 };
    const done: StatusNode = { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1 };
    const retry: StatusNode = { phase: 'Pending', kind: 'container', task: 'a', attempt: 2, pod: 'p2' };
    expect(mergeNodes({ a: done }, { a: running }).a).toBe(done);
    expect(mergeNodes({ a: running }, { a: done }).a).toBe(done);
    expect(mergeNodes({ a: done }, { a: retry }).a).toBe(retry);
    expect(mergeNodes({ a: retry }, { a: done }).a).toBe(retry);
  });

  it('a large loop run writes its nodes to S3 first, a bounded status second, and resumes from both after a restart', async () => {
    const { kube, calls } = fakeKube();
    const store = memoryStore();
    const items = [...Array(300).keys()];
    const spec = { pipelineSpec: { params: [{ name: 'xs', type: 'list', default: items }], tasks: [{ name: 'work', image: 'busybox', command: ['true'], loop: { from: 'params.xs', as: 'item' } }] } };
    let r = run(spec);
    const env = { PIPEWRIGHT_STATUS_NODE_LIMIT: '50', PIPEWRIGHT_LAUNCHES_PER_PASS: '120' };
    const rec = reconciler(r, kube, { store }, env);
    const out = await rec.reconcile('ns/r');
    // 120 launched this pass, the rest next pass, at once.
    expect(calls.createPod).toHaveLength(120);
    expect(out?.requeueAfterMs).toBeLessThanOrEqual(10);
    const st = calls.writes[0]!;
    expect(Object.keys(st.nodes!).length).toBeLessThanOrEqual(50);
    expect(st.nodesRef).toMatch(/^minio:\/\/bkt\/root\/ns\/r\/@status\/nodes-uid-\d+\.json$/);
    expect(store.objects.has(st.nodesRef!)).toBe(true);

    // A new controller (nothing in memory), the pods not yet in its cache: nothing launched twice.
    r = { ...r, metadata: { ...r.metadata, resourceVersion: '2' }, status: st };
    const rec2 = reconciler(r, kube, { store }, env);
    await rec2.reconcile('ns/r');
    const names = calls.createPod;
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(240);
    const st2 = calls.writes.at(-1)!;
    const doc = JSON.parse(store.objects.get(st2.nodesRef!)!) as { nodes: Record<string, StatusNode> };
    expect(Object.values(doc.nodes).filter((n) => n.kind === 'container' && n.pod)).toHaveLength(240);
  });
});
