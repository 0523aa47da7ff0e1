// Front end for the IR YAML that kfp.compiler writes (PipelineSpec + optional PlatformSpec), read unchanged.
// Protobuf JSON mapping quirks handled here: camelCase keys, int64 as strings, every number a float.
import { own } from '../util/own.js';
import { PipelineError, diagnostic } from './diagnostics.js';
import { looksLikeKfpIr } from './pipeline-format.js';
import { Reader, child, dict, isObject } from './yaml-reader.js';
import { refuseTooManyTasks } from './limits.js';
import { parseDurationSeconds } from './duration.js';
import { readArtifactType, readExecutor } from './kfp-ir-executor.js';
import { parseYamlDocuments } from './yaml-documents.js';
import {
  PARAMETER_TYPES,
  TASK_CONFIG_FIELDS,
  type ArtifactBinding,
  type ArtifactDef,
  type Component,
  type Dag,
  type DagOutputs,
  type Executor,
  type IoDefinitions,
  type JsonObject,
  type JsonValue,
  type LoopSpec,
  type ParameterBinding,
  type TaskConfigPassthrough,
  type ParameterDef,
  type ParameterType,
  type Pipeline,
  type PlatformSpec,
  type RetryPolicy,
  type Task,
} from './types.js';

export const SUPPORTED_SCHEMA_VERSIONS = ['2.0.0', '2.1.0'];

export function parseKfpIr(text: string, file?: string): Pipeline {
  return kfpIrFromDocuments(parseYamlDocuments(text, file), file);
}

/** The IR from parsed documents: the PipelineSpec, then optional PlatformSpec documents. */
export function kfpIrFromDocuments(docs: unknown[], file?: string): Pipeline {
  const spec = docs[0];
  if (!looksLikeKfpIr(spec)) {
    throw new PipelineError([
      diagnostic('NOT_KFP_IR', { file }, 'the first YAML document is not a KFP PipelineSpec (no pipelineInfo/root)', 'compile the pipeline with kfp.compiler.Compiler().compile(...) and pass the YAML it writes'),
    ]);
  }
  return readPipelineSpec(spec as JsonObject, docs.slice(1), new Reader(file));
}

function readPipelineSpec(spec: JsonObject, rest: unknown[], r: Reader): Pipeline {
  const schemaVersion = r.string(spec.schemaVersion, 'schemaVersion', true) ?? '';
  if (schemaVersion && !SUPPORTED_SCHEMA_VERSIONS.includes(schemaVersion)) {
    r.error('schemaVersion', `unknown schemaVersion "${schemaVersion}"; supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`, 'compile with a KFP v2 SDK (kfp>=2.0), which writes schemaVersion 2.1.0', 'UNKNOWN_SCHEMA_VERSION');
    r.throwIfAny();
  }
  refuseTooManyTasks(countTasks(spec), r.file, 'root.dag.tasks');
  const info = r.object(spec.pipelineInfo, 'pipelineInfo', true);
  const components: Record<string, Component> = dict();
  const comps = r.object(spec.components, 'components');
  for (const [name, c] of Object.entries(comps)) components[name] = readComponent(r, name, c, child('components', name));
  const executors: Record<string, Executor> = dict();
  const deployment = r.object(r.object(spec.deploymentSpec, 'deploymentSpec').executors, 'deploymentSpec.executors');
  for (const [label, e] of Object.entries(deployment)) {
    const ex = readExecutor(r, e, child('deploymentSpec.executors', label));
    if (ex) executors[label] = ex;
  }
  const root = readComponent(r, 'root', spec.root, 'root');
  if (root.implementation.kind !== 'dag') r.error('root', 'root must be a DAG component', 'compile a @dsl.pipeline function, not a component', 'INVALID_ROOT');
  const pipeline: Pipeline = {
    name: r.string(info.name, 'pipelineInfo.name', true) ?? 'pipeline',
    displayName: r.string(info.displayName, 'pipelineInfo.displayName'),
    description: r.string(info.description, 'pipelineInfo.description'),
    source: 'kfp-ir',
    schemaVersion,
    sdkVersion: r.string(spec.sdkVersion, 'sdkVersion'),
    defaultPipelineRoot: r.string(spec.defaultPipelineRoot, 'defaultPipelineRoot'),
    root,
    components,
    executors,
    platform: readPlatform(r, rest),
  };
  r.throwIfAny();
  applyPlatformTimeouts(pipeline);
  return pipeline;
}

