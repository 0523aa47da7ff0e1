// Front end for Pipewright's native YAML (docs/native-spec.md): a small Kubernetes-style spec mapped onto the
// same model as KFP IR. Each task becomes its own component `comp-<task>` and executor `exec-<task>`.
import { parseYamlDocuments } from './yaml-documents.js';
import { PipelineError, diagnostic } from './diagnostics.js';
import { parseRef } from './native-refs.js';
import { wrapLoop } from './native-loop.js';
import {
  TASK_FIELDS, TaskBuilder, readExecutor, readInputArtifacts, readInputParameters, readOutputs,
  type DeclaredOutputs, type NativeScope,
} from './native-task.js';
import { checkKeys, namedEntries, readDuration, readParameterType, typeOfValue } from './native-types.js';
import { Reader, child, dict } from './yaml-reader.js';
import { refuseTooManyTasks } from './limits.js';
import { TASK_NAME } from './validate-bounds.js';
import type { Component, DagOutputs, Executor, IoDefinitions, JsonObject, ParameterDef, Pipeline, RetryPolicy, Task } from './types.js';

export const NATIVE_API_VERSION = 'pipewright.dev/v1alpha1';
const KINDS = ['PipelineSpec', 'Pipeline'];

import { looksLikeNative } from './pipeline-format.js';

export function parseNativeSpec(text: string, file?: string): Pipeline {
  const doc = parseYamlDocuments(text, file)[0];
  if (!looksLikeNative(doc)) {
    throw new PipelineError([
      diagnostic('NOT_NATIVE', { file }, `the first YAML document has no "apiVersion: ${NATIVE_API_VERSION}"`, `start the file with apiVersion: ${NATIVE_API_VERSION} and kind: PipelineSpec`),
    ]);
  }
  return nativeFromObject(doc, file);
}

