import { describe, expect, it } from '@jest/globals';
import type { NodeView } from '../engine/state.js';
import { createProgress } from './progress.js';
import type { LocalRunResult } from './runner.js';
import { formatSummary, summarize, treeOrder } from './summary.js';

const metrics = { schemaTitle: 'system.Metrics', schemaVersion: '0.0.1' };
const model = { schemaTitle: 'system.Model', schemaVersion: '0.0.1' };
const nodes: Record<string, NodeView> = {
  train: {
    id: 'train', task: 'train', displayName: 'train', kind: 'container', phase: 'Succeeded', attempt: 1,
    startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:02.500Z',
    outputs: {
      parameters: { Output: 'yes' },
      artifacts: {
        metrics: [{ name: 'metrics', uri: '/r/train/metrics', type: metrics, metadata: { accuracy: 0.95614035, display_name: 'm' } }],
        model: [{ name: 'model', uri: '/r/train/model', type: model, metadata: {} }],
      },
    },
  },
  'condition-1/deploy': { id: 'condition-1/deploy', task: 'deploy', displayName: 'deploy', parent: 'condition-1', kind: 'container', phase: 'Skipped', reason: 'ConditionFalse', message: 'condition `x` was false' },
  'condition-1': { id: 'condition-1', task: 'condition-1', displayName: 'condition-1', kind: 'dag', phase: 'Skipped', reason: 'ConditionFalse', message: 'condition `x` was false' },
  fail: { id: 'fail', task: 'fail', displayName: 'fail', kind: 'container', phase: 'Failed', attempt: 2, message: 'exit code 3: Traceback\n  line\nValueError: boom', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z' },
};
const result: LocalRunResult = {
  phase: 'Failed',
  message: 'task fail failed: exit code 3: …',
  nodes,
  launch: [],
  stop: [],
  run: { name: 'r1', displayName: 'r1', uid: 'u', namespace: 'local', pipelineRoot: '/r', createTime: '2026-01-01T00:00:00Z' },
  runDir: '/r/local/r1',
  facts: { fail: { attempt: 2, phase: 'Failed', exitCode: 3 } },
};

describe('summarize', () => {
  it('is the --output json document', () => {
    const s = summarize(result, new Date('2026-01-01T00:00:10Z'));
    expect(s).toMatchObject({ phase: 'Failed', message: 'task fail failed: exit code 3: …', runName: 'r1', durationSeconds: 10 });
    expect(s.tasks.train).toEqual({
      state: 'Succeeded', kind: 'container', attempts: 1, durationSeconds: 2.5,
      outputs: {
        parameters: { Output: 'yes' },
        artifacts: { metrics: [{ uri: '/r/train/metrics', metadata: { accuracy: 0.95614035, display_name: 'm' } }], model: [{ uri: '/r/train/model', metadata: {} }] },
      },
    });
    expect(s.tasks['condition-1/deploy']).toMatchObject({ state: 'Skipped', reason: 'ConditionFalse' });
    expect(s.tasks.fail).toMatchObject({ state: 'Failed', exitCode: 3, attempts: 2 });
    expect(s.outputs).toBeUndefined();
  });
  it('includes the root pipeline outputs (parameters and artifacts) when there are some', () => {
    const outputs = { parameters: { labels: ['a', 'b'] }, artifacts: { chosen: [{ name: 'chosen', uri: '/r/x/art', type: model, metadata: { n: 1 } }] } };
    const s = summarize({ ...result, phase: 'Succeeded', outputs }, new Date('2026-01-01T00:00:10Z'));
    expect(s.outputs).toEqual({ parameters: { labels: ['a', 'b'] }, artifacts: { chosen: [{ uri: '/r/x/art', metadata: { n: 1 } }] } });
    expect(summarize({ ...result, outputs: { parameters: {}, artifacts: {} } }).outputs).toBeUndefined();
    const text = formatSummary({ ...result, phase: 'Succeeded', outputs }, new Date('2026-01-01T00:00:10Z')).split('\n');
    expect(text.slice(-4)).toEqual(['Pipeline outputs:', '    labels = ["a","b"]', '    chosen: /r/x/art', 'Outputs and logs: /r/local/r1']);
  });
});

describe('formatSummary', () => {
  it('lists nodes parents first, with outputs, metrics, artifacts and failure tails', () => {
    const text = formatSummary(result, new Date('2026-01-01T00:00:10Z'));
    expect(text.split('\n')).toEqual([
      'Run r1 Failed in 10.0s: task fail failed: exit code 3: …',
      '✓ train       Succeeded    2.5s',
      '    Output = "yes"',
      '    metrics (metrics): accuracy=0.95614',
      '    model: /r/train/model',
      '- condition-1 Skipped            condition `x` was false',
      '-   deploy    Skipped            condition `x` was false',
      '✗ fail        Failed       1.0s (2 attempts)  exit code 3: Traceback',
      '    |   line',
      '    | ValueError: boom',
      'Outputs and logs: /r/local/r1',
    ]);
  });
  it('treeOrder puts loop iterations under their loop', () => {
    const n = (id: string, parent?: string): NodeView => ({ id, task: id, displayName: id, kind: 'container', phase: 'Succeeded', ...(parent ? { parent } : {}) });
    const order = treeOrder({ 'l[0]/a': n('l[0]/a', 'l[0]'), 'l[0]': n('l[0]', 'l'), l: n('l') });
    expect(order.map((o) => [o.node.id, o.depth])).toEqual([['l', 0], ['l[0]', 1], ['l[0]/a', 2]]);
  });
});

describe('progress', () => {
  it('prints start, finish, skip and (optionally) log lines', () => {
    let text = '';
    const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    const p = createProgress({ out, tty: false, showLogs: false });
    p.onEvent({ type: 'task-started', nodeId: 'a', displayName: 'a', attempt: 1 });
    p.onEvent({ type: 'task-log', nodeId: 'a', stream: 'stdout', line: 'hidden' });
    p.onEvent({ type: 'setup', nodeId: 'a', message: 'Collecting pandas' });
    p.onEvent({ type: 'setup', nodeId: 'a', message: 'Collecting numpy' });
    p.onEvent({ type: 'task-finished', nodeId: 'a', displayName: 'a', attempt: 1, phase: 'Failed', durationSeconds: 1.234, message: 'exit code 3: x\ny' });
    p.onEvent({ type: 'task-started', nodeId: 'a', displayName: 'a', attempt: 2 });
    p.onEvent({ type: 'task-finished', nodeId: 'a', displayName: 'a', attempt: 2, phase: 'Succeeded', durationSeconds: 75 });
    p.onEvent({ type: 'node-skipped', nodeId: 'b', displayName: 'b', message: 'upstream task a failed' });
    p.close();
    expect(text).toBe(
      [
        '▶ a',
        '· a: building a Python environment (cached for later runs)',
        '✗ a failed after 1.2s: exit code 3: x',
        '▶ a (attempt 2)',
        '✓ a succeeded in 1m15s',
        '- b skipped: upstream task a failed',
        '',
      ].join('\n'),
    );
  });
});