/** Tasks in the root DAG and in every DAG component, counted before reading them. */
function countTasks(spec: JsonObject): number {
  const dagTasks = (c: unknown): number => {
    const tasks = isObject(c) && isObject(c.dag) ? c.dag.tasks : undefined;
    return isObject(tasks) ? Object.keys(tasks).length : 0;
  };
  let n = dagTasks(spec.root);
  if (isObject(spec.components)) for (const c of Object.values(spec.components)) n += dagTasks(c);
  return n;
}

/**
 * kfp-kubernetes' set_timeout writes `activeDeadlineSeconds` into the executor's platform config; it is the
 * SDK's only way to give a task a timeout, so it becomes the task's timeoutSeconds (enforced by the engine
 * in every mode; the cluster pod also gets it as activeDeadlineSeconds).
 */
function applyPlatformTimeouts(p: Pipeline): void {
  const dags = [p.root, ...Object.values(p.components)].flatMap((c) => (c.implementation.kind === 'dag' ? [c.implementation.dag] : []));
  for (const dag of dags) {
    for (const task of Object.values(dag.tasks)) {
      const impl = own(p.components, task.component)?.implementation;
      if (task.timeoutSeconds !== undefined || impl?.kind !== 'executor') continue;
      const seconds = Number(own(p.platform.executors, impl.executor)?.activeDeadlineSeconds);
      if (Number.isFinite(seconds) && seconds > 0) task.timeoutSeconds = seconds;
    }
  }
}

function readComponent(r: Reader, name: string, raw: unknown, path: string): Component {
  const c = r.object(raw, path, true);
  const inputs = readIo(r, c.inputDefinitions, child(path, 'inputDefinitions'));
  const outputs = readIo(r, c.outputDefinitions, child(path, 'outputDefinitions'));
  if (c.dag !== undefined) {
    return { name, inputs, outputs, implementation: { kind: 'dag', dag: readDag(r, c.dag, child(path, 'dag')) } };
  }
  const executor = r.string(c.executorLabel, child(path, 'executorLabel'));
  if (!executor) r.error(path, `component ${name} has neither dag nor executorLabel`, 'each component needs an executorLabel or a dag; kfp 2.x writes such a component when a sub-pipeline nested two levels deep has condition groups (condition-N) named like its parent\'s (kubeflow/pipelines#11484): reorder or regroup the conditions so their names differ, then recompile', 'INVALID_COMPONENT');
  const comp: Component = { name, inputs, outputs, implementation: { kind: 'executor', executor: executor ?? '' } };
  if (c.taskConfigPassthroughs !== undefined) comp.taskConfigPassthroughs = readPassthroughs(r, c.taskConfigPassthroughs, child(path, 'taskConfigPassthroughs'));
  return comp;
}

/** `task_config_passthroughs` of @dsl.component: [{field: RESOURCES|ENV|..., applyToTask: bool}]. */
function readPassthroughs(r: Reader, raw: unknown, path: string): TaskConfigPassthrough[] {
  return r.array(raw, path).flatMap((item, i) => {
    const p = child(path, String(i));
    const o = r.object(item, p);
    const field = r.string(o.field, child(p, 'field'), true);
    if (field === undefined) return [];
    if (!(TASK_CONFIG_FIELDS as readonly string[]).includes(field)) {
      r.error(child(p, 'field'), `unknown task config field "${field}"`, `use one of ${TASK_CONFIG_FIELDS.join(', ')}`, 'UNKNOWN_TYPE');
      return [];
    }
    return [{ field: field as TaskConfigPassthrough['field'], applyToTask: r.boolean(o.applyToTask, child(p, 'applyToTask')) ?? false }];
  });
}

function readIo(r: Reader, raw: unknown, path: string): IoDefinitions {
  const io = r.object(raw, path);
  const parameters: Record<string, ParameterDef> = dict();
  const artifacts: Record<string, ArtifactDef> = dict();
  for (const [name, p] of Object.entries(r.object(io.parameters, child(path, 'parameters')))) {
    const def = readParameterDef(r, p, child(child(path, 'parameters'), name));
    if (def) parameters[name] = def;
  }
  for (const [name, a] of Object.entries(r.object(io.artifacts, child(path, 'artifacts')))) {
    const apath = child(child(path, 'artifacts'), name);
    const o = r.object(a, apath);
    artifacts[name] = {
      type: readArtifactType(r, o.artifactType, child(apath, 'artifactType')),
      isList: r.boolean(o.isArtifactList, child(apath, 'isArtifactList')) ?? false,
      optional: r.boolean(o.isOptional, child(apath, 'isOptional')) ?? false,
      description: r.string(o.description, child(apath, 'description')),
    };
  }
  return { parameters, artifacts };
}

