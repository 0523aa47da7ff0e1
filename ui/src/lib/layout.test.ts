import { describe, expect, it } from 'vitest';
import { buildGraph } from './graph';
import { edgesForLayout, placeGraph } from './layout';
import type { TaskDetail } from './types';

const t = (task_id: string, state: TaskDetail['state'], kind?: string): TaskDetail => ({ run_id: 'r', task_id, state, pipewright_node: kind ? { kind } : undefined });

const spec = {
  root: { dag: { tasks: {
    a: { componentRef: { name: 'comp-a' } },
    'for-loop-1': { componentRef: { name: 'comp-for-loop-1' }, dependentTasks: ['a'], parameterIterator: {} },
    z: { componentRef: { name: 'comp-z' }, dependentTasks: ['for-loop-1'] },
  } } },
  components: { 'comp-for-loop-1': { dag: { tasks: { sq: { componentRef: { name: 'comp-sq' } } } } } },
};

describe('placeGraph', () => {
  it('routes edges into and out of an expanded loop to its iterations (dagre has no edges to clusters)', () => {
    const tasks = [t('a', 'SUCCEEDED'), t('for-loop-1', 'RUNNING', 'loop'), t('for-loop-1[0]', 'SUCCEEDED', 'iteration'), t('for-loop-1[1]', 'RUNNING', 'iteration'), t('for-loop-1[0]/sq', 'SUCCEEDED')];
    const open = buildGraph(tasks, spec, new Set(['for-loop-1', 'for-loop-1[0]']));
    expect(edgesForLayout(open)).toEqual([
      { from: 'a', to: 'for-loop-1[0]/sq' }, { from: 'a', to: 'for-loop-1[1]' },
      { from: 'for-loop-1[0]/sq', to: 'z' }, { from: 'for-loop-1[1]', to: 'z' },
    ]);
    const placed = placeGraph(open);
    expect(placed.boxes.get('for-loop-1')?.h).toBeGreaterThan(placed.boxes.get('for-loop-1[1]')?.h ?? Infinity);
    expect(placed.edges).toHaveLength(4);
  });

  it('lays out an expanded loop with its iterations inside it, and an expanded iteration inside that', () => {
    const tasks = [t('a', 'SUCCEEDED'), t('for-loop-1', 'SUCCEEDED', 'loop'), t('for-loop-1[0]', 'SUCCEEDED', 'iteration'), t('for-loop-1[0]/sq', 'SUCCEEDED'), t('for-loop-1[1]', 'SUCCEEDED', 'iteration')];
    for (const open of [new Set<string>(), new Set(['for-loop-1']), new Set(['for-loop-1', 'for-loop-1[0]'])]) {
      const placed = placeGraph(buildGraph(tasks, undefined, open));
      const loop = placed.boxes.get('for-loop-1');
      expect(loop).toBeDefined();
      if (open.has('for-loop-1')) {
        const it0 = placed.boxes.get('for-loop-1[0]');
        expect(it0 && loop && it0.x >= loop.x && it0.y >= loop.y && it0.x + it0.w <= loop.x + loop.w + 0.01).toBe(true);
      }
    }
  });
});
