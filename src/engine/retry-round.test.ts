// A run retried in place (PlanInput.retryBase): failed, cancelled and never-started tasks run again with new attempt
// numbers; successful ones keep their outputs; each task gets its task-level retry budget again.
import { plan } from './plan.js';
import { containerComponent, done, failed, input, pipelineOf, task } from './testing/builders.js';
import type { ExecutionFact } from './state.js';

const launched = (r: ReturnType<typeof plan>): string[] => r.launch.map((l) => `${l.nodeId}#${l.attempt}`).sort();
const out = containerComponent('a', { parameters: { Output: { type: 'STRING', optional: false } }, artifacts: {} });
const inp = containerComponent('b', { parameters: {}, artifacts: {} }, { parameters: { x: { type: 'STRING', optional: false } }, artifacts: {} });
// a → b (b reads a's output); c independent; d after b.
const p = pipelineOf(
  [
    task('a', 'a'),
    task('b', 'b', { dependsOn: ['a'], inputs: { parameters: { x: { kind: 'task', task: 'a', output: 'Output' } }, artifacts: {} } }),
    task('c', 'c'),
    task('d', 'd', { dependsOn: ['b'] }),
  ],
  { a: out, b: inp },
);
const finishedRun: Record<string, ExecutionFact> = {
  a: done({ parameters: { Output: 'hello' }, artifacts: {} }),
  b: failed(1, 'exit code 1'),
  c: { attempt: 2, phase: 'Cancelled', message: 'run cancelled', finishedAt: '2026-01-01T00:00:00Z' },
};

describe('plan: a run retried in place', () => {
  it('without a retry round, the run stays Failed and nothing starts', () => {
    const r = plan(input(p, finishedRun));
    expect(r.phase).toBe('Failed');
    expect(r.launch).toEqual([]);
  });

  it('relaunches failed and cancelled tasks above the round, keeping successful outputs', () => {
    const r = plan(input(p, finishedRun, { retryBase: 2 }));
    expect(launched(r)).toEqual(['b#3', 'c#3']);
    expect(r.launch.find((l) => l.nodeId === 'b')!.inputs.parameters.x).toBe('hello');
    expect(r.nodes.a!.phase).toBe('Succeeded');
    expect(r.phase).toBe('Running');
  });

  it('starts never-started tasks once their upstream succeeds in the new round, at round + 1', () => {
    const r = plan(input(p, { ...finishedRun, b: done(undefined, 3), c: done(undefined, 3) }, { retryBase: 2 }));
    expect(launched(r)).toEqual(['d#3']);
  });

  it('ends Succeeded when the new round succeeds, Failed when it fails again', () => {
    expect(plan(input(p, { a: finishedRun.a!, b: done(undefined, 3), c: done(undefined, 3), d: done(undefined, 3) }, { retryBase: 2 })).phase).toBe('Succeeded');
    const again = plan(input(p, { ...finishedRun, b: failed(3), c: done(undefined, 3) }, { retryBase: 2 }));
    expect(again.phase).toBe('Failed');
    expect(again.launch).toEqual([]);
  });

  it('gives a task its whole task-level retry budget again in the new round', () => {
    const retrying = pipelineOf([task('t', 't', { retry: { maxRetries: 1, backoffSeconds: 0, backoffFactor: 2, maxBackoffSeconds: 0 } })]);
    const now = '2026-01-01T00:10:00Z';
    // Round 1 used both attempts (1 and 2); the run failed; retried with base 2.
    expect(plan(input(retrying, { t: failed(2) }, { now })).phase).toBe('Failed');
    expect(launched(plan(input(retrying, { t: failed(2) }, { now, retryBase: 2 })))).toEqual(['t#3']);
    expect(launched(plan(input(retrying, { t: failed(3) }, { now, retryBase: 2 })))).toEqual(['t#4']);
    expect(plan(input(retrying, { t: failed(4) }, { now, retryBase: 2 })).phase).toBe('Failed');
  });

  it('leaves a still-running attempt of an earlier round alone', () => {
    const r = plan(input(p, { ...finishedRun, c: { attempt: 1, phase: 'Running' } }, { retryBase: 2 }));
    expect(launched(r)).toEqual(['b#3']);
    expect(r.nodes.c!.phase).toBe('Running');
  });
});
