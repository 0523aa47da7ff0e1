// The run shapes bench/controller.ts submits: native-spec chains and fan-outs, and a KFP IR loop of loops (the
// native spec has no nested loops), every task a busybox `true` in the node agent's simulate mode.
import type { PipelineRunObject } from '../src/controller/types.js';
import type { JsonObject } from '../src/model/types.js';

export interface RunPlan {
  name: string;
  /** task → the tasks it depends on (for step transitions; empty for the loop of loops) */
  upstream: Map<string, string[]>;
  /** Task pods the run makes. */
  pods: number;
  body: PipelineRunObject;
}

const task = (name: string, dependsOn: string[]): JsonObject => ({
  name,
  image: 'busybox:1.36',
  command: ['true'],
  ...(dependsOn.length ? { dependsOn } : {}),
});

function runBody(name: string, pipelineSpec: JsonObject, durationMs: number): PipelineRunObject {
  return {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name },
    spec: {
      pipelineSpec,
      // Every task is the same command with no inputs: with caching on, all but the first would be Cached
      // (as KFP would do) and no pod would be measured.
      caching: false,
      podDefaults: {
        annotations: {
          'pipewright.io/simulate': 'true',
          'pipewright.io/simulate-duration-ms': String(durationMs),
          'pipewright.io/simulate-exit-code': '0',
        },
      },
    },
  };
}

function runOf(name: string, tasks: { name: string; dependsOn: string[] }[], durationMs: number): RunPlan {
  return {
    name,
    upstream: new Map(tasks.map((t) => [t.name, t.dependsOn])),
    pods: tasks.length,
    body: runBody(name, { tasks: tasks.map((t) => task(t.name, t.dependsOn)) }, durationMs),
  };
}

export const chain = (name: string, n: number, durationMs: number): RunPlan =>
  runOf(name, Array.from({ length: n }, (_, i) => ({ name: `t${i + 1}`, dependsOn: i ? [`t${i}`] : [] })), durationMs);

export const fanout = (name: string, n: number, durationMs: number): RunPlan =>
  runOf(name, [{ name: 'root', dependsOn: [] }, ...Array.from({ length: n }, (_, i) => ({ name: `leaf${i + 1}`, dependsOn: ['root'] }))], durationMs);

/** n tasks, none depending on another. */
export const independent = (name: string, n: number, durationMs: number): RunPlan =>
  runOf(name, Array.from({ length: n }, (_, i) => ({ name: `t${i + 1}`, dependsOn: [] })), durationMs);

/** KFP IR as the kfp SDK compiles `with ParallelFor(range(outer)): with ParallelFor(range(inner)): work()`. */
export function loopOfLoops(name: string, outer: number, inner: number, durationMs: number): RunPlan {
  const item1 = 'pipelinechannel--loop-item-param-1';
  const item2 = 'pipelinechannel--loop-item-param-2';
  const ir: JsonObject = {
    pipelineInfo: { name: 'loop-of-loops' },
    schemaVersion: '2.1.0',
    sdkVersion: 'kfp-2.17.3',
    root: {
      dag: {
        tasks: {
          'for-loop-1': {
            componentRef: { name: 'comp-for-loop-1' },
            parameterIterator: { itemInput: item1, items: { raw: JSON.stringify([...Array(outer).keys()]) } },
            taskInfo: { name: 'for-loop-1' },
          },
        },
      },
    },
    components: {
      'comp-for-loop-1': {
        dag: {
          tasks: {
            'for-loop-2': {
              componentRef: { name: 'comp-for-loop-2' },
              inputs: { parameters: { [item1]: { componentInputParameter: item1 } } },
              parameterIterator: { itemInput: item2, items: { raw: JSON.stringify([...Array(inner).keys()]) } },
              taskInfo: { name: 'for-loop-2' },
            },
          },
        },
        inputDefinitions: { parameters: { [item1]: { parameterType: 'NUMBER_INTEGER' } } },
      },
      'comp-for-loop-2': {
        dag: { tasks: { work: { componentRef: { name: 'comp-work' }, taskInfo: { name: 'work' } } } },
        inputDefinitions: { parameters: { [item1]: { parameterType: 'NUMBER_INTEGER' }, [item2]: { parameterType: 'NUMBER_INTEGER' } } },
      },
      'comp-work': { executorLabel: 'exec-work' },
    },
    deploymentSpec: { executors: { 'exec-work': { container: { image: 'busybox:1.36', command: ['true'] } } } },
  };
  return { name, upstream: new Map(), pods: outer * inner, body: runBody(name, ir, durationMs) };
}

export interface Scenario {
  title: string;
  runs: (durationMs: number) => RunPlan[];
  /** Long: only when asked for by name (npm run bench:big). */
  big?: boolean;
}

const many = (n: number, size: number, prefix: string, durationMs: number): RunPlan[] =>
  Array.from({ length: n }, (_, i) => chain(`${prefix}${String(i + 1).padStart(3, '0')}`, size, durationMs));

export const SCENARIOS: Record<string, Scenario> = {
  chain: { title: '100-task chain (1 run)', runs: (d) => [chain('chain', 100, d)] },
  fanout: { title: '1,000-task fan-out (root + 1,000 leaves, 1 run)', runs: (d) => [fanout('fanout', 1000, d)] },
  concurrent: { title: '50 concurrent 10-task chains', runs: (d) => many(50, 10, 'c', d) },
  fanout10k: { title: '10,000-task fan-out (root + 10,000 leaves, 1 run)', runs: (d) => [fanout('fanout10k', 10_000, d)], big: true },
  loops: { title: '100 × 100 loop of loops (10,000 tasks, KFP IR, 1 run)', runs: (d) => [loopOfLoops('loops', 100, 100, d)], big: true },
  concurrent200: { title: '200 concurrent 10-task chains', runs: (d) => many(200, 10, 'c', d), big: true },
};
