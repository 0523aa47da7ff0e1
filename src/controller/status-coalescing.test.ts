// Status writes coalesced (status-throttle.ts) against the in-memory API server: a run's writes are at most one per
// interval however often its pods change, the run's start and end are written at once, a pass held back asks to
// be requeued within the interval, and no task's transition is lost from the status that follows.
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { configFromEnv } from './config.js';
import { Reconciler } from './reconcile.js';
import type { RunStatus } from './status.js';
import { StatusThrottle } from './status-throttle.js';
import { PlanMemo } from './plan-memo.js';
import type { ExecutionFact } from '../engine/state.js';
import { fakeKube } from './testing/fake-kube.js';
import type { PipelineRunObject } from './types.js';
import type { JsonObject } from '../model/types.js';

const INTERVAL = 500;
const LEAVES = 30;
const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000', PIPEWRIGHT_STATUS_INTERVAL_MS: String(INTERVAL) });

const task = (name: string, dependsOn: string[] = []): JsonObject => ({ name, image: 'busybox', command: ['true'], ...(dependsOn.length ? { dependsOn } : {}) });

/** A run of root → LEAVES leaves, its pods as a kubelet would move them, and a clock the test steps. */
function world(leaves = LEAVES) {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const clock = (): Date => new Date(t);
  const { kube, calls } = fakeKube();
  const pods = new Map<string, V1Pod>();
  let rv = 1;
  let run: PipelineRunObject = {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r', namespace: 'ns', uid: 'uid-1', resourceVersion: '1', generation: 1, creationTimestamp: new Date(t) },
    spec: { caching: false, pipelineSpec: { tasks: [task('root'), ...Array.from({ length: leaves }, (_, i) => task(`leaf${i}`, ['root']))] } },
  };
  const rec = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, now: clock, getRun: () => run, podsOfRun: () => [...pods.values()], grantKey: Buffer.alloc(32, 7) });
  const writesAt: number[] = [];
  /** One reconcile; the pods it created and the status it wrote reach the caches at once. */
  const reconcile = async (): Promise<number | undefined> => {
    const before = calls.writes.length;
    const outcome = await rec.reconcile('ns/r');
    for (const p of calls.pods) if (!pods.has(p.metadata!.name!)) pods.set(p.metadata!.name!, structuredClone(p));
    if (calls.writes.length > before) {
      writesAt.push(t);
      run = { ...run, metadata: { ...run.metadata, resourceVersion: String(++rv) }, status: calls.writes.at(-1)! };
      rec.runSeen(run);
    }
    return outcome ? outcome.requeueAfterMs : undefined;
  };
  const setPhase = (node: string, phase: 'Running' | 'Succeeded'): void => {
    const pod = [...pods.values()].find((p) => p.metadata?.annotations?.['pipewright.dev/node-id'] === node)!;
    const at = new Date(t);
    // A new object, as the pod cache holds one per version (the controller reads each version once).
    pods.set(pod.metadata!.name!, { ...pod, status: phase === 'Running'
      ? { phase, containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'x', imageID: 'x', state: { running: { startedAt: at } } }] }
      : { phase, containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'x', imageID: 'x', state: { terminated: { exitCode: 0, startedAt: at, finishedAt: at } } }] } });
  };
  return { calls, writesAt, reconcile, setPhase, advance: (ms: number) => (t += ms), now: () => t, status: (): RunStatus => run.status ?? {} };
}

describe('coalesced status writes', () => {
  it('writes a busy run at most once per interval, its start and end at once, and loses no transition', async () => {
    const w = world();
    await w.reconcile(); // root launched: the run's first status, written at once
    expect(w.writesAt).toHaveLength(1);
    expect(w.status().phase).toBe('Running');
    w.advance(10);
    w.setPhase('root', 'Succeeded');
    expect(await w.reconcile()).toBeLessThanOrEqual(INTERVAL); // leaves launched, the write waits for its slot
    expect(w.calls.createPod).toHaveLength(1 + LEAVES);
    expect(w.writesAt).toHaveLength(1);

    // Every 20 ms a leaf starts or finishes, and the run is reconciled after each change (as its pod events would
    // make it); a held-back pass asks to come back within the interval, and comes back when it asked.
    const start = w.now();
    let due: number | undefined;
    const changes = LEAVES * 2;
    for (let i = 0; i < changes; i++) {
      w.advance(20);
      const leaf = `leaf${i % LEAVES}`;
      w.setPhase(leaf, i < LEAVES ? 'Running' : 'Succeeded');
      if (due !== undefined && w.now() >= due) await w.reconcile();
      const requeue = await w.reconcile();
      if (w.status().phase === 'Succeeded') break;
      expect(requeue).toBeDefined();
      expect(requeue!).toBeLessThanOrEqual(INTERVAL);
      due = requeue! > 0 ? w.now() + requeue! : undefined;
    }
    const busy = w.writesAt.filter((at) => at >= start);
    // The end is written by the pass that saw the last leaf finish, not a slot later.
    expect(w.status().phase).toBe('Succeeded');
    expect(w.writesAt.at(-1)).toBe(w.now());
    // 60 changes over 1.2 s: writes at most every INTERVAL ms (the end excepted), against 60 without coalescing.
    const gaps = busy.slice(0, -1).map((at, i) => (i === 0 ? at - w.writesAt[0]! : at - busy[i - 1]!));
    expect(gaps.every((g) => g >= INTERVAL)).toBe(true);
    expect(busy.length).toBeLessThanOrEqual(Math.ceil((w.now() - start) / INTERVAL) + 1);
    expect(busy.length).toBeGreaterThanOrEqual(2);
    // Nothing lost: the final status has every task Succeeded with its pod and times, and the end's progress.
    const nodes = w.status().nodes!;
    expect(Object.keys(nodes)).toHaveLength(1 + LEAVES);
    expect(Object.values(nodes).every((n) => n.phase === 'Succeeded' && n.pod && n.attempt === 1 && n.finishedAt)).toBe(true);
    expect(w.status().progress).toBe(`${1 + LEAVES}/${1 + LEAVES}`);
    // No pod was created twice although the status that named the leaves' pods was written late.
    expect(new Set(w.calls.createPod).size).toBe(w.calls.createPod.length);
  });

  it('a change held back is written by the requeued pass once the interval is over', async () => {
    const w = world();
    await w.reconcile();
    w.advance(10);
    w.setPhase('root', 'Running'); // the first change after the first write: within the interval, held back
    const requeue = await w.reconcile();
    expect(w.writesAt).toHaveLength(1);
    expect(requeue).toBe(INTERVAL - 10);
    w.advance(requeue!);
    await w.reconcile();
    expect(w.writesAt).toHaveLength(2);
    expect(w.status().nodes!.root!.phase).toBe('Running');
    // A quiet run then writes its next change at once (the first transition after a quiet spell).
    w.advance(5 * INTERVAL);
    w.setPhase('root', 'Succeeded');
    await w.reconcile();
    expect(w.writesAt).toHaveLength(3);
    expect(w.status().nodes!.root!.phase).toBe('Succeeded');
  });
});

