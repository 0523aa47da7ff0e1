// Reconciler against a fake apiserver: bounded launch concurrency, and expectations (our own writes that the watch
// caches do not show yet) neither redo work nor cost a GET per pod.
import { pino } from 'pino';
import { configFromEnv } from './config.js';
import { fakeKube } from './testing/fake-kube.js';
import { eachLimited, Reconciler } from './reconcile.js';
import type { RunStatus } from './status.js';
import type { PipelineRunObject } from './types.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000' });

const RUN = (resourceVersion: string, status?: RunStatus): PipelineRunObject => ({
  apiVersion: 'pipewright.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r', namespace: 'ns', uid: 'uid-1', resourceVersion, creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  spec: { pipelineSpec: { tasks: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'], dependsOn: ['a'] }] } },
  ...(status ? { status } : {}),
});

describe('eachLimited', () => {
  it('keeps at most `limit` calls in flight and visits every item once, in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await eachLimited([...Array(50).keys()], 4, async (i) => {
      seen.push(i);
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
    });
    expect(peak).toBe(4);
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it('rejects with the first failure and starts no further items', async () => {
    const started: number[] = [];
    await expect(eachLimited([1, 2, 3, 4, 5], 1, async (i) => {
      started.push(i);
      if (i === 2) throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});

describe('Reconciler expectations', () => {
  it('waits for the cache to deliver its own status write instead of acting on the stale run', async () => {
    const { kube, calls } = fakeKube();
    let cached = RUN('1');
    const r = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, getRun: () => cached, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7) });
    expect(await r.reconcile('ns/r')).toBeUndefined();
    expect(calls.createPod).toHaveLength(1);
    expect(calls.writes).toHaveLength(1);

    // The cache still holds version 1: nothing is created again, nothing is written, the run is re-queued.
    const outcome = await r.reconcile('ns/r');
    expect(outcome?.requeueAfterMs).toBeGreaterThan(0);
    expect(calls.createPod).toHaveLength(1);
    expect(calls.writes).toHaveLength(1);

    // Version 2 arrives (with our status) before its pod does: the pod is trusted to exist, with no GET.
    cached = RUN('2', calls.writes[0]);
    r.runSeen(cached);
    await r.reconcile('ns/r');
    expect(calls.createPod).toHaveLength(1);
    expect(calls.podExists).toBe(0);
  });

  it('believes the cache again once the expectation has been seen or has expired', async () => {
    const { kube, calls } = fakeKube();
    let cached = RUN('1');
    const r = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, getRun: () => cached, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7) });
    await r.reconcile('ns/r');
    // Someone else's write after ours: seen in order by the cache, so ours was seen first.
    r.runSeen(RUN('2', calls.writes[0]));
    cached = RUN('3', calls.writes[0]);
    r.runSeen(cached);
    const outcome = await r.reconcile('ns/r');
    // A recheck about a second out (plus however long this reconcile took on a loaded machine), not the
    // 5 s status expectation.
    expect(outcome?.requeueAfterMs ?? 0).toBeLessThan(2000);
    expect(calls.podExists).toBe(0);
  });
});
