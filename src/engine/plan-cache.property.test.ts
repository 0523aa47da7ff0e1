// The plan cache is a hint: for random DAGs whose tasks pass values and carry conditions, driven to their end by
// random outcomes, retries, task timeouts and a cancel, every plan made with one cache across the run equals the plan made from
// scratch from the same input.
import fc from 'fast-check';
import { plan } from './plan.js';
import { PlanCache } from './plan-cache.js';
import { containerComponent, input, pipelineOf, task } from './testing/builders.js';
import type { ExecutionFact, PlanResult } from './state.js';
import type { Component, Task } from '../model/types.js';

const arb = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.record({
    adj: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
    outcomes: fc.array(fc.constantFrom('ok', 'ok', 'ok', 'fail'), { minLength: n * 3, maxLength: n * 3 }),
    values: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n * 3, maxLength: n * 3 }),
    retries: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    conditions: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    timeouts: fc.array(fc.constantFrom(0, 0, 30, 3600), { minLength: n, maxLength: n }),
    strategies: fc.array(fc.constantFrom<Task['triggerStrategy']>('ALL_UPSTREAM_TASKS_SUCCEEDED', 'ALL_UPSTREAM_TASKS_COMPLETED'), { minLength: n, maxLength: n }),
    cancelAt: fc.option(fc.integer({ min: 1, max: 15 }), { nil: undefined }),
    finishPerStep: fc.integer({ min: 1, max: 3 }),
  }),
);

describe('plan cache', () => {
  it('never changes a plan: cached and fresh plans are equal at every step', () => {
    fc.assert(
      fc.property(arb, ({ adj, outcomes, values, retries, conditions, timeouts, strategies, cancelAt, finishPerStep }) => {
        const names = adj.map((_, i) => `t${i}`);
        const components: Record<string, Component> = {};
        const tasks: Task[] = names.map((name, i) => {
          const ups = names.filter((_, j) => j < i && adj[j]![i]);
          // Each task takes the first upstream's output as `x` and, with a condition, runs only when x > 0.
          const from = ups[0];
          components[name] = containerComponent(name, { parameters: { out: { type: 'NUMBER_INTEGER', optional: false } }, artifacts: {} },
            { parameters: from ? { x: { type: 'NUMBER_INTEGER', optional: false } } : {}, artifacts: {} });
          return task(name, name, {
            dependsOn: ups,
            triggerStrategy: strategies[i]!,
            ...(timeouts[i] ? { timeoutSeconds: timeouts[i]! } : {}),
            ...(from ? { inputs: { parameters: { x: { kind: 'task', task: from, output: 'out' } }, artifacts: {} } } : {}),
            ...(from && conditions[i] ? { condition: { expression: "int(inputs.parameter_values['x']) > 0", dialect: 'kfp' as const } } : {}),
            ...(retries[i] ? { retry: { maxRetries: retries[i]!, backoffSeconds: 0, backoffFactor: 2, maxBackoffSeconds: 0 } } : {}),
          });
        });
        const p = pipelineOf(tasks, components);
        const cache = new PlanCache();
        const facts: Record<string, ExecutionFact> = {};
        let k = 0;
        let last: PlanResult | undefined;
        for (let step = 0; step < 100; step++) {
          const extra = { cancelRequested: cancelAt !== undefined && step >= cancelAt };
          const fresh = plan(input(p, { ...facts }, extra));
          // Each fact copied, as the controller's passes copy them (outputs stay shared).
          last = plan(input(p, Object.fromEntries(Object.entries(facts).map(([id, f]) => [id, { ...f }])), { ...extra, cache }));
          expect(last).toEqual(fresh);
          if (['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(last.phase)) break;
          for (const l of last.launch) facts[l.nodeId] = { attempt: l.attempt, phase: 'Running', startedAt: '2026-01-01T00:00:00Z' };
          for (const s of last.stop) facts[s.nodeId] = { ...facts[s.nodeId]!, phase: 'Cancelled', finishedAt: '2026-01-01T00:00:01Z' };
          // A few running tasks end per step; the others keep their fact object (as the controller's pod facts do).
          const running = Object.entries(facts).filter(([, f]) => f.phase === 'Running').slice(0, finishPerStep);
          for (const [id, f] of running) {
            const ok = outcomes[k % outcomes.length] === 'ok';
            const out = values[k++ % values.length]!;
            facts[id] = ok
              ? { ...f, phase: 'Succeeded', finishedAt: '2026-01-01T00:00:01Z', outputs: { parameters: { out }, artifacts: {} } }
              : { ...f, phase: 'Failed', finishedAt: '2026-01-01T00:00:01Z', message: 'exit code 1' };
          }
        }
        expect(last && ['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(last.phase)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reuses a settled node\'s view while its fact says the same, and forgets everything for a new retry round', () => {
    const p = pipelineOf([task('a', 'a'), task('b', 'b', { dependsOn: ['a'] })]);
    const cache = new PlanCache();
    const a: ExecutionFact = { attempt: 1, phase: 'Succeeded', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', outputs: { parameters: {}, artifacts: {} } };
    const first = plan(input(p, { a }, { cache }));
    const second = plan(input(p, { a }, { cache }));
    expect(second.nodes.a).toBe(first.nodes.a);
    // A copy (each pass copies the facts it may add to) still matches; a changed fact is evaluated again.
    expect(plan(input(p, { a: { ...a } }, { cache })).nodes.a).toBe(first.nodes.a);
    const later = plan(input(p, { a: { ...a, finishedAt: '2026-01-01T00:00:02Z' } }, { cache }));
    expect(later.nodes.a).not.toBe(first.nodes.a);
    expect(later.nodes.a!.finishedAt).toBe('2026-01-01T00:00:02Z');
    expect(plan(input(p, { a: { ...a, outputs: { parameters: { x: 1 }, artifacts: {} } } }, { cache })).nodes.a!.outputs).toEqual({ parameters: { x: 1 }, artifacts: {} });
    const third = plan(input(p, { a }, { cache }));
    expect(plan(input(p, { a }, { cache, retryBase: 1 })).nodes.a).not.toBe(third.nodes.a);
  });
});
