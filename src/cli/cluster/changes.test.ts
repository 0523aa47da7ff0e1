import { describe, expect, it } from '@jest/globals';
import type { PipelineRunObject } from '../../controller/types.js';
import { changeLines } from './changes.js';

const T = Date.parse('2026-12-07T10:00:00Z');
const v = (phase: string, progress: string, nodes: NonNullable<PipelineRunObject['status']>['nodes'], message?: string): PipelineRunObject =>
  ({ metadata: { name: 'r' }, status: { phase: phase as never, progress, nodes, ...(message ? { message } : {}) } });

describe('watch lines when not a terminal', () => {
  it('prints the first view, then only what changed', () => {
    const a = v('Running', '0/2', { a: { task: 'a', kind: 'container', phase: 'Running', pod: 'p', startedAt: '2026-12-07T10:00:00Z' }, b: { task: 'b', kind: 'container', phase: 'Pending' } });
    expect(changeLines(undefined, a, T)).toEqual(['10:00:00 a Running', '10:00:00 run r Running 0/2']);
    expect(changeLines(a, a, T)).toEqual([]);
    const b = v('Running', '1/2', { a: { ...a.status!.nodes!.a!, phase: 'Succeeded' }, b: { task: 'b', kind: 'container', phase: 'Running', pod: 'q', startedAt: '2026-12-07T10:00:05Z' } });
    expect(changeLines(a, b, T + 5000)).toEqual(['10:00:05 a Succeeded', '10:00:05 b Running', '10:00:05 run r Running 1/2']);
    const c = v('Failed', '2/2', { ...b.status!.nodes, b: { ...b.status!.nodes!.b!, phase: 'Failed', reason: 'Failed', message: 'exit code 3' } }, 'task b failed');
    expect(changeLines(b, c, T + 9000)).toEqual(['10:00:09 b Failed (Failed: exit code 3)', '10:00:09 run r Failed 2/2 task b failed']);
  });

  it('a retry is a change even when the phase is the same', () => {
    const a = v('Running', '0/1', { a: { task: 'a', kind: 'container', phase: 'Running', pod: 'p', attempt: 1 } });
    const b = v('Running', '0/1', { a: { task: 'a', kind: 'container', phase: 'Running', pod: 'p2', attempt: 2, message: 'retrying' } });
    expect(changeLines(a, b, T)).toEqual(['10:00:00 a Running (attempt 2: retrying)']);
  });
});