/** A parsed native document (PipelineSpec, or a Pipeline object whose spec is one). */
export function nativeFromObject(doc: unknown, file?: string): Pipeline {
  const r = new Reader(file);
  const o = r.object(doc, 'document', true);
  checkKeys(r, o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  if (o.apiVersion !== NATIVE_API_VERSION) {
    r.error('apiVersion', `unsupported apiVersion "${String(o.apiVersion)}"`, `use apiVersion: ${NATIVE_API_VERSION}`, 'UNKNOWN_API_VERSION');
  }
  if (typeof o.kind !== 'string' || !KINDS.includes(o.kind)) {
    r.error('kind', `unsupported kind "${String(o.kind)}"`, `use kind: ${KINDS.join(' or ')}`, 'UNKNOWN_KIND');
  }
  const meta = r.object(o.metadata, 'metadata', true);
  const name = r.string(meta.name, 'metadata.name', true) ?? 'pipeline';
  const pipeline = readNativeSpec(r, o.spec, 'spec', name);
  r.throwIfAny();
  return pipeline;
}

/** The `spec` of a native pipeline; diagnostics go to `r` (callers throw). */
export function readNativeSpec(r: Reader, raw: unknown, path: string, name: string): Pipeline {
  const spec = r.object(raw, path, true);
  checkKeys(r, spec, path, ['description', 'params', 'tasks', 'outputs', 'pipelineRoot']);
  const rootInputs: IoDefinitions = { parameters: readParams(r, spec.params, child(path, 'params')), artifacts: {} };
  const components: Record<string, Component> = dict();
  const executors: Record<string, Executor> = dict();
  const tasks: Record<string, Task> = dict();
  if (Array.isArray(spec.tasks)) refuseTooManyTasks(spec.tasks.length, r.file, child(path, 'tasks'));
  const entries = namedEntries(r, spec.tasks, child(path, 'tasks'));
  if (entries.length === 0) r.error(child(path, 'tasks'), 'the pipeline has no tasks', 'add at least one task under spec.tasks', 'MISSING_FIELD');
  // First pass: what each task outputs, so consumers can infer their input types from producers.
  const scope: NativeScope = { params: rootInputs.parameters, outputs: new Map<string, DeclaredOutputs>() };
  const outputs = new Map<string, IoDefinitions>();
  for (const e of entries) {
    if (!TASK_NAME.test(e.name)) {
      r.error(child(e.path, 'name'), `task name "${e.name}" is not a DNS label`, 'use lower-case letters, digits and dashes (at most 63), starting and ending with a letter or digit', 'INVALID_NAME');
    }
    const out = readOutputs(r, e.o.outputs, child(e.path, 'outputs'));
    outputs.set(e.name, out.io);
    scope.outputs.set(e.name, out.declared);
  }
  for (const e of entries) {
    const built = readTask({ r, scope }, e, outputs.get(e.name)!);
    for (const c of built.components) components[c.name] = c;
    executors[`exec-${e.name}`] = built.executor;
    tasks[e.name] = built.task;
  }
  const pipeline: Pipeline = {
    name,
    source: 'native',
    schemaVersion: NATIVE_API_VERSION,
    root: { name: 'root', inputs: rootInputs, outputs: { parameters: {}, artifacts: {} }, implementation: { kind: 'dag', dag: { tasks, outputs: { parameters: {}, artifacts: {} } } } },
    components,
    executors,
    platform: { executors: {} },
  };
  if (typeof spec.description === 'string') pipeline.description = spec.description;
  if (typeof spec.pipelineRoot === 'string') pipeline.defaultPipelineRoot = spec.pipelineRoot;
  readPipelineOutputs(r, spec.outputs, child(path, 'outputs'), scope, pipeline);
  return pipeline;
}

function readParams(r: Reader, raw: unknown, path: string): Record<string, ParameterDef> {
  const params: Record<string, ParameterDef> = dict();
  for (const e of namedEntries(r, raw, path)) {
    checkKeys(r, e.o, e.path, ['name', 'type', 'default', 'optional', 'description', 'enum']);
    const type = readParameterType(r, e.o.type, child(e.path, 'type')) ?? (e.o.default !== undefined && e.o.default !== null ? typeOfValue(e.o.default) : 'STRING');
    const def: ParameterDef = { type, optional: e.o.optional === true || e.o.default !== undefined };
    if (e.o.default !== undefined) def.default = e.o.default;
    if (typeof e.o.description === 'string') def.description = e.o.description;
    if (e.o.enum !== undefined) def.literals = r.array(e.o.enum, child(e.path, 'enum'));
    params[e.name] = def;
  }
  return params;
}

function readTask({ r, scope }: { r: Reader; scope: NativeScope }, entry: { name: string; o: JsonObject; path: string }, outputs: IoDefinitions): { task: Task; components: Component[]; executor: Executor } {
  const { name, o: t, path } = entry;
  checkKeys(r, t, path, TASK_FIELDS);
  const b = new TaskBuilder(scope);
  const inputs = r.object(t.inputs, child(path, 'inputs'));
  checkKeys(r, inputs, child(path, 'inputs'), ['parameters', 'artifacts']);
  readInputParameters(r, b, inputs.parameters, `${path}.inputs.parameters`);
  readInputArtifacts(r, b, inputs.artifacts, `${path}.inputs.artifacts`);
  const executor = readExecutor(r, b, t, path);
  if (executor.kind === 'importer') {
    outputs = { parameters: {}, artifacts: { artifact: { type: executor.type, isList: false, optional: false } } };
    scope.outputs.set(name, { parameters: {}, artifacts: { artifact: executor.type } });
  }
  const explicit = r.array(t.dependsOn, child(path, 'dependsOn')).map((d, i) => r.string(d, `${child(path, 'dependsOn')}[${i}]`) ?? '');
  const task: Task = {
    name,
    displayName: r.string(t.displayName, child(path, 'displayName')) ?? name,
    component: `comp-${name}`,
    dependsOn: [...new Set([...explicit, ...b.deps])],
    inputs: { parameters: b.parameters, artifacts: b.artifacts },
    triggerStrategy: readTrigger(r, t.trigger, child(path, 'trigger')),
    caching: readCache(r, t.cache, child(path, 'cache')),
  };
  const when = r.string(t.when, child(path, 'when'));
  if (when !== undefined) task.condition = { expression: when, dialect: 'native' };
  const retry = readRetries(r, t.retries, child(path, 'retries'));
  if (retry) task.retry = retry;
  const timeout = readDuration(r, t.timeout, child(path, 'timeout'));
  if (timeout !== undefined) task.timeoutSeconds = timeout;
  const component: Component = { name: task.component, inputs: b.inputs, outputs, implementation: { kind: 'executor', executor: `exec-${name}` } };
  if (t.loop === undefined) return { task, components: [component], executor };
  const wrapped = wrapLoop({ r, scope }, task, component, t.loop, child(path, 'loop'));
  return { task: wrapped.task, components: [component, wrapped.component], executor };
}

function readTrigger(r: Reader, v: unknown, path: string): Task['triggerStrategy'] {
  if (v === undefined || v === 'succeeded') return 'ALL_UPSTREAM_TASKS_SUCCEEDED';
  if (v === 'completed') return 'ALL_UPSTREAM_TASKS_COMPLETED';
  r.error(path, `unknown trigger ${JSON.stringify(v)}`, 'use succeeded (run when all upstream tasks succeeded) or completed (run when they finished, even failed)', 'INVALID_FIELD');
  return 'ALL_UPSTREAM_TASKS_SUCCEEDED';
}

function readCache(r: Reader, v: unknown, path: string): Task['caching'] {
  if (v === undefined) return { enabled: true };
  if (typeof v === 'boolean') return { enabled: v };
  const o = r.object(v, path);
  checkKeys(r, o, path, ['enabled', 'key']);
  const c: Task['caching'] = { enabled: r.boolean(o.enabled, child(path, 'enabled')) ?? true };
  const key = r.string(o.key, child(path, 'key'));
  if (key) c.key = key;
  return c;
}

function readRetries(r: Reader, v: unknown, path: string): RetryPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  const o: JsonObject = typeof v === 'number' ? { limit: v } : r.object(v, path);
  checkKeys(r, o, path, ['limit', 'backoff', 'factor', 'maxBackoff']);
  const limit = r.integer(o.limit, typeof v === 'number' ? path : child(path, 'limit')) ?? 0;
  if (limit < 0) r.error(path, 'retries must not be negative', 'set retries to 0 or more', 'INVALID_FIELD');
  if (limit <= 0) return undefined;
  return {
    maxRetries: limit,
    backoffSeconds: readDuration(r, o.backoff, child(path, 'backoff')) ?? 0,
    backoffFactor: r.number(o.factor, child(path, 'factor')) ?? 2,
    maxBackoffSeconds: readDuration(r, o.maxBackoff, child(path, 'maxBackoff')) ?? 3600,
  };
}

