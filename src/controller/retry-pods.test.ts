// A task's next attempt (spec.retry of a finished run) against the in-memory API server, with a pod cache that
// has not shown the new pod yet and the earlier attempt's pod gone (cancelled, or removed by pod GC): the status
// must not name the earlier pod for the new attempt, and a pass must not read that pod's absence as the new
// attempt's pod "deleted before it finished" (seen on the test cluster: the retried run ended in Error).
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { configFromEnv } from './config.js';
import { taskPodName } from './names.js';
import { Reconciler } from './reconcile.js';
import type { RunStatus } from './status.js';
import { fakeKube } from './testing/fake-kube.js';
import type { PipelineRunObject } from './types.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000', PIPEWRIGHT_STATUS_INTERVAL_MS: '0' });

function world() {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const pods = new Map<string, V1Pod>();
  const deleted = new Set<string>();
  // Creations wait while `slowCreates` (an API server that takes its time): the pass has handed them over by then.
  let slowCreates = false;
  const { kube, calls } = fakeKube({
    createPod: () => new Promise((r) => setTimeout(r, slowCreates ? 20 : 0)),
    podExists: (name) => pods.has(name) || (calls.createPod.includes(name) && !deleted.has(name)),
  });
  let run: PipelineRunObject = {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r', namespace: 'ns', uid: 'uid-1', resourceVersion: '1', generation: 1, creationTimestamp: new Date(t) },
    spec: { caching: false, pipelineSpec: { tasks: [{ name: 'x', image: 'busybox', command: ['false'] }] } },
  };
  const rec = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, now: () => new Date(t), getRun: () => run, podsOfRun: () => [...pods.values()], grantKey: Buffer.alloc(32, 7) });
  const settle = () => new Promise((r) => setTimeout(r, 5));
  /** One pass; its status write reaches the run cache; new pods reach the pod cache only when `showPods`. */
  const reconcile = async (showPods = true): Promise<void> => {
    const before = calls.writes.length;
    await rec.reconcile('ns/r');
    await settle(); // the launcher's creations and the background status write
    if (showPods) for (const p of calls.pods) if (!pods.has(p.metadata!.name!) && !deleted.has(p.metadata!.name!)) pods.set(p.metadata!.name!, structuredClone(p));
    if (calls.writes.length > before) {
      // The version the fake API server answered the write with.
      run = { ...run, metadata: { ...run.metadata, resourceVersion: String(1 + calls.writes.length) }, status: calls.writes.at(-1)! };
      rec.runSeen(run);
    }
  };
  const fail = (name: string): void => {
    const at = new Date(t);
    pods.get(name)!.status = { phase: 'Failed', containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'x', imageID: 'x', state: { terminated: { exitCode: 1, startedAt: at, finishedAt: at } } }] };
  };
  return {
    calls, pods, reconcile, fail,
    slow: (on: boolean) => { slowCreates = on; },
    remove: (name: string) => { pods.delete(name); deleted.add(name); },
    retry: (n: number) => { run = { ...run, metadata: { ...run.metadata, generation: run.metadata!.generation! + 1, resourceVersion: `spec-${n}` }, spec: { ...run.spec, retry: n } }; rec.runSeen(run); },
    advance: (ms: number) => (t += ms),
    status: (): RunStatus => run.status ?? {},
  };
}

describe('a retried task whose earlier pod is gone', () => {
  it('runs its new attempt while the pod cache lags, naming only the new attempt\'s pod', async () => {
    const w = world();
    const first = taskPodName('r', 'uid-1', 'x', 1);
    await w.reconcile();
    expect(w.calls.createPod).toEqual([first]);
    w.fail(first);
    w.advance(1000);
    await w.reconcile();
    expect(w.status().phase).toBe('Failed');
    w.remove(first); // pod GC, or the cancel that stopped it

    w.retry(1);
    w.slow(true);
    const second = taskPodName('r', 'uid-1', 'x', 2);
    await w.reconcile(false); // the retry is recorded: the run is Running again
    expect(w.status()).toMatchObject({ phase: 'Running', retry: { attemptBase: 1 } });
    for (let i = 0; i < 4; i++) {
      w.advance(100);
      await w.reconcile(false); // the new pod is created but the cache has not shown it yet
      const node = w.status().nodes?.x;
      expect(w.status().phase).toBe('Running');
      // Pending; until its pod is seen it is named (and numbered) as its own attempt's or not at all, as a first launch is.
      expect(node?.phase).toBe('Pending');
      expect([undefined, 2]).toContain(node?.attempt);
      expect([undefined, second]).toContain(node?.pod);
    }
    expect(w.calls.createPod).toEqual([first, second]);
    w.advance(100);
    await w.reconcile();
    expect(w.status().nodes?.x).toMatchObject({ attempt: 2, pod: second });
    expect(w.status().phase).toBe('Running');
  });
});