describe('task events of a big run', () => {
  it('are limited per run (a burst, then one a second), said once; the run events and the status keep everything', async () => {
    const w = world(150);
    await w.reconcile();
    w.advance(INTERVAL);
    w.setPhase('root', 'Succeeded');
    await w.reconcile();
    for (const phase of ['Running', 'Succeeded'] as const) {
      w.advance(INTERVAL);
      for (let i = 0; i < 150; i++) w.setPhase(`leaf${i}`, phase);
      await w.reconcile();
    }
    await new Promise((r) => setTimeout(r, 50)); // events go out in the background
    expect(w.status().phase).toBe('Succeeded');
    expect(Object.values(w.status().nodes!).filter((n) => n.phase === 'Succeeded')).toHaveLength(151);
    const reasons = w.calls.events.map((e) => e.reason);
    const taskEvents = reasons.filter((r) => r.startsWith('Task') && r !== 'TaskEventsLimited');
    // 302 task transitions over 1.5 s of the run's clock: the burst of 100 and one refill.
    expect(taskEvents.length).toBeGreaterThanOrEqual(100);
    expect(taskEvents.length).toBeLessThanOrEqual(102);
    expect(reasons.filter((r) => r === 'TaskEventsLimited')).toHaveLength(1);
    expect(reasons).toEqual(expect.arrayContaining(['RunStarted', 'RunSucceeded']));
  });
});

describe('StatusThrottle', () => {
  it('lets the first write through, then holds writes until the interval is over; 0 turns it off', () => {
    let t = 1000;
    const th = new StatusThrottle(500, () => new Date(t));
    expect(th.waitMs('a')).toBe(0);
    th.wrote('a');
    t += 100;
    expect(th.waitMs('a')).toBe(400);
    expect(th.waitMs('b')).toBe(0);
    t += 400;
    expect(th.waitMs('a')).toBe(0);
    th.forget('a');
    expect(th.waitMs('a')).toBe(0);
    const off = new StatusThrottle(0, () => new Date(t));
    off.wrote('a');
    expect(off.waitMs('a')).toBe(0);
  });
});

describe('PlanMemo', () => {
  const f = (phase: ExecutionFact['phase'], attempt = 1): ExecutionFact => ({ attempt, phase });
  it('skips a plan only when nodes went Pending ↔ Running, the run is the same version and no wake-up came', () => {
    const m = new PlanMemo();
    expect(m.unchanged('u', '1', { a: f('Pending') }, 0)).toBe(false); // never planned
    m.planned('u', '1', { a: f('Pending'), b: f('Succeeded') }, 1000);
    expect(m.unchanged('u', '1', { a: f('Running'), b: f('Succeeded') }, 10)).toBe(true);
    expect(m.unchanged('u', '1', { a: f('Succeeded'), b: f('Succeeded') }, 10)).toBe(false); // a node ended
    expect(m.unchanged('u', '1', { a: f('Pending', 2), b: f('Succeeded') }, 10)).toBe(false); // a new attempt
    expect(m.unchanged('u', '1', { a: f('Running') }, 10)).toBe(false); // a fact gone
    expect(m.unchanged('u', '1', { a: f('Running'), b: f('Succeeded'), c: f('Pending') }, 10)).toBe(false); // a new one
    expect(m.unchanged('u', '2', { a: f('Running'), b: f('Succeeded') }, 10)).toBe(false); // the run changed
    expect(m.unchanged('u', '1', { a: f('Running'), b: f('Succeeded') }, 1000)).toBe(false); // a retry or timeout is due
    // A pending pod's problem, and since when it is stuck (the pending deadline counts from there), are planned.
    expect(m.unchanged('u', '1', { a: { ...f('Pending'), message: 'unbound immediate PersistentVolumeClaims' }, b: f('Succeeded') }, 10)).toBe(false);
    expect(m.unchanged('u', '1', { a: { ...f('Pending'), stuckSince: '2026-01-01T00:00:00Z' }, b: f('Succeeded') }, 10)).toBe(false);
    m.forget('u');
    expect(m.unchanged('u', '1', { a: f('Pending'), b: f('Succeeded') }, 10)).toBe(false);
  });
});
