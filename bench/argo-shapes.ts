// The shapes bench/argo.ts runs through both controllers, at a chosen scale: the same DAG as a Pipewright
// PipelineRun (bench/controller-shapes.ts: busybox `true` tasks in the node agent's simulate mode) and as an Argo
// Workflow (a DAG template of busybox `true` containers, run for real under Argo's emissary executor).
import type { JsonObject } from '../src/model/types.js';
import { chain as pwChain, fanout as pwFanout, loopOfLoops, type RunPlan } from './controller-shapes.js';

export interface Plan {
  name: string;
  /** task → the tasks it depends on */
  upstream: Map<string, string[]>;
  pods: number;
  pipewright: JsonObject;
  argo: JsonObject;
}

export interface Shape {
  key: string;
  title: string;
  plans: Plan[];
}

function workflow(name: string, upstream: Map<string, string[]>): JsonObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', dag: { tasks: [...upstream].map(([t, deps]) => ({ name: t, template: 'work', ...(deps.length ? { dependencies: deps } : {}) })) } },
        { name: 'work', container: { image: 'busybox:1.36', command: ['true'] } },
      ],
    },
  };
}

/** `outer` × `inner` tasks as nested loops: a DAG task over withSequence calling a DAG whose task loops again. */
function loopsWorkflow(name: string, outer: number, inner: number): JsonObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', dag: { tasks: [{ name: 'outer', template: 'inner', withSequence: { count: String(outer) } }] } },
        { name: 'inner', dag: { tasks: [{ name: 'leaf', template: 'work', withSequence: { count: String(inner) } }] } },
        { name: 'work', container: { image: 'busybox:1.36', command: ['true'] } },
      ],
    },
  };
}

const plan = (p: RunPlan): Plan => ({
  name: p.name, upstream: p.upstream, pods: p.pods,
  pipewright: p.body as unknown as JsonObject, argo: workflow(p.name, p.upstream),
});

/** One task: run first on each fresh controller, so that its start-up (informers syncing) is not measured. */
export const warmup = (durationMs: number): Plan => plan(pwChain('warmup', 1, durationMs));

/** The three shapes, each size multiplied by `scale` (at least 2 tasks / 2 runs; concurrent runs keep 10 tasks). */
export function shapes(scale: number, durationMs: number): Record<string, Shape> {
  const n = (full: number): number => Math.max(2, Math.round(full * scale));
  const runs = n(200);
  return {
    chain: { key: 'chain', title: `${n(100)}-task chain (1 run)`, plans: [plan(pwChain('chain', n(100), durationMs))] },
    fanout: { key: 'fanout', title: `root + ${n(1000)} fan-out (1 run)`, plans: [plan(pwFanout('fanout', n(1000), durationMs))] },
    // The KFP IR loop of loops (bench:big's `loops`): outer n(100) × inner 100; no step transitions.
    loops: (() => {
      const p = loopOfLoops('loops', n(100), 100, durationMs);
      return { key: 'loops', title: `${n(100)} × 100 loop of loops (1 run)`, plans: [{ name: p.name, upstream: p.upstream, pods: p.pods, pipewright: p.body as unknown as JsonObject, argo: loopsWorkflow(p.name, n(100), 100) }] };
    })(),
    concurrent: {
      key: 'concurrent', title: `${runs} concurrent 10-task chains`,
      plans: Array.from({ length: runs }, (_, i) => plan(pwChain(`c${String(i + 1).padStart(3, '0')}`, 10, durationMs))),
    },
  };
}
