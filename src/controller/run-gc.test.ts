import type { V1Pod } from '@kubernetes/client-node';
import { planGc, ttlSeconds, type GcDefaults } from './run-gc.js';
import type { StatusNode } from './status.js';
import type { PipelineRunObject, PodGCStrategy } from './types.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const NONE: GcDefaults = { ttl: {}, podGC: 'Never' };

function pod(name: string, node: string, attempt: number, phase: string, endSec = 0): V1Pod {
  return {
    metadata: { name, annotations: { 'pipewright.dev/node-id': node, 'pipewright.dev/attempt': String(attempt) } },
    status: { phase, containerStatuses: phase === 'Running' ? [] : [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date(T0 + endSec * 1000) } } }] },
  };
}

const nodes: Record<string, StatusNode> = {
  a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1 },
  b: { phase: 'Running', kind: 'container', task: 'b', attempt: 2 },
  c: { phase: 'Failed', kind: 'container', task: 'c', attempt: 1 },
};
// a done and recorded; b's attempt 1 failed (superseded), attempt 2 finished but not recorded yet; c failed and recorded; d not in the status.
const pods = [pod('a-1', 'a', 1, 'Succeeded', 1), pod('b-1', 'b', 1, 'Failed', 2), pod('b-2', 'b', 2, 'Succeeded', 5), pod('c-1', 'c', 1, 'Failed', 3), pod('d-1', 'd', 1, 'Succeeded', 4), pod('e-1', 'e', 1, 'Running')];

function run(phase: string, spec: object = {}, finishedAt?: string): PipelineRunObject {
  return { metadata: { name: 'r', namespace: 'ns', uid: 'u' }, spec: { pipelineRef: { name: 'p' }, ...spec }, status: { phase: phase as 'Running', nodes, ...(finishedAt ? { finishedAt } : {}) } };
}
const gcWith = (strategy: PodGCStrategy, phase = 'Running', keepLast?: number): string[] =>
  planGc(run(phase, { podGC: { strategy, ...(keepLast !== undefined ? { keepLast } : {}) } }, phase === 'Running' ? undefined : '2026-03-01T00:01:00Z'), pods, T0, NONE).deletePods;

describe('pod GC', () => {
  it('Never (the default) keeps every pod', () => {
    expect(gcWith('Never', 'Succeeded')).toEqual([]);
    expect(planGc(run('Succeeded'), pods, T0, NONE).deletePods).toEqual([]);
  });

  it('OnTaskCompletion deletes finished pods whose outcome the status recorded, never a running one', () => {
    expect(gcWith('OnTaskCompletion')).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('OnTaskSuccess deletes only recorded successes', () => {
    expect(gcWith('OnTaskSuccess')).toEqual(['a-1']);
  });

  it('task strategies take every finished pod once the run ended', () => {
    expect(gcWith('OnTaskCompletion', 'Failed')).toEqual(['a-1', 'b-1', 'b-2', 'c-1', 'd-1']);
    expect(gcWith('OnTaskSuccess', 'Failed')).toEqual(['a-1', 'b-2', 'd-1']);
  });

  it('OnRunCompletion waits for the end, OnRunSuccess for success only', () => {
    expect(gcWith('OnRunCompletion')).toEqual([]);
    expect(gcWith('OnRunCompletion', 'Failed')).toEqual(['a-1', 'b-1', 'b-2', 'c-1', 'd-1']);
    expect(gcWith('OnRunSuccess', 'Failed')).toEqual([]);
    expect(gcWith('OnRunSuccess', 'Succeeded')).toEqual(['a-1', 'b-1', 'b-2', 'c-1', 'd-1']);
  });

  it('keepLast keeps the pods that finished last, whatever the list order', () => {
    expect(gcWith('OnRunCompletion', 'Failed', 2)).toEqual(['a-1', 'b-1', 'c-1']);
    const reversed = planGc(run('Failed', { podGC: { strategy: 'OnRunCompletion', keepLast: 2 } }, '2026-03-01T00:01:00Z'), [...pods].reverse(), T0, NONE);
    expect(reversed.deletePods).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('the controller default applies when the run names no strategy; pods already being deleted are left alone', () => {
    const deleting = { ...pod('a-1', 'a', 1, 'Succeeded'), metadata: { ...pod('a-1', 'a', 1, 'Succeeded').metadata, deletionTimestamp: new Date(T0) } };
    expect(planGc(run('Failed', {}, '2026-03-01T00:01:00Z'), [deleting, pods[3]!], T0, { ttl: {}, podGC: 'OnRunCompletion' }).deletePods).toEqual(['c-1']);
  });

  it('a run waiting for its retry keeps its pods and is not deleted', () => {
    const r = run('Failed', { retry: 1, podGC: { strategy: 'OnRunCompletion' }, ttlStrategy: { secondsAfterCompletion: 0 } }, '2026-03-01T00:00:00Z');
    expect(planGc(r, pods, T0 + 10_000, NONE)).toEqual({ deletePods: [], deleteRun: false });
  });
});

describe('TTL', () => {
  const end = '2026-03-01T00:00:00Z';
  it('picks the outcome\'s own setting over secondsAfterCompletion, the spec over the controller default', () => {
    const ttl = { secondsAfterCompletion: 100, secondsAfterSuccess: 10, secondsAfterFailure: 1000 };
    expect(ttlSeconds(run('Succeeded', { ttlStrategy: ttl }, end), {})).toBe(10);
    expect(ttlSeconds(run('Failed', { ttlStrategy: ttl }, end), {})).toBe(1000);
    expect(ttlSeconds(run('Cancelled', { ttlStrategy: { secondsAfterCompletion: 100 } }, end), {})).toBe(100);
    expect(ttlSeconds(run('Succeeded', { ttlStrategy: { secondsAfterFailure: 5 } }, end), { secondsAfterSuccess: 7 })).toBe(7);
    expect(ttlSeconds(run('Succeeded', {}, end), {})).toBeUndefined();
    expect(ttlSeconds(run('Running', { ttlStrategy: ttl }), {})).toBeUndefined();
  });

  it('deletes the run once its TTL is over, and says when before', () => {
    const r = run('Succeeded', { ttlStrategy: { secondsAfterSuccess: 30 } }, end);
    expect(planGc(r, [], T0 + 29_000, NONE)).toEqual({ deletePods: [], deleteRun: false, deleteAt: T0 + 30_000 });
    expect(planGc(r, [], T0 + 30_000, NONE)).toEqual({ deletePods: [], deleteRun: true });
    expect(planGc({ ...r, metadata: { ...r.metadata, deletionTimestamp: new Date(T0) } }, [], T0 + 60_000, NONE).deleteRun).toBe(false);
  });

  it('secondsAfterSuccess: 0 deletes at once; a running run is never deleted', () => {
    expect(planGc(run('Succeeded', {}, end), [], T0, { ttl: { secondsAfterSuccess: 0 }, podGC: 'Never' }).deleteRun).toBe(true);
    expect(planGc(run('Running', { ttlStrategy: { secondsAfterCompletion: 0 } }), [], T0 + 1e9, NONE).deleteRun).toBe(false);
  });
});