function readParameterDef(r: Reader, raw: unknown, path: string): ParameterDef | undefined {
  const o = r.object(raw, path);
  const typeName = r.string(o.parameterType, child(path, 'parameterType'), true);
  if (!typeName) return undefined;
  if (!(PARAMETER_TYPES as readonly string[]).includes(typeName)) {
    r.error(child(path, 'parameterType'), `unknown parameterType "${typeName}"`, `use one of ${PARAMETER_TYPES.join(', ')}`, 'UNKNOWN_TYPE');
    return undefined;
  }
  const type = typeName as ParameterType;
  const def: ParameterDef = { type, optional: r.boolean(o.isOptional, child(path, 'isOptional')) ?? false };
  if (o.defaultValue !== undefined) def.default = typedValue(type, o.defaultValue);
  const description = r.string(o.description, child(path, 'description'));
  if (description) def.description = description;
  if (Array.isArray(o.literals)) def.literals = o.literals.map((v) => typedValue(type, v));
  return def;
}

/** The IR writes every number as a float; integers come back as JS numbers either way. */
function typedValue(type: ParameterType, v: JsonValue): JsonValue {
  if (type === 'NUMBER_INTEGER' && typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return v;
}

function readDag(r: Reader, raw: unknown, path: string): Dag {
  const d = r.object(raw, path);
  const tasks: Record<string, Task> = dict();
  for (const [name, t] of Object.entries(r.object(d.tasks, child(path, 'tasks')))) {
    tasks[name] = readTask(r, name, t, child(child(path, 'tasks'), name));
  }
  return { tasks, outputs: readDagOutputs(r, d.outputs, child(path, 'outputs')) };
}

function readDagOutputs(r: Reader, raw: unknown, path: string): DagOutputs {
  const o = r.object(raw, path);
  const parameters: DagOutputs['parameters'] = dict();
  const artifacts: DagOutputs['artifacts'] = dict();
  for (const [name, v] of Object.entries(r.object(o.parameters, child(path, 'parameters')))) {
    const p = child(child(path, 'parameters'), name);
    const spec = r.object(v, p);
    const one = isObject(spec.valueFromParameter) ? [spec.valueFromParameter] : [];
    const many = isObject(spec.valueFromOneof) ? r.array(spec.valueFromOneof.parameterSelectors, child(p, 'valueFromOneof.parameterSelectors')) : [];
    parameters[name] = [...one, ...many].map((s, i) => {
      const so = r.object(s, `${p}[${i}]`);
      return { task: r.string(so.producerSubtask, child(p, 'producerSubtask'), true) ?? '', output: r.string(so.outputParameterKey, child(p, 'outputParameterKey'), true) ?? '' };
    });
  }
  for (const [name, v] of Object.entries(r.object(o.artifacts, child(path, 'artifacts')))) {
    const p = child(child(path, 'artifacts'), name);
    artifacts[name] = r.array(r.object(v, p).artifactSelectors, child(p, 'artifactSelectors')).map((s, i) => {
      const so = r.object(s, `${p}.artifactSelectors[${i}]`);
      return { task: r.string(so.producerSubtask, child(p, 'producerSubtask'), true) ?? '', output: r.string(so.outputArtifactKey, child(p, 'outputArtifactKey'), true) ?? '' };
    });
  }
  return { parameters, artifacts };
}

function readTask(r: Reader, name: string, raw: unknown, path: string): Task {
  const t = r.object(raw, path);
  const info = r.object(t.taskInfo, child(path, 'taskInfo'));
  const inputs = r.object(t.inputs, child(path, 'inputs'));
  const parameters: Record<string, ParameterBinding> = dict();
  const artifacts: Record<string, ArtifactBinding> = dict();
  const ppath = child(child(path, 'inputs'), 'parameters');
  for (const [k, v] of Object.entries(r.object(inputs.parameters, ppath))) {
    const b = readParameterBinding(r, v, child(ppath, k));
    if (b) parameters[k] = b;
  }
  const apath = child(child(path, 'inputs'), 'artifacts');
  for (const [k, v] of Object.entries(r.object(inputs.artifacts, apath))) {
    const b = readArtifactBinding(r, v, child(apath, k));
    if (b) artifacts[k] = b;
  }
  const trigger = r.object(t.triggerPolicy, child(path, 'triggerPolicy'));
  const condition = r.string(trigger.condition, child(path, 'triggerPolicy.condition'));
  const strategy = r.string(trigger.strategy, child(path, 'triggerPolicy.strategy'));
  if (strategy && strategy !== 'ALL_UPSTREAM_TASKS_SUCCEEDED' && strategy !== 'ALL_UPSTREAM_TASKS_COMPLETED') {
    r.error(child(path, 'triggerPolicy.strategy'), `unknown trigger strategy "${strategy}"`, 'use ALL_UPSTREAM_TASKS_SUCCEEDED or ALL_UPSTREAM_TASKS_COMPLETED');
  }
  const componentRef = r.object(t.componentRef, child(path, 'componentRef'), true);
  const caching = r.object(t.cachingOptions, child(path, 'cachingOptions'));
  const task: Task = {
    name,
    displayName: r.string(info.name, child(path, 'taskInfo.name')) ?? name,
    component: r.string(componentRef.name, child(path, 'componentRef.name'), true) ?? '',
    dependsOn: r.array(t.dependentTasks, child(path, 'dependentTasks')).map((d, i) => r.string(d, `${path}.dependentTasks[${i}]`) ?? ''),
    inputs: { parameters, artifacts },
    triggerStrategy: strategy === 'ALL_UPSTREAM_TASKS_COMPLETED' ? 'ALL_UPSTREAM_TASKS_COMPLETED' : 'ALL_UPSTREAM_TASKS_SUCCEEDED',
    // `cachingOptions: {}` is how the SDK writes set_caching_options(False).
    caching: { enabled: r.boolean(caching.enableCache, child(path, 'cachingOptions.enableCache')) ?? false },
  };
  const cacheKey = r.string(caching.cacheKey, child(path, 'cachingOptions.cacheKey'));
  if (cacheKey) task.caching.key = cacheKey;
  if (condition) task.condition = { expression: condition, dialect: 'kfp' };
  const loop = readLoop(r, t, path);
  if (loop) task.loop = loop;
  const retry = readRetry(r, t.retryPolicy, child(path, 'retryPolicy'));
  if (retry) task.retry = retry;
  return task;
}

function readParameterBinding(r: Reader, raw: unknown, path: string): ParameterBinding | undefined {
  const o = r.object(raw, path);
  const selector = r.string(o.parameterExpressionSelector, child(path, 'parameterExpressionSelector'));
  const withSelector = <T extends ParameterBinding>(b: T): T => (selector ? { ...b, selector } : b);
  if (o.componentInputParameter !== undefined) {
    return withSelector({ kind: 'input', name: r.string(o.componentInputParameter, child(path, 'componentInputParameter'), true) ?? '' });
  }
  if (o.taskOutputParameter !== undefined) {
    const tp = r.object(o.taskOutputParameter, child(path, 'taskOutputParameter'));
    return withSelector({
      kind: 'task',
      task: r.string(tp.producerTask, child(path, 'taskOutputParameter.producerTask'), true) ?? '',
      output: r.string(tp.outputParameterKey, child(path, 'taskOutputParameter.outputParameterKey'), true) ?? '',
    });
  }
  if (o.runtimeValue !== undefined) {
    const rv = r.object(o.runtimeValue, child(path, 'runtimeValue'));
    return { kind: 'constant', value: (rv.constant ?? null) as JsonValue };
  }
  if (o.taskFinalStatus !== undefined) {
    const fs = r.object(o.taskFinalStatus, child(path, 'taskFinalStatus'));
    return { kind: 'finalStatus', task: r.string(fs.producerTask, child(path, 'taskFinalStatus.producerTask'), true) ?? '' };
  }
  r.error(path, `input ${path} has no value source`, 'use componentInputParameter, taskOutputParameter, runtimeValue or taskFinalStatus', 'INVALID_BINDING');
  return undefined;
}

function readArtifactBinding(r: Reader, raw: unknown, path: string): ArtifactBinding | undefined {
  const o = r.object(raw, path);
  if (o.componentInputArtifact !== undefined) {
    return { kind: 'input', name: r.string(o.componentInputArtifact, child(path, 'componentInputArtifact'), true) ?? '' };
  }
  if (o.taskOutputArtifact !== undefined) {
    const ta = r.object(o.taskOutputArtifact, child(path, 'taskOutputArtifact'));
    return {
      kind: 'task',
      task: r.string(ta.producerTask, child(path, 'taskOutputArtifact.producerTask'), true) ?? '',
      output: r.string(ta.outputArtifactKey, child(path, 'taskOutputArtifact.outputArtifactKey'), true) ?? '',
    };
  }
  r.error(path, `artifact input ${path} has no source`, 'use componentInputArtifact or taskOutputArtifact', 'INVALID_BINDING');
  return undefined;
}

function readLoop(r: Reader, t: JsonObject, path: string): LoopSpec | undefined {
  const policy = r.object(t.iteratorPolicy, child(path, 'iteratorPolicy'));
  const parallelism = r.integer(policy.parallelismLimit, child(path, 'iteratorPolicy.parallelismLimit'));
  const withParallelism = (l: LoopSpec): LoopSpec => (parallelism && parallelism > 0 ? { ...l, parallelism } : l);
  if (t.parameterIterator !== undefined) {
    const p = child(path, 'parameterIterator');
    const it = r.object(t.parameterIterator, p);
    const itemInput = r.string(it.itemInput, child(p, 'itemInput'), true) ?? '';
    const items = r.object(it.items, child(p, 'items'), true);
    if (items.raw !== undefined) {
      const raw = items.raw;
      let list: unknown = raw;
      if (typeof raw === 'string') {
        try {
          list = JSON.parse(raw);
        } catch {
          list = undefined;
        }
      }
      if (!Array.isArray(list)) {
        r.error(child(p, 'items.raw'), 'loop items must be a JSON list', 'pass a list to dsl.ParallelFor', 'LOOP_ITEMS_NOT_LIST');
        return undefined;
      }
      return withParallelism({ itemInput, items: { kind: 'raw', items: list as JsonValue[] } });
    }
    const input = r.string(items.inputParameter, child(p, 'items.inputParameter'), true) ?? '';
    return withParallelism({ itemInput, items: { kind: 'parameter', input } });
  }
  if (t.artifactIterator !== undefined) {
    const p = child(path, 'artifactIterator');
    const it = r.object(t.artifactIterator, p);
    const items = r.object(it.items, child(p, 'items'), true);
    return withParallelism({
      itemInput: r.string(it.itemInput, child(p, 'itemInput'), true) ?? '',
      items: { kind: 'artifacts', input: r.string(items.inputArtifact, child(p, 'items.inputArtifact'), true) ?? '' },
    });
  }
  return undefined;
}

/**
 * protobuf Duration strings ("3600s", "1.5s"), read with the one duration parser (duration.ts); a negative one is
 * kept negative so that validation reports it rather than a default replacing it.
 */
export function durationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const abs = parseDurationSeconds(s.startsWith('-') ? s.slice(1) : s);
  return abs === undefined ? undefined : s.startsWith('-') ? -abs : abs;
}

