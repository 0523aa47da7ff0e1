import { describe, expect, it } from '@jest/globals';
import type { StatusNode } from '../controller/status.js';
import fc from 'fast-check';
import type { PipelineRunObject } from '../controller/types.js';
import {
  ANN_DISPLAY_NAME, ApiError, LABEL_EXPERIMENT_ID, experimentFromKfp, experimentObjectName, experimentToKfp, listPage, parentNodeId,
  pipelineNameOf, pipelineObject, pipelineToKfp, runFromKfp, runState, runToKfp, versionObject, versionToKfp,
} from './mapping.js';
import { multipartFile } from './multipart.js';

const run = (over: Partial<PipelineRunObject> = {}): PipelineRunObject => ({
  apiVersion: 'pipewright.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: {
    name: 'train-abcde', namespace: 'team-a', uid: 'u-1', creationTimestamp: new Date('2026-01-02T03:04:05Z'),
    labels: { [LABEL_EXPERIMENT_ID]: 'e-1' }, annotations: { [ANN_DISPLAY_NAME]: 'Train it' },
  },
  spec: { pipelineSpec: { pipelineInfo: { name: 'p' }, root: {} }, arguments: { min_accuracy: 0.9 } },
  ...over,
});

describe('run states', () => {
  it('maps every phase to KFP\'s state, a pending cancel to CANCELING', () => {
    const cases: [string | undefined, boolean, string][] = [
      [undefined, false, 'PENDING'], ['Pending', false, 'PENDING'], ['Running', false, 'RUNNING'], ['Running', true, 'CANCELING'],
      ['Succeeded', false, 'SUCCEEDED'], ['Failed', false, 'FAILED'], ['Error', false, 'FAILED'], ['Cancelled', true, 'CANCELED'],
      ['Succeeded', true, 'SUCCEEDED'],
    ];
    for (const [phase, cancel, want] of cases) {
      expect([phase, cancel, runState(run({ spec: { cancel }, status: phase ? { phase: phase as never } : undefined }))]).toEqual([phase, cancel, want]);
    }
  });
});