function readPipelineOutputs(r: Reader, raw: unknown, path: string, scope: NativeScope, p: Pipeline): void {
  const o = r.object(raw, path);
  checkKeys(r, o, path, ['parameters', 'artifacts']);
  const dag = p.root.implementation.kind === 'dag' ? p.root.implementation.dag : undefined;
  const sel: DagOutputs = dag?.outputs ?? { parameters: {}, artifacts: {} };
  for (const kind of ['parameters', 'artifacts'] as const) {
    for (const e of namedEntries(r, o[kind], child(path, kind))) {
      checkKeys(r, e.o, e.path, ['name', 'from']);
      const text = r.string(e.o.from, child(e.path, 'from'), true) ?? '';
      const ref = parseRef(text);
      if (!ref || ref.kind === 'param' || (ref.kind === 'taskArtifact') !== (kind === 'artifacts')) {
        r.error(child(e.path, 'from'), `"${text}" is not a task ${kind === 'artifacts' ? 'artifact' : 'parameter'} output`, `write tasks.TASK.outputs.${kind}.NAME`, 'INVALID_REFERENCE');
        continue;
      }
      sel[kind][e.name] = [{ task: ref.task, output: ref.output }];
      const declared = scope.outputs.get(ref.task);
      if (kind === 'parameters') p.root.outputs.parameters[e.name] = { type: declared?.parameters[ref.output] ?? 'STRING', optional: false };
      else p.root.outputs.artifacts[e.name] = { type: declared?.artifacts[ref.output] ?? { schemaTitle: 'system.Artifact', schemaVersion: '0.0.1' }, isList: false, optional: false };
    }
  }
}
