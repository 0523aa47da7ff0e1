import { runToKfp } from '../server/mapping.js';
import { historyDir, historyUri, isFromHistory, runFromHistory, runHistory } from './run-history.js';
import { lifecycleFromEnv } from './lifecycle-config.js';
import type { PipelineRunObject } from './types.js';

const run: PipelineRunObject = {
  metadata: { name: 'r1', namespace: 'team-a', uid: 'u-1', creationTimestamp: new Date('2026-01-01T00:00:00Z'), labels: { app: 'x' } },
  spec: { pipelineSpec: { pipelineInfo: { name: 'hello' }, root: {} }, arguments: { who: 'me' }, retry: 1 },
  status: {
    phase: 'Succeeded', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:01:00Z', duration: '59s',
    nodes: { a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 2, stopped: true, outputs: { parameters: { n: 3 } } } },
    retry: { generation: 1, count: 1, attemptBase: 1 }, outputs: { parameters: { n: 3 } },
  },
};

describe('run history', () => {
  it('lives under the namespace\'s own prefix, and refuses segments that would escape it', () => {
    expect(historyUri('minio://b/v2/artifacts/', 'team-a', 'u-1')).toBe('minio://b/v2/artifacts/team-a/.history/u-1.json');
    expect(historyDir('minio://b/root', 'ns')).toBe('minio://b/root/ns/.history');
    expect(() => historyUri('minio://b/r', '..', 'u')).toThrow(/not a safe artifact key segment/);
    expect(() => historyUri('minio://b/r', 'ns', '../x')).toThrow(/not a safe artifact key segment/);
  });

  it('keeps spec, parameters, task states, outputs and timings, and the pipeline by name and digest only', () => {
    const h = runHistory(run);
    expect(h).toMatchObject({
      apiVersion: 'pipewright.dev/run-history/v1', uid: 'u-1', name: 'r1', namespace: 'team-a', createdAt: '2026-01-01T00:00:00.000Z', labels: { app: 'x' },
      spec: { pipeline: { name: 'hello' }, arguments: { who: 'me' }, retry: 1 },
      phase: 'Succeeded', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:01:00Z', duration: '59s',
      retry: { generation: 1, count: 1, attemptBase: 1 }, outputs: { parameters: { n: 3 } },
      tasks: { a: { phase: 'Succeeded', attempt: 2, outputs: { parameters: { n: 3 } } } },
    });
    expect(h.spec.pipeline!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(h.tasks.a).not.toHaveProperty('stopped');
    expect(JSON.stringify(h)).not.toContain('root');
    expect(runHistory({ ...run, spec: { pipelineRef: { name: 'greeter' } } }).spec).toEqual({ pipelineRef: { name: 'greeter' } });
  });
});

describe('a deleted run read back from its history', () => {
  it('is a PipelineRun object with the status it ended with, archived and marked with its summary\'s URI', () => {
    const withKfp: PipelineRunObject = { ...run, metadata: { ...run.metadata, annotations: { 'pipewright.dev/display-name': 'Hello run', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } };
    const h = runHistory(withKfp);
    expect(h.annotations).toEqual({ 'pipewright.dev/display-name': 'Hello run' });
    const uri = historyUri('minio://b/root', 'team-a', 'u-1');
    const back = runFromHistory(h, uri);
    expect(isFromHistory(back)).toBe(true);
    expect(isFromHistory(run)).toBe(false);
    expect(back.metadata).toMatchObject({ name: 'r1', namespace: 'team-a', uid: 'u-1', labels: { app: 'x', 'pipewright.dev/storage-state': 'ARCHIVED' } });
    expect(back.status).toMatchObject({ phase: 'Succeeded', finishedAt: '2026-01-01T00:01:00Z', historyRef: uri, nodes: { a: { phase: 'Succeeded', attempt: 2 } } });
    expect(back.spec).toEqual({ arguments: { who: 'me' }, retry: 1 });
    // KFP sees it as an archived run with its tasks, named as before.
    expect(runToKfp(back)).toMatchObject({
      run_id: 'u-1', display_name: 'Hello run', state: 'SUCCEEDED', storage_state: 'ARCHIVED', pipewright_history: true,
      created_at: '2026-01-01T00:00:00Z', run_details: { task_details: [{ task_id: 'a', state: 'SUCCEEDED' }] },
    });
  });
});

describe('clean-up settings', () => {
  it('default to keeping everything', () => {
    expect(lifecycleFromEnv({})).toEqual({ ttl: {}, podGC: 'Never' });
  });
  it('read TTLs and the pod GC strategy, naming the variable that is wrong', () => {
    expect(lifecycleFromEnv({ PIPEWRIGHT_TTL_SECONDS_AFTER_SUCCESS: '60', PIPEWRIGHT_TTL_SECONDS_AFTER_FAILURE: '0', PIPEWRIGHT_POD_GC_STRATEGY: 'OnRunSuccess' }))
      .toEqual({ ttl: { secondsAfterSuccess: 60, secondsAfterFailure: 0 }, podGC: 'OnRunSuccess' });
    expect(() => lifecycleFromEnv({ PIPEWRIGHT_TTL_SECONDS_AFTER_COMPLETION: '1h' })).toThrow(/PIPEWRIGHT_TTL_SECONDS_AFTER_COMPLETION="1h" is not a whole number/);
    expect(() => lifecycleFromEnv({ PIPEWRIGHT_POD_GC_STRATEGY: 'OnPodCompletion' })).toThrow(/not one of Never, OnTaskCompletion/);
  });
});
