// Input resolution for one task: parameters and artifacts from the enclosing DAG's scope, constants,
// sibling outputs and exit-handler final status. Pure.
import type { Component, JsonValue, ParameterBinding, Task } from '../model/types.js';
import { own } from '../util/own.js';
import { evaluateSelector } from './cel.js';
import type { NodeOutputs, NodePhase, ResolvedInputs, RuntimeArtifact } from './state.js';
import { coerceParameter, resolveSelfReferences } from './values.js';

/** What a sibling task has become, as far as its consumers care. */
export interface SiblingResult {
  phase: NodePhase;
  displayName: string;
  outputs?: NodeOutputs;
  message?: string;
}

export interface ResolveContext {
  scope: ResolvedInputs;
  siblings: (name: string) => SiblingResult | undefined;
  runName: string;
}

export class ResolutionError extends Error {}

/** MLMD's Execution.State names, which KFP's backend passes (kfp.local says SUCCEEDED/CANCELLED instead). */
// The producer is the exit handler's DAG, which MLMD records as COMPLETE even when every task in it was cached.
const FINAL_STATE: Partial<Record<NodePhase, string>> = { Succeeded: 'COMPLETE', Cached: 'COMPLETE', Cancelled: 'CANCELED', Skipped: 'SKIPPED' };

export function finalStatusValue(task: string, s: SiblingResult, runName: string): JsonValue {
  const state = FINAL_STATE[s.phase] ?? 'FAILED';
  return {
    state,
    pipelineJobResourceName: runName,
    pipelineTaskName: task,
    error: state === 'FAILED' ? { code: 1, message: s.message ?? `${task} failed` } : {},
  };
}

function resolveParameter(name: string, b: ParameterBinding, ctx: ResolveContext): JsonValue | undefined {
  let value: JsonValue | undefined;
  switch (b.kind) {
    case 'constant':
      return b.value;
    case 'input':
      value = own(ctx.scope.parameters, b.name);
      break;
    case 'task': {
      const s = ctx.siblings(b.task);
      value = own(s?.outputs?.parameters ?? {}, b.output);
      if (value === undefined && s && (s.phase === 'Succeeded' || s.phase === 'Cached')) {
        throw new ResolutionError(`input ${name}: task ${b.task} succeeded but produced no output parameter "${b.output}"`);
      }
      break;
    }
    case 'finalStatus': {
      const s = ctx.siblings(b.task);
      return s ? finalStatusValue(b.task, s, ctx.runName) : undefined;
    }
  }
  if (value !== undefined && 'selector' in b && b.selector) value = evaluateSelector(b.selector, value);
  return value;
}

/**
 * The task's constant string inputs that hold placeholders (f-strings, {{$.pipeline_job_name}}), as compiled:
 * the only parameter values ever expanded. Values from run arguments and upstream outputs never are.
 */
export function parameterTemplates(task: Task): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, b] of Object.entries(task.inputs.parameters)) {
    if (b.kind === 'constant' && typeof b.value === 'string' && b.value.includes('{{$')) out[name] = b.value;
  }
  return out;
}

/** Resolves a task's inputs, typed per the component's input definitions, with their defaults filled in. */
export function resolveTaskInputs(task: Task, component: Component, ctx: ResolveContext): ResolvedInputs {
  const parameters = resolveParameters(task, component, ctx);
  const artifacts = resolveArtifacts(task, ctx);
  checkRequired(task, component, parameters, artifacts);
  return { parameters, artifacts };
}

/** The task's parameters, placeholders among them resolved, each coerced to its declared type, defaults filled in. */
function resolveParameters(task: Task, component: Component, ctx: ResolveContext): Record<string, JsonValue> {
  const raw: Record<string, JsonValue> = {};
  for (const [name, b] of Object.entries(task.inputs.parameters)) {
    const v = resolveParameter(name, b, ctx);
    if (v !== undefined && v !== null) raw[name] = v;
    else if (v === null && b.kind === 'constant') raw[name] = v;
  }
  const parameters = resolveSelfReferences(raw, new Set(Object.keys(parameterTemplates(task))));
  for (const [name, def] of Object.entries(component.inputs.parameters)) {
    const v = own(parameters, name) ?? def.default;
    if (v === undefined || v === null) continue;
    const coerced = coerceParameter(v, def.type);
    if (coerced === undefined) {
      throw new ResolutionError(`input ${name} of task ${task.name} expects ${def.type}, got ${JSON.stringify(v)}`);
    }
    parameters[name] = coerced;
  }
  return parameters;
}

/** The task's artifacts: from the enclosing DAG's inputs or an upstream task's outputs (one that ended without it is an error). */
function resolveArtifacts(task: Task, ctx: ResolveContext): Record<string, RuntimeArtifact[]> {
  const artifacts: Record<string, RuntimeArtifact[]> = {};
  for (const [name, b] of Object.entries(task.inputs.artifacts)) {
    let list: RuntimeArtifact[] | undefined;
    if (b.kind === 'input') list = own(ctx.scope.artifacts, b.name);
    else {
      const s = ctx.siblings(b.task);
      list = own(s?.outputs?.artifacts ?? {}, b.output);
      if (list === undefined && s && (s.phase === 'Succeeded' || s.phase === 'Cached')) {
        throw new ResolutionError(`input ${name}: task ${b.task} produced no output artifact "${b.output}"`);
      }
    }
    if (list) artifacts[name] = list;
  }
  return artifacts;
}

/** Every required input has a value (a loop's item input is delivered to each iteration, not to the loop task). */
function checkRequired(task: Task, component: Component, parameters: Record<string, JsonValue>, artifacts: Record<string, RuntimeArtifact[]>): void {
  const itemInput = task.loop?.itemInput;
  for (const [name, def] of Object.entries(component.inputs.parameters)) {
    if (name === itemInput) continue;
    if (own(parameters, name) === undefined && !def.optional && def.default === undefined && def.type !== 'TASK_FINAL_STATUS') {
      throw new ResolutionError(`required input parameter "${name}" of task ${task.name} has no value`);
    }
  }
  for (const [name, def] of Object.entries(component.inputs.artifacts)) {
    if (own(artifacts, name) === undefined && !def.optional && name !== itemInput) {
      throw new ResolutionError(`required input artifact "${name}" of task ${task.name} has no value`);
    }
  }
}