describe('runToKfp', () => {
  it('carries id, names, experiment, parameters, times, state and task details with outputs', () => {
    const r = runToKfp(run({
      status: {
        phase: 'Succeeded', startedAt: '2026-01-02T03:04:06Z', finishedAt: '2026-01-02T03:05:00Z',
        nodes: {
          'evaluate-model': {
            phase: 'Succeeded', kind: 'container', task: 'evaluate-model', pod: 'p-eval', startedAt: '2026-01-02T03:04:10Z', finishedAt: '2026-01-02T03:04:50Z',
            outputs: { parameters: { Output: 'yes' }, artifacts: { metrics: [{ uri: 'minio://b/m', type: 'system.Metrics', metadata: { accuracy: 0.95 } }] } },
          },
          'condition-1': { phase: 'Succeeded', kind: 'dag', task: 'condition-1' },
          'condition-1/deploy-model': { phase: 'Skipped', kind: 'container', task: 'deploy-model', reason: 'ConditionFalse' },
          'load-data': { phase: 'Cached', kind: 'container', task: 'load-data' },
        },
      },
    }));
    expect(r).toMatchObject({
      run_id: 'u-1', display_name: 'Train it', experiment_id: 'e-1', storage_state: 'AVAILABLE', state: 'SUCCEEDED',
      created_at: '2026-01-02T03:04:05Z', scheduled_at: '2026-01-02T03:04:06Z', finished_at: '2026-01-02T03:05:00Z',
      runtime_config: { parameters: { min_accuracy: 0.9 } },
      pipeline_spec: { pipelineInfo: { name: 'p' } },
    });
    expect(r.error).toBeUndefined();
    const byId = Object.fromEntries(r.run_details!.task_details.map((t) => [t.task_id, t]));
    expect(byId['evaluate-model']).toMatchObject({
      display_name: 'evaluate-model', state: 'SUCCEEDED', pod_name: 'p-eval', start_time: '2026-01-02T03:04:10Z', end_time: '2026-01-02T03:04:50Z',
      outputs: { metrics: { artifact_ids: ['minio://b/m'] }, Output: { artifact_ids: ['"yes"'] } },
    });
    expect(byId['condition-1/deploy-model']).toMatchObject({ state: 'SKIPPED', parent_task_id: 'condition-1' });
    expect(byId['condition-1']!.child_tasks).toEqual([{ task_id: 'condition-1/deploy-model' }]);
    expect(byId['load-data']!.state).toBe('SUCCEEDED');
  });

  it('reports a failed run\'s message as its error and leaves unset times out', () => {
    const r = runToKfp(run({ status: { phase: 'Failed', message: 'task train failed: exit code 1' } }));
    expect(r.state).toBe('FAILED');
    expect(r.error).toEqual({ code: 13, message: 'task train failed: exit code 1' });
    expect('finished_at' in r).toBe(false);
  });

  it('shows an inline pipeline with its platform document as the SDK sent it', () => {
    const r = runToKfp(run({ spec: { pipelineSpec: { root: {} }, platformSpec: { platforms: {} } } }));
    expect(r.pipeline_spec).toEqual({ pipeline_spec: { root: {} }, platform_spec: { platforms: {} } });
  });

  it('shows a run\'s pipelineYAML as pipeline_spec on get, not in lists; gives the UI each node\'s phase, kind and reason', () => {
    const r = run({
      spec: { pipelineYAML: 'pipelineInfo: {name: p}\nroot: {}\n' },
      status: { phase: 'Succeeded', nodes: { a: { phase: 'Cached', kind: 'container', task: 'a', reason: 'CacheHit', message: 'reused' } } },
    });
    expect(runToKfp(r).pipeline_spec).toEqual({ pipelineInfo: { name: 'p' }, root: {} });
    expect(runToKfp(r, false).pipeline_spec).toBeUndefined();
    expect(runToKfp(r).run_details!.task_details[0]!.pipewright_node).toEqual({ phase: 'Cached', kind: 'container', reason: 'CacheHit', message: 'reused' });
  });

  it('indexes a large loop\'s children (iterations and their tasks)', () => {
    const nodes: Record<string, StatusNode> = { 'for-loop-1': { phase: 'Succeeded', kind: 'loop', task: 'for-loop-1' } };
    for (let i = 0; i < 1000; i++) {
      nodes[`for-loop-1[${i}]`] = { phase: 'Succeeded', kind: 'iteration', task: `for-loop-1[${i}]` };
      nodes[`for-loop-1[${i}]/sq`] = { phase: 'Succeeded', kind: 'container', task: 'sq', pod: `p${i}` };
    }
    const details = runToKfp(run({ status: { phase: 'Succeeded', nodes } })).run_details!.task_details;
    expect(details).toHaveLength(2001);
    expect(details.find((t) => t.task_id === 'for-loop-1[7]')!.child_tasks).toEqual([{ task_id: 'for-loop-1[7]/sq', pod_name: 'p7' }]);
  });
});

