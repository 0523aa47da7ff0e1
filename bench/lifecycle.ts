// Cost of the clean-up and schedule decisions per pass: planGc over a run with many pods (OnTaskCompletion with
// keepLast sorts them), planRecurring over a long catch-up scan. Prints figures; asserts nothing.
import type { V1Pod } from '@kubernetes/client-node';
import { planGc } from '../src/controller/run-gc.js';
import { planRecurring } from '../src/controller/recurring.js';
import type { StatusNode } from '../src/controller/status.js';
import type { PipelineRunObject } from '../src/controller/types.js';

function time(label: string, reps: number, f: () => unknown): void {
  f();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) f();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  console.log(`${label}: ${ms.toFixed(2)} ms per pass`);
}

for (const n of [1000, 10000]) {
  const nodes: Record<string, StatusNode> = {};
  const pods: V1Pod[] = [];
  for (let i = 0; i < n; i++) {
    const id = `loop[${i}]/t`;
    nodes[id] = { phase: 'Succeeded', kind: 'container', task: 't', attempt: 1 };
    const finishedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i % 3600));
    pods.push({ metadata: { name: `p-${i}`, annotations: { 'pipewright.dev/node-id': id, 'pipewright.dev/attempt': '1' } }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt } } }] } });
  }
  const run: PipelineRunObject = { metadata: { name: 'r', namespace: 'ns', uid: 'u' }, spec: { podGC: { strategy: 'OnTaskCompletion', keepLast: 100 } }, status: { phase: 'Running', nodes } };
  time(`planGc, ${n} pods, OnTaskCompletion keepLast 100`, 20, () => planGc(run, pods, Date.now(), { ttl: {}, podGC: 'Never' }));
}

const rr = (spec: object) => ({ metadata: { name: 'rr', namespace: 'ns', uid: 'u', creationTimestamp: new Date('2026-01-01T00:00:00Z') }, spec: { runTemplate: { spec: {} }, ...spec } });
const day = Date.parse('2026-01-02T00:00:00Z');
time('planRecurring, per-second cron down a day, catch-up off (latest slot only)', 5, () => planRecurring(rr({ schedule: '* * * * * *', catchup: false }), [], day));
time('planRecurring, per-minute cron down a day, catch-up on (20 slots per pass)', 20, () => planRecurring(rr({ schedule: '* * * * *', maxConcurrency: 100 }), [], day));
