import { describe, expect, it } from 'vitest';
import { buildGraph, countsText, formatDuration, MAX_ITERATIONS_SHOWN } from './graph';
import type { Json, TaskDetail } from './types';

// The shape kfp compiles: root DAG with a loop (for-loop-2 → comp-for-loop-2 with task `square`) and a condition.
const spec: Record<string, Json> = {
  root: { dag: { tasks: {
    make: { taskInfo: { name: 'make' }, componentRef: { name: 'comp-make' } },
    'for-loop-2': { taskInfo: { name: 'for-loop-2' }, componentRef: { name: 'comp-for-loop-2' }, dependentTasks: ['make'], parameterIterator: { itemInput: 'x' } },
    'condition-1': { taskInfo: { name: 'condition-1' }, componentRef: { name: 'comp-condition-1' }, dependentTasks: ['make'], triggerPolicy: { condition: "inputs.parameter_values['a'] == 'yes'" } },
  } } },
  components: {
    'comp-make': { executorLabel: 'exec-make' },
    'comp-for-loop-2': { dag: { tasks: { square: { taskInfo: { name: 'square' }, componentRef: { name: 'comp-square' } } } } },
    'comp-condition-1': { dag: { tasks: { deploy: { taskInfo: { name: 'deploy' }, componentRef: { name: 'comp-deploy' }, inputs: { parameters: { v: { runtimeValue: { constant: 3 } } } } } } } },
    'comp-square': { executorLabel: 'exec-square' },
    'comp-deploy': { executorLabel: 'exec-deploy' },
  },
};

const t = (task_id: string, state: TaskDetail['state'], extra: Partial<TaskDetail> = {}): TaskDetail => ({ run_id: 'r', task_id, state, ...extra });

describe('buildGraph', () => {
  it('draws the root scope from the spec: tasks not started yet are pending, edges from dependentTasks', () => {
    const g = buildGraph([t('make', 'RUNNING', { start_time: '2026-01-01T00:00:00Z' })], spec, new Set(), Date.parse('2026-01-01T00:00:42Z'));
    expect(g.nodes.map((n) => [n.id, n.state, n.kind])).toEqual([
      ['make', 'RUNNING', 'task'], ['for-loop-2', 'PENDING', 'loop'], ['condition-1', 'PENDING', 'dag'],
    ]);
    expect(g.nodes[0]?.durationMs).toBe(42_000);
    expect(g.edges).toEqual([{ from: 'make', to: 'for-loop-2' }, { from: 'make', to: 'condition-1' }]);
  });

  it('collapses a loop to counts of its iterations; expanding shows iterations, then their tasks', () => {
    const tasks = [
      t('make', 'SUCCEEDED'), t('for-loop-2', 'RUNNING', { pipewright_node: { kind: 'loop' } }),
      t('for-loop-2[0]', 'SUCCEEDED', { pipewright_node: { kind: 'iteration' } }), t('for-loop-2[0]/square', 'SUCCEEDED'),
      t('for-loop-2[1]', 'RUNNING', { pipewright_node: { kind: 'iteration' } }), t('for-loop-2[1]/square', 'RUNNING'),
      t('for-loop-2[2]', 'FAILED', { pipewright_node: { kind: 'iteration' } }),
    ];
    const collapsed = buildGraph(tasks, spec, new Set());
    const loop = collapsed.nodes.find((n) => n.id === 'for-loop-2');
    expect(loop).toMatchObject({ kind: 'loop', expandable: true, expanded: false, counts: { SUCCEEDED: 1, RUNNING: 1, FAILED: 1 } });
    expect(countsText(loop?.counts)).toBe('3: 1 succeeded, 1 running, 1 failed');
    expect(collapsed.nodes.some((n) => n.id.startsWith('for-loop-2['))).toBe(false);
    const open = buildGraph(tasks, spec, new Set(['for-loop-2', 'for-loop-2[1]']));
    expect(open.nodes.filter((n) => n.parent === 'for-loop-2').map((n) => n.label)).toEqual(['#0', '#1', '#2']);
    expect(open.nodes.filter((n) => n.parent === 'for-loop-2[1]').map((n) => [n.id, n.state])).toEqual([['for-loop-2[1]/square', 'RUNNING']]);
  });

  it('limits the iterations drawn and says how many are left out', () => {
    const tasks = [t('for-loop-2', 'RUNNING', { pipewright_node: { kind: 'loop' } })];
    for (let i = 0; i < 1000; i++) tasks.push(t(`for-loop-2[${i}]`, 'SUCCEEDED', { pipewright_node: { kind: 'iteration' } }));
    const g = buildGraph(tasks, spec, new Set(['for-loop-2']));
    expect(g.nodes.filter((n) => n.parent === 'for-loop-2')).toHaveLength(MAX_ITERATIONS_SHOWN);
    expect(g.hidden).toBe(1000 - MAX_ITERATIONS_SHOWN);
    expect(g.nodes.find((n) => n.id === 'for-loop-2')?.counts).toEqual({ SUCCEEDED: 1000 });
  });

  it('gives the reason of skipped and cached nodes, and marks cached', () => {
    const g = buildGraph([
      t('make', 'SUCCEEDED', { pipewright_node: { phase: 'Cached' } }),
      t('condition-1', 'SKIPPED', { pipewright_node: { phase: 'Skipped', message: "condition inputs.parameter_values['a'] == 'yes' is false" } }),
    ], spec, new Set());
    expect(g.nodes.find((n) => n.id === 'make')).toMatchObject({ phase: 'Cached', reason: expect.stringContaining('cache') });
    expect(g.nodes.find((n) => n.id === 'condition-1')?.reason).toContain('is false');
  });

  it('works without a spec (nodes from the status only, no edges)', () => {
    const g = buildGraph([t('a', 'SUCCEEDED'), t('b', 'FAILED', { error: { message: 'exit code 1' } })], undefined, new Set());
    expect(g.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(g.edges).toEqual([]);
    expect(g.nodes[1]?.reason).toBe('exit code 1');
  });
});

describe('formatDuration', () => {
  it.each([[undefined, ''], [999, '1s'], [61_000, '1m 1s'], [3_723_000, '1h 2m']])('%s ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