describe('runFromKfp', () => {
  it('builds a PipelineRun from an inline spec with parameters, experiment and service account', () => {
    const pr = runFromKfp({
      display_name: 'pipeline.yaml 2026-01-01 10-00-00', pipeline_spec: { pipeline_spec: { root: {} }, platform_spec: { p: 1 } },
      runtime_config: { parameters: { a: 1 }, pipeline_root: 'minio://x' }, service_account: 'runner',
    }, { namespace: 'ns', experimentId: 'e-9' });
    expect(pr.metadata).toMatchObject({
      generateName: 'pipeline-yaml-2026-01-01-10-00-00-', namespace: 'ns',
      labels: { [LABEL_EXPERIMENT_ID]: 'e-9', 'pipewright.dev/storage-state': 'AVAILABLE' },
      annotations: { [ANN_DISPLAY_NAME]: 'pipeline.yaml 2026-01-01 10-00-00', 'pipewright.dev/pipeline-root': 'minio://x' },
    });
    expect(pr.spec).toEqual({ pipelineSpec: { root: {} }, platformSpec: { p: 1 }, arguments: { a: 1 }, serviceAccountName: 'runner' });
  });

  it('refers to the version\'s Pipeline object and round-trips the reference', () => {
    const pr = runFromKfp({ display_name: 'r' }, { namespace: 'ns', versionObject: 'train-v-abc', pipelineId: 'p-1', versionId: 'v-1' });
    expect(pr.spec).toEqual({ pipelineRef: { name: 'train-v-abc' } });
    const back = runToKfp({ ...pr, metadata: { ...pr.metadata, uid: 'x' } });
    expect(back.pipeline_version_reference).toEqual({ pipeline_id: 'p-1', pipeline_version_id: 'v-1' });
  });

  it('names the run after the pipeline (pipelineInfo.name), as KFP names its workflow', () => {
    const inline = runFromKfp({ display_name: 'my run', pipeline_spec: { pipelineInfo: { name: 'Train Model' }, root: {} } }, { namespace: 'ns' });
    expect(inline.metadata?.generateName).toBe('train-model-');
    const wrapped = runFromKfp({ display_name: 'my run', pipeline_spec: { pipeline_spec: { pipelineInfo: { name: 'wrapped' }, root: {} }, platform_spec: {} } }, { namespace: 'ns' });
    expect(wrapped.metadata?.generateName).toBe('wrapped-');
    expect(runFromKfp({ display_name: 'r' }, { namespace: 'ns', versionObject: 'v', pipelineName: 'from-version' }).metadata?.generateName).toBe('from-version-');
    expect(pipelineNameOf({ pipelineYAML: 'pipelineInfo:\n  name: yaml-named\nroot: {}\n---\nplatforms: {}\n' })).toBe('yaml-named');
    expect(pipelineNameOf({ pipelineSpec: { pipelineInfo: { name: 'obj' } } })).toBe('obj');
    expect(pipelineNameOf({ pipelineYAML: ': not yaml [' })).toBeUndefined();
  });

  it('refuses a run without a name or a pipeline, naming the field', () => {
    expect(() => runFromKfp({}, { namespace: 'ns' })).toThrow(/display_name/);
    expect(() => runFromKfp({ display_name: 'x' }, { namespace: 'ns' })).toThrow(/pipeline_spec .* or pipeline_version_reference/);
    try {
      runFromKfp({}, { namespace: 'ns' });
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).http).toBe(400);
    }
  });

  it('always makes a valid generateName', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), (name) => {
      const g = runFromKfp({ display_name: name, pipeline_spec: { root: {} } }, { namespace: 'n' }).metadata!.generateName!;
      expect(g).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?-$/);
      expect(g.length).toBeLessThanOrEqual(42);
    }));
  });
});

describe('experiments and pipelines', () => {
  it('derives the experiment object name from the display name, so names are unique per namespace', () => {
    expect(experimentObjectName('model-experiments')).toBe(experimentObjectName('model-experiments'));
    expect(experimentObjectName('A b')).not.toBe(experimentObjectName('a-b'));
    const cm = experimentFromKfp({ display_name: 'model-experiments', description: 'd' }, 'ns');
    const e = experimentToKfp({ ...cm, metadata: { ...cm.metadata, uid: 'e-1', creationTimestamp: new Date('2026-01-01T00:00:00Z') } });
    expect(e).toEqual({ experiment_id: 'e-1', display_name: 'model-experiments', description: 'd', namespace: 'ns', storage_state: 'AVAILABLE', created_at: '2026-01-01T00:00:00Z' });
    expect(() => experimentFromKfp({}, 'ns')).toThrow(/experiment.display_name/);
  });

  it('maps a pipeline and its versions', () => {
    const p = pipelineObject('Training Pipeline', 'trains', 'ns', 'yaml');
    expect(p.metadata!.name).toBe('training-pipeline');
    const parent = { ...p, metadata: { ...p.metadata, uid: 'p-1' } };
    expect(pipelineToKfp(parent)).toMatchObject({ pipeline_id: 'p-1', display_name: 'Training Pipeline', name: 'training-pipeline', description: 'trains', namespace: 'ns' });
    const v = versionObject(parent, 'v2', undefined, 'yaml2');
    expect(v.metadata).toMatchObject({ generateName: 'training-pipeline-v-', labels: { 'pipewright.dev/pipeline-id': 'p-1' } });
    expect(versionToKfp({ ...v, metadata: { ...v.metadata, uid: 'v-1', name: 'training-pipeline-v-x' } }, { root: {} }))
      .toMatchObject({ pipeline_id: 'p-1', pipeline_version_id: 'v-1', display_name: 'v2', pipeline_spec: { root: {} } });
  });

  it('finds a node\'s parent', () => {
    expect(parentNodeId('for-loop-2[1]/train')).toBe('for-loop-2[1]');
    expect(parentNodeId('train')).toBeUndefined();
  });
});

