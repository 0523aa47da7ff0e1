// Checks the runtime would otherwise meet late or never: names Kubernetes and the engine can carry, resource
// quantities Kubernetes accepts, retry and timeout values timers can hold, and the size limits (limits.ts).
// Iterative throughout: the nesting of DAG components is user-controlled.
import { diagnostic } from './diagnostics.js';
import { own } from '../util/own.js';
import { overLimit, type Limits } from './limits.js';
import { loopItemCount, rootParameterLoops } from './loop-inputs.js';
import { quantityProblem } from './quantity.js';
import { dagScopes, report, taskPath, type Ctx } from './validate-context.js';
import { child } from './yaml-reader.js';
import type { Component, Pipeline, Task } from './types.js';

/** What KFP's compiler writes for task keys (sanitize_k8s_name) and what a pod label value can hold. */
export const TASK_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Names the engine keeps as object keys (inputs, outputs): one would be lost as a prototype. */
const RESERVED_KEYS = new Set(['__proto__']);
export const MAX_RETRIES = 100;
/** Longest timeout or backoff: a year, which timers (util/long-timeout.ts) and dates both hold. */
export const MAX_DURATION_SECONDS = 366 * 24 * 3600;

export function checkBounds(ctx: Ctx, lim: Readonly<Limits>): void {
  let tasks = 0;
  for (const scope of dagScopes(ctx.p)) {
    for (const task of Object.values(scope.dag.tasks)) {
      tasks++;
      const tp = taskPath(scope, task.name);
      if (ctx.p.source !== 'native' && !TASK_NAME.test(task.name)) {
        report(ctx, { code: 'INVALID_NAME', path: tp, task: task.name }, `task name ${JSON.stringify(task.name)} is not a DNS label`, 'use lower-case letters, digits and dashes (at most 63), starting and ending with a letter or digit, as kfp.compiler writes them');
      }
      checkTask(ctx, tp, task, lim);
    }
  }
  if (tasks > lim.tasks) {
    ctx.out.push(diagnostic('TOO_MANY_TASKS', { file: ctx.file }, `the pipeline has ${tasks} tasks`, `split it into smaller pipelines; ${overLimit('tasks', lim.tasks)}`));
  }
  for (const [name, c] of Object.entries(ctx.p.components)) {
    if (RESERVED_KEYS.has(name)) report(ctx, { code: 'INVALID_NAME', path: child('components', name) }, `"${name}" cannot be the name of a component`, 'rename it');
    checkIoNames(ctx, child('components', name), c);
  }
  for (const label of Object.keys(ctx.p.executors)) {
    if (RESERVED_KEYS.has(label)) report(ctx, { code: 'INVALID_NAME', path: child('deploymentSpec.executors', label) }, `"${label}" cannot be the name of an executor`, 'rename it');
  }
  checkIoNames(ctx, 'root', ctx.p.root);
  checkRootLoopDefaults(ctx, lim);
  for (const [label, ex] of Object.entries(ctx.p.executors)) {
    if (ex.kind !== 'container') continue;
    for (const [field, value] of Object.entries(ex.resources)) {
      if (typeof value !== 'string' || value.includes('{{')) continue;
      const problem = quantityProblem(value, field.startsWith('cpu') ? 'cpu' : 'memory');
      if (!problem) continue;
      const irField = { cpuRequest: 'resourceCpuRequest', cpuLimit: 'resourceCpuLimit', memoryRequest: 'resourceMemoryRequest', memoryLimit: 'resourceMemoryLimit' }[field] ?? field;
      const nativeField = { cpuRequest: 'requests.cpu', cpuLimit: 'limits.cpu', memoryRequest: 'requests.memory', memoryLimit: 'limits.memory' }[field] ?? field;
      const path = ctx.p.source === 'native' ? `spec.tasks[${label.replace(/^exec-/, '')}].resources.${nativeField}` : child(child(`deploymentSpec.executors.${label}.container`, 'resources'), irField);
      const kind = field.startsWith('cpu') ? 'CPU' : 'memory';
      ctx.out.push(diagnostic('INVALID_QUANTITY', { file: ctx.file, path }, `${kind} ${field.endsWith('Limit') ? 'limit' : 'request'} ${problem}`, kind === 'CPU' ? 'write CPUs as a positive number or millicores, such as 0.5 or 500m' : 'write memory as a positive quantity such as 512Mi or 2Gi'));
    }
  }
}