function readRetry(r: Reader, raw: unknown, path: string): RetryPolicy | undefined {
  if (raw === undefined) return undefined;
  const o = r.object(raw, path);
  const maxRetries = r.integer(o.maxRetryCount, child(path, 'maxRetryCount')) ?? 0;
  if (maxRetries <= 0) return undefined;
  const duration = (field: string, fallback: number): number => {
    if (o[field] === undefined || o[field] === null) return fallback;
    const seconds = durationSeconds(o[field]);
    if (seconds === undefined) r.error(child(path, field), `${child(path, field)} must be a duration such as "30s", got ${JSON.stringify(o[field])}`, 'write the duration as protobuf does: a number of seconds followed by s', 'INVALID_FIELD');
    return seconds ?? fallback;
  };
  return {
    maxRetries,
    backoffSeconds: duration('backoffDuration', 0),
    backoffFactor: r.number(o.backoffFactor, child(path, 'backoffFactor')) ?? 2,
    maxBackoffSeconds: duration('backoffMaxDuration', 3600),
  };
}

function readPlatform(r: Reader, rest: unknown[]): PlatformSpec {
  const platform: PlatformSpec = { executors: {} };
  for (const [i, doc] of rest.entries()) {
    const path = `document ${i + 2}`;
    const platforms = r.object(r.object(doc, path).platforms, child(path, 'platforms'));
    const k8s = r.object(platforms.kubernetes, child(path, 'platforms.kubernetes'));
    const execs = r.object(r.object(k8s.deploymentSpec, 'platforms.kubernetes.deploymentSpec').executors, 'platforms.kubernetes.deploymentSpec.executors');
    for (const [label, cfg] of Object.entries(execs)) platform.executors[label] = r.object(cfg, child('platforms.kubernetes.deploymentSpec.executors', label));
    if (isObject(k8s.pipelineConfig)) platform.pipelineConfig = k8s.pipelineConfig as JsonObject;
  }
  return platform;
}