describe('listPage', () => {
  const items = [
    { display_name: 'b', created_at: '2026-01-02T00:00:00Z', state: 'RUNNING' },
    { display_name: 'a', created_at: '2026-01-03T00:00:00Z', state: 'SUCCEEDED' },
    { display_name: 'c', created_at: '2026-01-01T00:00:00Z', state: 'SUCCEEDED' },
  ];
  const names = (xs: { display_name: string }[]): string[] => xs.map((x) => x.display_name);

  it('filters with the SDK\'s predicates (camelCase values) and sorts', () => {
    const eq = JSON.stringify({ predicates: [{ operation: 'EQUALS', key: 'display_name', stringValue: 'a' }] });
    expect(names(listPage(items, { filter: eq }).items)).toEqual(['a']);
    // The SDK sends the enum's number (EQUALS = 1).
    expect(names(listPage(items, { filter: JSON.stringify({ predicates: [{ operation: 1, key: 'display_name', stringValue: 'b' }] }) }).items)).toEqual(['b']);
    const done = JSON.stringify({ predicates: [{ operation: 'EQUALS', key: 'state', string_value: 'SUCCEEDED' }] });
    expect(names(listPage(items, { filter: done, sort_by: 'name desc' }).items)).toEqual(['c', 'a']);
    expect(names(listPage(items, {}).items)).toEqual(['c', 'b', 'a']);
    expect(names(listPage(items, { sort_by: 'created_at desc' }).items)).toEqual(['a', 'b', 'c']);
    const within = JSON.stringify({ predicates: [{ operation: 'IN', key: 'display_name', stringValues: { values: ['a', 'c'] } }, { operation: 'GREATER_THAN', key: 'created_at', timestampValue: '2026-01-01T12:00:00Z' }] });
    expect(names(listPage(items, { filter: within }).items)).toEqual(['a']);
    expect(names(listPage(items, { filter: JSON.stringify({ predicates: [{ operation: 'IS_SUBSTRING', key: 'name', stringValue: 'b' }] }) }).items)).toEqual(['b']);
  });

  it('pages every item exactly once, in order, with tokens tied to the query', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1e9 }), { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (stamps, size) => {
      const all = stamps.map((s, i) => ({ display_name: `r${i}`, created_at: new Date(s * 1000).toISOString() }));
      const seen: string[] = [];
      let token = '';
      let pages = 0;
      do {
        const page = listPage(all, { page_size: String(size), page_token: token, sort_by: 'created_at desc' });
        expect(page.total).toBe(all.length);
        seen.push(...names(page.items));
        token = page.nextPageToken;
        pages += 1;
      } while (token && pages < 100);
      expect(seen).toEqual(names(listPage(all, { sort_by: 'created_at desc' }).items));
    }));
    const first = listPage(items, { page_size: '1' });
    expect(() => listPage(items, { page_size: '1', page_token: first.nextPageToken, sort_by: 'name' })).toThrow(/page_token/);
  });

  it('names the problem in bad filters, sorts and sizes', () => {
    expect(() => listPage(items, { filter: '{' })).toThrow(/filter is not JSON/);
    expect(() => listPage(items, { filter: JSON.stringify({ predicates: [{ operation: 'LIKE', key: 'x' }] }) })).toThrow(/operation "LIKE"/);
    expect(() => listPage(items, { sort_by: 'name sideways' })).toThrow(/sort_by/);
    expect(() => listPage(items, { page_size: '-1' })).toThrow(/page_size/);
  });
});

describe('multipartFile', () => {
  it('reads the uploadfile part as the generated client sends it', () => {
    const b = 'XyZ123';
    const body = Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--${b}\r\n` +
      `Content-Disposition: form-data; name="uploadfile"; filename="pipeline.yaml"\r\nContent-Type: application/x-yaml\r\n\r\n` +
      `a: 1\r\nb: 2\n\r\n--${b}--\r\n`);
    const f = multipartFile(`multipart/form-data; boundary=${b}`, body);
    expect(f.filename).toBe('pipeline.yaml');
    expect(f.content.toString()).toBe('a: 1\r\nb: 2\n');
  });

  it('says what to send when the file or the multipart body is missing', () => {
    expect(() => multipartFile('application/json', Buffer.from('{}'))).toThrow(/multipart\/form-data .*uploadfile/);
    expect(() => multipartFile('multipart/form-data; boundary=q', Buffer.from('--q--\r\n'))).toThrow(/no file in multipart field "uploadfile"/);
  });
});
