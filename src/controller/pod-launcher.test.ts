// Passes that do not wait for the API server, against the in-memory API server: pod creations handed to the launcher
// (pod-launcher.ts) and status writes sent in the background. A pass does not wait for
// a slow API server, the status names a pod only once it was created (so a controller killed meanwhile plans it
// again under the same name), nothing is created twice, and a refusal or failure that comes after the pass reaches
// the run's next pass with its classification.
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { configFromEnv } from './config.js';
import { TransientError } from './errors.js';
import { RejectedError } from './kube-ops.js';
import { PodLauncher } from './pod-launcher.js';
import { Reconciler } from './reconcile.js';
import type { RunStatus } from './status.js';
import { fakeKube } from './testing/fake-kube.js';
import { Expectations } from './expectations.js';
import type { PipelineRunObject } from './types.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000', PIPEWRIGHT_LAUNCH_WAIT_MS: '5', PIPEWRIGHT_STATUS_INTERVAL_MS: '0' });
const silent = pino({ level: 'silent' });

const RUN = (resourceVersion: string, status?: RunStatus): PipelineRunObject => ({
  apiVersion: 'pipewright.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r', namespace: 'ns', uid: 'uid-1', resourceVersion, creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  spec: { caching: false, pipelineSpec: { tasks: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'] }] } },
  ...(status ? { status } : {}),
});

/** An API server whose pod creations wait until `release()`; then each answers with `answer()`. */
function slowApi(answer: () => Promise<void> = async () => undefined) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { kube, calls } = fakeKube({ createPod: async () => { await gate; await answer(); } });
  return { kube, calls, release };
}

function reconciler(kube: ReturnType<typeof fakeKube>['kube'], run: () => PipelineRunObject, requeued: string[] = []): Reconciler {
  return new Reconciler({ config, logger: silent, kube, getRun: run, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7), requeue: (k) => requeued.push(k) });
}

describe('pod launcher', () => {
  it('a pass returns while its creations are in flight; the status names a pod only once it exists', async () => {
    const api = slowApi();
    let run = RUN('1');
    const rec = reconciler(api.kube, () => run);
    await rec.reconcile('ns/r');
    expect(rec.launches.size).toBe(2);
    expect(api.calls.createPod).toHaveLength(0);
    const first = api.calls.writes.at(-1)!;
    expect(first.phase).toBe('Running');
    expect(Object.values(first.nodes!).filter((n) => n.kind === 'container').map((n) => n.pod)).toEqual([undefined, undefined]);

    // A second pass while they are in flight: nothing handed over twice.
    run = RUN('2', first);
    rec.runSeen(run);
    await rec.reconcile('ns/r');
    expect(rec.launches.size).toBe(2);

    api.release();
    await rec.launches.idle();
    expect(api.calls.createPod.sort()).toHaveLength(2);
    // The next pass (the pods not in the cache yet) names them without creating them again or asking for them.
    run = RUN('3', api.calls.writes.at(-1)!);
    rec.runSeen(run);
    await rec.reconcile('ns/r');
    const named = Object.values(api.calls.writes.at(-1)!.nodes!).filter((n) => n.kind === 'container').map((n) => n.pod);
    expect(named.sort()).toEqual([...api.calls.createPod].sort());
    expect(api.calls.createPod).toHaveLength(2);
    expect(api.calls.podExists).toBe(0);
  });

  it('a controller killed while creations are in flight plans them again under the same names', async () => {
    const api = slowApi();
    const rec = reconciler(api.kube, () => RUN('1'));
    await rec.reconcile('ns/r');
    const written = api.calls.writes.at(-1)!;
    // The new controller has nothing in memory and its API server answers at once.
    const fresh = fakeKube();
    const rec2 = reconciler(fresh.kube, () => RUN('2', written));
    await rec2.reconcile('ns/r');
    await rec2.launches.idle();
    api.release();
    await rec.launches.idle();
    expect(fresh.calls.createPod.sort()).toEqual([...api.calls.createPod].sort());
    expect(fresh.calls.writes.at(-1)!.nodes!.a!.phase).toBe('Pending');
  });

  it('a refusal answered after the pass settles the task in the next pass (Error, the message), and requeues the run', async () => {
    const api = slowApi(async () => { throw new RejectedError('pods "x" is forbidden: violates PodSecurity "restricted:latest"'); });
    let run = RUN('1');
    const requeued: string[] = [];
    const rec = reconciler(api.kube, () => run, requeued);
    await rec.reconcile('ns/r');
    api.release();
    await rec.launches.idle();
    expect(requeued).toEqual(['ns/r', 'ns/r']); // each refusal
    run = RUN('2', api.calls.writes.at(-1)!);
    rec.runSeen(run);
    await rec.reconcile('ns/r');
    const st = api.calls.writes.at(-1)!;
    expect(st.nodes!.a).toMatchObject({ phase: 'Error', stopped: true, attempt: 1 });
    expect(st.nodes!.a!.message).toMatch(/PodSecurity/);
    expect(st.phase).toBe('Error'); // as a refusal answered within the pass ends it
  });

  it('an API server failure answered after the pass fails the next pass as transient, and the launch is made again', async () => {
    let fail = true;
    const api = slowApi(async () => { if (fail) throw new Error('connect ECONNREFUSED'); });
    let run = RUN('1');
    const rec = reconciler(api.kube, () => run);
    await rec.reconcile('ns/r');
    api.release();
    await rec.launches.idle();
    run = RUN('2', api.calls.writes.at(-1)!);
    rec.runSeen(run);
    await expect(rec.reconcile('ns/r')).rejects.toBeInstanceOf(TransientError);
    fail = false;
    await rec.reconcile('ns/r');
    await rec.launches.idle();
    expect(api.calls.createPod).toHaveLength(2);
  });

  it('keeps at most `concurrency` creations in flight, drops queued ones of a forgotten run, and sends nothing once stopped', async () => {
    let inFlight = 0;
    let peak = 0;
    let sent = 0;
    const l = new PodLauncher({ concurrency: 3, expectations: new Expectations(() => new Date()) });
    const job = (uid: string, i: number) => ({
      uid, key: `ns/${uid}`, nodeId: `t${i}`, task: `t${i}`, attempt: 1, pod: `${uid}-t${i}`,
      create: async () => {
        sent++;
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return { kind: 'created' as const, result: 'created' as const };
      },
    });
    for (let i = 0; i < 10; i++) l.submit(job('a', i));
    for (let i = 0; i < 10; i++) l.submit(job('b', i));
    // 3 of a's in flight: a's other 7 and all of b's wait their turn.
    expect([l.queuedFor('ns/a'), l.queuedFor('ns/b'), l.queuedFor('ns/c')]).toEqual([7, 10, 0]);
    l.forget('b');
    expect(l.queuedFor('ns/b')).toBe(0);
    await l.idle();
    expect(l.queuedFor('ns/a')).toBe(0);
    expect({ peak, sent }).toEqual({ peak: 3, sent: 10 });
    await l.stop();
    const late = l.submit(job('c', 0));
    await late.settled;
    expect(late.cancelled).toBe(true);
    expect(sent).toBe(10);
  });
});

