// Property tests: for random DAGs and random outcomes, the engine never starts a task before its upstream
// finished, never starts the same attempt twice, and every run ends.
import fc from 'fast-check';
import { plan } from './plan.js';
import { input, pipelineOf, task } from './testing/builders.js';
import type { ExecutionFact, PlanResult } from './state.js';
import { isTerminal } from './state.js';
import type { Task } from '../model/types.js';

const dagArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(
    // Edges only from lower to higher index: acyclic by construction.
    fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
    fc.array(fc.constantFrom('ok', 'ok', 'ok', 'fail', 'error'), { minLength: n * 3, maxLength: n * 3 }),
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    fc.array(fc.constantFrom<Task['triggerStrategy']>('ALL_UPSTREAM_TASKS_SUCCEEDED', 'ALL_UPSTREAM_TASKS_SUCCEEDED', 'ALL_UPSTREAM_TASKS_COMPLETED'), { minLength: n, maxLength: n }),
    fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  ),
);

describe('plan properties', () => {
  it('respects dependencies, launches each attempt once, and always terminates', () => {
    fc.assert(
      fc.property(dagArb, ([adj, outcomes, retries, strategies, parallelism]) => {
        const n = adj.length;
        const names = adj.map((_, i) => `t${i}`);
        const tasks = names.map((name, i) =>
          task(name, name, {
            dependsOn: names.filter((_, j) => j < i && adj[j]![i]),
            triggerStrategy: strategies[i]!,
            ...(retries[i] ? { retry: { maxRetries: retries[i]!, backoffSeconds: 0, backoffFactor: 2, maxBackoffSeconds: 0 } } : {}),
          }),
        );
        const p = pipelineOf(tasks);
        const facts: Record<string, ExecutionFact> = {};
        const seen = new Set<string>();
        let outcome = 0;
        let last: PlanResult | undefined;
        for (let step = 0; step < 200; step++) {
          last = plan(input(p, facts, { parallelism }));
          if (['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(last.phase)) break;
          expect(last.launch.length > 0 || Object.values(facts).some((f) => f.phase === 'Running')).toBe(true);
          for (const l of last.launch) {
            const key = `${l.nodeId}#${l.attempt}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
            const t = tasks.find((x) => x.name === l.nodeId)!;
            for (const d of t.dependsOn) {
              const f = facts[d];
              const node = last.nodes[d];
              expect(node && isTerminal(node.phase)).toBe(true);
              if (f) expect(['Running', 'Pending'].includes(f.phase)).toBe(false);
            }
            facts[l.nodeId] = { attempt: l.attempt, phase: 'Running', startedAt: '2026-01-01T00:00:00Z' };
          }
          // Finish one running task per step, in a random-but-deterministic outcome order.
          const running = Object.entries(facts).find(([, f]) => f.phase === 'Running');
          if (running) {
            const o = outcomes[outcome++ % outcomes.length];
            const phase = o === 'ok' ? 'Succeeded' : o === 'fail' ? 'Failed' : 'Error';
            facts[running[0]] = { ...running[1], phase, finishedAt: '2026-01-01T00:00:01Z', outputs: { parameters: {}, artifacts: {} } };
          }
          if (parallelism) expect(Object.values(facts).filter((f) => f.phase === 'Running').length).toBeLessThanOrEqual(parallelism);
        }
        expect(last && ['Succeeded', 'Failed', 'Error'].includes(last.phase)).toBe(true);
        // Every node ended, and a successful run means no executable task failed for good.
        for (const name of names) expect(isTerminal(last!.nodes[name]!.phase)).toBe(true);
        if (last!.phase === 'Succeeded') expect(Object.values(last!.nodes).every((nd) => nd.phase !== 'Failed' && nd.phase !== 'Error')).toBe(true);
        expect(n).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