function checkTask(ctx: Ctx, tp: string, task: Task, lim: Readonly<Limits>): void {
  const native = ctx.p.source === 'native';
  const at = (irField: string, nativeField: string): string => (native ? `spec.tasks[${task.name}].${nativeField}` : `${tp}.${irField}`);
  const problem = (path: string, message: string, fix: string): void => {
    ctx.out.push(diagnostic('INVALID_FIELD', { file: ctx.file, path, task: task.name }, message, fix));
  };
  const r = task.retry;
  if (r) {
    if (r.maxRetries > MAX_RETRIES) problem(at('retryPolicy.maxRetryCount', 'retries'), `task "${task.name}" retries ${r.maxRetries} times`, `retry at most ${MAX_RETRIES} times`);
    const durations: [number, string, string][] = [[r.backoffSeconds, 'retryPolicy.backoffDuration', 'retries.backoff'], [r.maxBackoffSeconds, 'retryPolicy.backoffMaxDuration', 'retries.maxBackoff']];
    for (const [v, irField, nativeField] of durations) {
      if (!Number.isFinite(v) || v < 0) problem(at(irField, nativeField), `task "${task.name}" has a negative or invalid retry backoff (${v}s)`, 'use a backoff of 0 seconds or more');
      else if (v > MAX_DURATION_SECONDS) problem(at(irField, nativeField), `task "${task.name}" has a retry backoff of ${v}s, longer than a year`, `use at most ${MAX_DURATION_SECONDS}s`);
    }
    if (!Number.isFinite(r.backoffFactor) || r.backoffFactor < 1 || r.backoffFactor > 1000) problem(at('retryPolicy.backoffFactor', 'retries.factor'), `task "${task.name}" has backoff factor ${r.backoffFactor}`, 'use a factor between 1 and 1000 (2 doubles the wait each time)');
  }
  const t = task.timeoutSeconds;
  if (t !== undefined && (!Number.isFinite(t) || t < 0 || t > MAX_DURATION_SECONDS)) {
    problem(native ? at('', 'timeout') : tp, `task "${task.name}" has timeout ${t}s`, `use a timeout between 1s and ${MAX_DURATION_SECONDS}s (a year)`);
  }
  if (task.loop?.items.kind === 'raw' && task.loop.items.items.length > lim.loopItems) {
    ctx.out.push(diagnostic('TOO_MANY_LOOP_ITEMS', { file: ctx.file, path: native ? `spec.tasks[${task.name}].loop` : `${tp}.parameterIterator.items.raw`, task: task.name }, `the loop of task "${task.name}" has ${task.loop.items.items.length} items`, `split the work into fewer, larger items; ${overLimit('loopItems', lim.loopItems)}`));
  }
}

/** A root loop over a parameter's default: the runtime would refuse it when it expands the loop. */
function checkRootLoopDefaults(ctx: Ctx, lim: Readonly<Limits>): void {
  for (const { task, parameter } of rootParameterLoops(ctx.p)) {
    const count = loopItemCount(own(ctx.p.root.inputs.parameters, parameter)?.default);
    if (count === undefined || count <= lim.loopItems) continue;
    const path = ctx.p.source === 'native' ? `spec.params[${parameter}].default` : child(child('root.inputDefinitions.parameters', parameter), 'defaultValue');
    ctx.out.push(diagnostic('TOO_MANY_LOOP_ITEMS', { file: ctx.file, path, task }, `the loop of task "${task}" iterates over parameter "${parameter}", whose default has ${count} items`, `split the work into fewer, larger items; ${overLimit('loopItems', lim.loopItems)}`));
  }
}

function checkIoNames(ctx: Ctx, path: string, c: Component): void {
  for (const side of ['inputDefinitions', 'outputDefinitions'] as const) {
    const io = side === 'inputDefinitions' ? c.inputs : c.outputs;
    for (const kind of ['parameters', 'artifacts'] as const) {
      for (const name of Object.keys(io[kind])) {
        if (RESERVED_KEYS.has(name)) report(ctx, { code: 'INVALID_NAME', path: child(child(child(path, side), kind), name) }, `"${name}" cannot be the name of an input or output`, 'rename it');
      }
    }
  }
}

/** DAG components nested deeper than the limit: planning and status recurse by this depth. Run after the
 * recursion check: a component that contains itself would otherwise read as nesting without end. */
export function checkNesting(ctx: Ctx, lim: Readonly<Limits>): void {
  const p: Pipeline = ctx.p;
  const depth = new Map<string, number>();
  const stack: [string, Component, number][] = [['root', p.root, 1]];
  while (stack.length > 0) {
    const [name, comp, d] = stack.pop()!;
    if (comp.implementation.kind !== 'dag' || (depth.get(name) ?? 0) >= d) continue;
    depth.set(name, d);
    if (d > lim.yamlDepth) {
      report(ctx, { code: 'TOO_DEEP', path: child(child('components', name), 'dag') }, `DAG components nest more than ${lim.yamlDepth} levels deep (through ${name})`, `flatten the pipeline; ${overLimit('yamlDepth', lim.yamlDepth)}`);
      return;
    }
    for (const t of Object.values(comp.implementation.dag.tasks)) {
      const c = own(p.components, t.component);
      if (c) stack.push([t.component, c, d + 1]);
    }
  }
}