describe('status writes in the background', () => {
  it('a pass does not wait for its status write; the next pass waits for the answer, and fails with a failed write', async () => {
    let release!: () => void;
    let fail = false;
    let gate = new Promise<void>((r) => (release = r));
    const { kube, calls } = fakeKube({ writeRunStatus: async () => { await gate; if (fail) throw new Error('connect ECONNREFUSED'); } });
    const requeued: string[] = [];
    let run = RUN('1');
    const rec = reconciler(kube, () => run, requeued);
    await rec.reconcile('ns/r');
    expect(calls.writes).toHaveLength(1);
    // Not answered yet: the next pass does nothing and looks again later (the answer requeues the run).
    expect((await rec.reconcile('ns/r'))?.requeueAfterMs).toBeGreaterThan(0);
    expect(calls.writes).toHaveLength(1);
    release();
    await gate;
    await new Promise((r) => setImmediate(r));
    expect(requeued).toContain('ns/r');

    // The next write fails: the pass after it fails as transient (backoff), and the one after that writes again.
    await rec.launches.idle();
    fail = true;
    gate = Promise.resolve();
    run = RUN('2', calls.writes.at(-1)!); // the resourceVersion the first write was answered with
    rec.runSeen(run);
    const writes = calls.writes.length;
    await rec.reconcile('ns/r');
    expect(calls.writes.length).toBe(writes + 1);
    await new Promise((r) => setImmediate(r));
    await expect(rec.reconcile('ns/r')).rejects.toBeInstanceOf(TransientError);
    fail = false;
    await rec.reconcile('ns/r');
    expect(calls.writes.length).toBe(writes + 2);
  });

  it('a task that ends while the status write is in flight starts its successor at once; nothing is written meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { kube, calls } = fakeKube({ writeRunStatus: () => gate });
    const chain: PipelineRunObject = { ...RUN('1'), spec: { caching: false, pipelineSpec: { tasks: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'], dependsOn: ['a'] }] } } };
    const pods: V1Pod[] = [];
    const rec = new Reconciler({ config, logger: silent, kube, getRun: () => chain, podsOfRun: () => pods, grantKey: Buffer.alloc(32, 7) });
    await rec.reconcile('ns/r');
    await rec.launches.idle();
    expect(calls.createPod).toHaveLength(1);
    const at = new Date();
    pods.push({ ...structuredClone(calls.pods[0]!), status: { phase: 'Succeeded', containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'x', imageID: 'x', state: { terminated: { exitCode: 0, startedAt: at, finishedAt: at } } }] } });
    const out = await rec.reconcile('ns/r');
    await rec.launches.idle();
    expect(calls.createPod).toHaveLength(2);
    expect(calls.writes).toHaveLength(1);
    expect(out?.requeueAfterMs).toBeGreaterThan(0);
    release();
  });
});

