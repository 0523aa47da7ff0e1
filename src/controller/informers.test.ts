// The re-list repair of a cache, with a fake list function and a fake watch (no I/O).
import type * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { resilient, slimPod, SpecSharing } from './informers.js';
import { PodIndex } from './pod-index.js';
import { runOwnerReference } from './names.js';

const pod = (name: string, uid = 'u1'): k8s.V1Pod => ({ metadata: { namespace: 'a', name, resourceVersion: '1', ownerReferences: [runOwnerReference('r', uid)] } });

/** A watch that connects and then says nothing (a stalled watch). */
const silentWatch = { watch: async () => ({ abort: () => undefined }) } as unknown as k8s.Watch;

describe('resilient cache re-list', () => {
  it('drops objects deleted while the watch was stalled: delete callbacks fire and the pod index is rebuilt from the list', async () => {
    let listed = [pod('p1'), pod('p2'), pod('p3', 'u2')];
    const index = new PodIndex();
    const deleted: string[] = [];
    const cache = resilient<k8s.V1Pod>('pods', { path: '/api/v1/namespaces/a/pods', list: async () => ({ metadata: { resourceVersion: '10' }, items: listed }), watch: silentWatch }, {
      onChange: (p) => index.upsert(p),
      onDelete: (p) => {
        deleted.push(p.metadata!.name!);
        index.remove(p);
      },
      onListed: (items) => index.replace('a', items),
    }, pino({ level: 'silent' }));
    await cache.start();
    expect(index.podsOf('a', 'u1').map((p) => p.metadata!.name).sort()).toEqual(['p1', 'p2']);
    listed = [pod('p1'), pod('p4')];
    await cache.relist();
    expect(deleted.sort()).toEqual(['p2', 'p3']);
    expect(index.podsOf('a', 'u1').map((p) => p.metadata!.name).sort()).toEqual(['p1', 'p4']);
    expect(index.podsOf('a', 'u2')).toEqual([]);
    expect(cache.list().map((p) => p.metadata!.name).sort()).toEqual(['p1', 'p4']);
    await cache.stop();
  });
});

describe('slimPod', () => {
  it('keeps metadata (without managedFields), status and only the claim volumes of the spec', () => {
    const full: k8s.V1Pod = {
      metadata: { name: 'p', managedFields: [{ manager: 'x' }] },
      spec: { containers: [{ name: 'main', image: 'i', env: [{ name: 'A', value: 'b' }] }], volumes: [{ name: 'ws', persistentVolumeClaim: { claimName: 'run-ws' } }, { name: 'tmp', emptyDir: {} }] },
      status: { phase: 'Pending' },
    };
    expect(slimPod(full)).toEqual({ metadata: { name: 'p' }, spec: { containers: [], volumes: [{ name: 'ws', persistentVolumeClaim: { claimName: 'run-ws' } }] }, status: { phase: 'Pending' } });
  });

  it('keeps of the status what the controller reads: phase, its words, the scheduler refusal, container states', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const terminated = { exitCode: 0, message: '{"outputs":{}}', startedAt: at, finishedAt: at, reason: 'Completed' };
    const full: k8s.V1Pod = {
      metadata: { name: 'p' },
      status: {
        phase: 'Failed', reason: 'DeadlineExceeded', message: 'too long', hostIP: '10.0.0.1', podIP: '10.1.0.2', qosClass: 'Burstable', startTime: at,
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no node' }, { type: 'Ready', status: 'False' }],
        initContainerStatuses: [{ name: 'inputs', image: 'pw:dev', imageID: 'sha', containerID: 'c://1', ready: false, restartCount: 0, state: { terminated } }],
        containerStatuses: [{ name: 'outputs', image: 'pw:dev', imageID: 'sha', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'x' } } }],
      },
    };
    expect(slimPod(full).status).toEqual({
      phase: 'Failed', reason: 'DeadlineExceeded', message: 'too long',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no node' }],
      initContainerStatuses: [{ name: 'inputs', state: { terminated } }],
      containerStatuses: [{ name: 'outputs', state: { waiting: { reason: 'ImagePullBackOff', message: 'x' } } }],
    });
    expect(slimPod({ metadata: { name: 'q' }, spec: { containers: [{ name: 'main' }] } } as k8s.V1Pod)).toEqual({ metadata: { name: 'q' } });
  });
});

describe('SpecSharing', () => {
  const run = (uid: string, generation: number, tasks: string[]) => ({ metadata: { uid, generation }, spec: { tasks } });

  it('gives versions of one run and generation the first version\'s spec, a new generation its own', () => {
    const s = new SpecSharing();
    const v1 = s.share(run('u1', 1, ['a']));
    const v2 = s.share(run('u1', 1, ['a']));
    expect(v2.spec).toBe(v1.spec);
    const v3 = s.share(run('u1', 2, ['a', 'b']));
    expect(v3.spec).not.toBe(v1.spec);
    expect(v3.spec.tasks).toEqual(['a', 'b']);
    expect(s.share(run('u1', 2, ['a', 'b'])).spec).toBe(v3.spec);
    // Another run, same generation: its own spec.
    expect(s.share(run('u2', 2, ['c'])).spec.tasks).toEqual(['c']);
  });

  it('forgets deleted runs and runs a list no longer has', () => {
    const s = new SpecSharing();
    const a = s.share(run('a', 1, ['x']));
    const b = s.share(run('b', 1, ['y']));
    s.forget('a');
    expect(s.share(run('a', 1, ['x'])).spec).not.toBe(a.spec);
    s.retain([{ metadata: { uid: 'a' } }]);
    expect(s.share(run('b', 1, ['y'])).spec).not.toBe(b.spec);
  });

  it('leaves a run without a generation alone', () => {
    const s = new SpecSharing();
    const v1 = s.share({ metadata: { uid: 'u' }, spec: { tasks: [] } });
    expect(s.share({ metadata: { uid: 'u' }, spec: { tasks: [] } }).spec).not.toBe(v1.spec);
  });
});
