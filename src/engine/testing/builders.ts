// Small builders for engine tests: pipelines of container tasks without going through YAML.
import type { Component, Pipeline, Task } from '../../model/types.js';
import type { ExecutionFact, PlanInput, RunContext } from '../state.js';

export const RUN: RunContext = {
  name: 'run-1',
  displayName: 'run 1',
  uid: 'uid-1',
  namespace: 'default',
  pipelineRoot: '/tmp/artifacts',
  createTime: '2026-01-01T00:00:00Z',
};

export function containerComponent(name: string, outputs: Component['outputs'] = { parameters: {}, artifacts: {} }, inputs: Component['inputs'] = { parameters: {}, artifacts: {} }): Component {
  return { name, inputs, outputs, implementation: { kind: 'executor', executor: `exec-${name}` } };
}

export function task(name: string, component: string, extra: Partial<Task> = {}): Task {
  return {
    name,
    displayName: name,
    component,
    dependsOn: [],
    inputs: { parameters: {}, artifacts: {} },
    triggerStrategy: 'ALL_UPSTREAM_TASKS_SUCCEEDED',
    caching: { enabled: false },
    ...extra,
  };
}

/** A pipeline whose root DAG holds the given tasks; every component named in them is a plain container. */
export function pipelineOf(tasks: Task[], components: Record<string, Component> = {}, rootInputs: Component['inputs'] = { parameters: {}, artifacts: {} }): Pipeline {
  const comps: Record<string, Component> = { ...components };
  for (const t of tasks) comps[t.component] ??= containerComponent(t.component);
  const executors: Pipeline['executors'] = {};
  for (const c of Object.values(comps)) {
    if (c.implementation.kind === 'executor') {
      executors[c.implementation.executor] = { kind: 'container', image: 'python:3.11', command: ['true'], args: [], env: [], resources: {} };
    }
  }
  return {
    name: 'p',
    source: 'native',
    schemaVersion: '2.1.0',
    root: { name: 'root', inputs: rootInputs, outputs: { parameters: {}, artifacts: {} }, implementation: { kind: 'dag', dag: { tasks: Object.fromEntries(tasks.map((t) => [t.name, t])), outputs: { parameters: {}, artifacts: {} } } } },
    components: comps,
    executors,
    platform: { executors: {} },
  };
}

export function input(pipeline: Pipeline, facts: Record<string, ExecutionFact> = {}, extra: Partial<PlanInput> = {}): PlanInput {
  return { pipeline, arguments: {}, facts, run: RUN, now: '2026-01-01T00:01:00Z', ...extra };
}

export function done(outputs: ExecutionFact['outputs'] = { parameters: {}, artifacts: {} }, attempt = 1): ExecutionFact {
  return { attempt, phase: 'Succeeded', startedAt: '2026-01-01T00:00:10Z', finishedAt: '2026-01-01T00:00:20Z', outputs };
}

export function failed(attempt = 1, message = 'exit code 1'): ExecutionFact {
  return { attempt, phase: 'Failed', startedAt: '2026-01-01T00:00:10Z', finishedAt: '2026-01-01T00:00:20Z', exitCode: 1, message };
}
