import { decideRetry, forgetEarlierRounds, highestAttempt, pendingRetry } from './run-retry.js';
import type { StatusNode } from './status.js';
import type { PipelineRunObject } from './types.js';

const NOW = '2026-02-01T00:00:00.000Z';
const nodes: Record<string, StatusNode> = {
  '': { phase: 'Failed', kind: 'dag', task: 'p' },
  a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1, pod: 'r-a-1' },
  b: { phase: 'Failed', kind: 'container', task: 'b', attempt: 3, pod: 'r-b-3' },
  c: { phase: 'Cancelled', kind: 'container', task: 'c', attempt: 1, stopped: true },
  d: { phase: 'Skipped', kind: 'container', task: 'd', reason: 'UpstreamFailed' },
};
const run = (phase: string, spec: object = {}, retry?: object): PipelineRunObject => ({
  metadata: { name: 'r', namespace: 'ns', uid: 'u', generation: 4 },
  spec: { pipelineRef: { name: 'p' }, ...spec },
  status: { phase: phase as 'Failed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', duration: '1m', message: 'task b failed', nodes, ...(retry ? { retry: retry as never } : {}) },
});

describe('spec.retry', () => {
  it('is pending only when newer than the generation the status acted on', () => {
    expect(pendingRetry(run('Failed'))).toBeUndefined();
    expect(pendingRetry(run('Failed', { retry: 0 }))).toBeUndefined();
    expect(pendingRetry(run('Failed', { retry: 1 }))).toBe(1);
    expect(pendingRetry(run('Failed', { retry: 1 }, { generation: 1, count: 1, attemptBase: 3 }))).toBeUndefined();
    expect(pendingRetry(run('Failed', { retry: 2 }, { generation: 1, count: 1, attemptBase: 3 }))).toBe(2);
    expect(pendingRetry(run('Failed', { retry: 1.5 }))).toBeUndefined();
  });

  it('restarts a failed run above every attempt used, with a fresh start time and no end', () => {
    const d = decideRetry(run('Failed', { retry: 1 }), nodes, [1, 2, 3, 5], NOW);
    expect(d.action).toBe('retry');
    if (d.action !== 'retry') return;
    expect(d.status).toMatchObject({ phase: 'Running', startedAt: NOW, retry: { generation: 1, count: 1, attemptBase: 5, retriedAt: NOW }, observedGeneration: 4 });
    expect(d.status.finishedAt).toBeUndefined();
    expect(d.status.duration).toBeUndefined();
    expect(d.status.nodes).toBe(nodes);
    expect(d.status.conditions!.find((c) => c.type === 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Retrying' });
    expect(d.status.conditions!.find((c) => c.type === 'Finished')).toMatchObject({ status: 'False' });
    expect(d.message).toContain('2 failed, cancelled or not started');
  });

  it('counts rounds and never lowers the attempt base', () => {
    const d = decideRetry(run('Error', { retry: 3 }, { generation: 1, count: 1, attemptBase: 9 }), nodes, [], NOW);
    expect(d.action === 'retry' && d.status.retry).toEqual({ generation: 3, count: 2, attemptBase: 9, retriedAt: NOW });
  });

  it('retries a cancelled run once spec.cancel is false, and refuses (recording the generation) while it is true', () => {
    expect(decideRetry(run('Cancelled', { retry: 1, cancel: false }), nodes, [], NOW).action).toBe('retry');
    const refused = decideRetry(run('Cancelled', { retry: 1, cancel: true }), nodes, [], NOW);
    expect(refused).toMatchObject({ action: 'ignore', reason: 'RetryRefused', warning: true });
    expect(refused.action === 'ignore' && refused.status).toMatchObject({ phase: 'Cancelled', retry: { generation: 1, count: 0, attemptBase: 0 } });
  });

  it('records but does nothing for a succeeded run, and waits for a running one to finish', () => {
    const ok = decideRetry(run('Succeeded', { retry: 1 }), nodes, [], NOW);
    expect(ok).toMatchObject({ action: 'ignore', reason: 'RetryNotNeeded', warning: false, status: { phase: 'Succeeded', retry: { generation: 1 } } });
    expect(decideRetry(run('Running', { retry: 1 }), nodes, [], NOW).action).toBe('none');
  });

  it('the highest attempt comes from nodes and pods, ignoring non-numbers', () => {
    expect(highestAttempt(nodes, [NaN, 2])).toBe(3);
    expect(highestAttempt(undefined, [])).toBe(0);
  });

  it('drops the controller\'s stop mark only from earlier rounds\' unsuccessful attempts', () => {
    const withNew = { ...nodes, e: { phase: 'Cancelled' as const, kind: 'container' as const, task: 'e', attempt: 6, stopped: true }, f: { phase: 'Succeeded' as const, kind: 'container' as const, task: 'f', attempt: 2, stopped: true } };
    const out = forgetEarlierRounds(withNew, 5)!;
    expect(out.c!.stopped).toBeUndefined();
    expect(out.e!.stopped).toBe(true);
    expect(out.f!.stopped).toBe(true);
    expect(nodes.c!.stopped).toBe(true);
    expect(forgetEarlierRounds(nodes, undefined)).toBe(nodes);
  });
});
