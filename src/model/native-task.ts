// One native task → a Task, its own component `comp-<task>` and executor `exec-<task>`.
import { channelName, mapCommandString, parseRef, wholeRef, type NativeRef } from './native-refs.js';
import { own } from '../util/own.js';
import { checkKeys, namedEntries, readArtifactType, readParameterType, typeOfValue } from './native-types.js';
import type { Reader } from './yaml-reader.js';
import { child, dict, isObject } from './yaml-reader.js';
import type {
  ArtifactBinding, ArtifactTypeRef, CommandItem, Component, Executor, IoDefinitions, JsonObject, JsonValue,
  ParameterBinding, ParameterDef, ParameterType, Resources, Task,
} from './types.js';

export const TASK_FIELDS = [
  'name', 'displayName', 'image', 'command', 'args', 'env', 'resources', 'inputs', 'outputs', 'dependsOn',
  'when', 'trigger', 'retries', 'timeout', 'cache', 'loop', 'importer',
] as const;

/** What other tasks may consume from a task, known before any task is read (for type inference). */
export interface DeclaredOutputs {
  parameters: Record<string, ParameterType>;
  artifacts: Record<string, ArtifactTypeRef>;
}

export interface NativeScope {
  params: Record<string, ParameterDef>;
  outputs: Map<string, DeclaredOutputs>;
}

export function readOutputs(r: Reader, raw: unknown, path: string): { io: IoDefinitions; declared: DeclaredOutputs } {
  const o = r.object(raw, path);
  checkKeys(r, o, path, ['parameters', 'artifacts']);
  const io: IoDefinitions = { parameters: {}, artifacts: {} };
  const declared: DeclaredOutputs = { parameters: {}, artifacts: {} };
  for (const e of namedEntries(r, o.parameters, child(path, 'parameters'))) {
    checkKeys(r, e.o, e.path, ['name', 'type', 'description']);
    const type = readParameterType(r, e.o.type, child(e.path, 'type')) ?? 'STRING';
    io.parameters[e.name] = { type, optional: false, ...(typeof e.o.description === 'string' ? { description: e.o.description } : {}) };
    declared.parameters[e.name] = type;
  }
  for (const e of namedEntries(r, o.artifacts, child(path, 'artifacts'))) {
    checkKeys(r, e.o, e.path, ['name', 'type', 'description']);
    const type = readArtifactType(r, e.o.type, child(e.path, 'type'));
    io.artifacts[e.name] = { type, isList: false, optional: false };
    declared.artifacts[e.name] = type;
  }
  return { io, declared };
}

/** Collects a task's bindings; hidden `pipelinechannel--` inputs carry references used inside strings. */
export class TaskBuilder {
  readonly parameters: Record<string, ParameterBinding> = dict();
  readonly artifacts: Record<string, ArtifactBinding> = dict();
  readonly inputs: IoDefinitions = { parameters: {}, artifacts: {} };
  readonly deps = new Set<string>();

  constructor(readonly scope: NativeScope) {}

  typeOf(ref: NativeRef): ParameterType | undefined {
    if (ref.kind === 'param') return own(this.scope.params, ref.name)?.type;
    if (ref.kind === 'taskParam') return own(this.scope.outputs.get(ref.task)?.parameters ?? {}, ref.output);
    return undefined;
  }

  paramBinding(ref: NativeRef): ParameterBinding {
    if (ref.kind === 'param') return { kind: 'input', name: ref.name };
    this.deps.add(ref.task);
    return { kind: 'task', task: ref.task, output: ref.output };
  }

  /** Binds a reference under its hidden name; `declare` also adds it to the component (command lines need that). */
  hidden(ref: NativeRef, declare: boolean): string {
    const name = channelName(ref);
    if (ref.kind === 'taskArtifact') {
      this.deps.add(ref.task);
      this.artifacts[name] = { kind: 'task', task: ref.task, output: ref.output };
      return name;
    }
    this.parameters[name] = this.paramBinding(ref);
    if (declare) this.inputs.parameters[name] = { type: this.typeOf(ref) ?? 'STRING', optional: false };
    return name;
  }

  commandItem(v: JsonValue, path: string, r: Reader): CommandItem {
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') {
      r.error(path, `${path} must be a string, got ${JSON.stringify(v)}`, 'quote the value', 'INVALID_FIELD');
      return '';
    }
    return mapCommandString(v, (ref) => this.hidden(ref, true));
  }
}

const REF_FIX = 'write params.NAME or tasks.TASK.outputs.parameters.NAME';

export function readInputParameters(r: Reader, b: TaskBuilder, raw: unknown, path: string): void {
  for (const e of namedEntries(r, raw, path)) {
    checkKeys(r, e.o, e.path, ['name', 'type', 'value', 'from', 'default', 'optional', 'description']);
    const explicit = readParameterType(r, e.o.type, child(e.path, 'type'));
    let inferred: ParameterType | undefined;
    if (e.o.from !== undefined && e.o.value !== undefined) {
      r.error(e.path, `input "${e.name}" has both value and from`, 'keep one of them', 'INVALID_BINDING');
    }
    const refText = e.o.from !== undefined ? r.string(e.o.from, child(e.path, 'from')) : undefined;
    const ref = refText !== undefined ? parseRef(refText) : typeof e.o.value === 'string' ? wholeRef(e.o.value) : undefined;
    if (refText !== undefined && (!ref || ref.kind === 'taskArtifact')) {
      r.error(child(e.path, 'from'), `"${refText}" is not a parameter reference`, REF_FIX, 'INVALID_REFERENCE');
    } else if (ref && ref.kind !== 'taskArtifact') {
      b.parameters[e.name] = b.paramBinding(ref);
      inferred = b.typeOf(ref);
    } else if (e.o.value !== undefined && e.o.value !== null) {
      const v = e.o.value;
      const value = typeof v === 'string' ? mapCommandString(v, (x) => b.hidden(x, false)) : v;
      b.parameters[e.name] = { kind: 'constant', value };
      inferred = typeOfValue(v);
    }
    const def: ParameterDef = { type: explicit ?? inferred ?? 'STRING', optional: e.o.optional === true || e.o.default !== undefined };
    if (e.o.default !== undefined) def.default = e.o.default;
    if (typeof e.o.description === 'string') def.description = e.o.description;
    b.inputs.parameters[e.name] = def;
  }
}

export function readInputArtifacts(r: Reader, b: TaskBuilder, raw: unknown, path: string): void {
  for (const e of namedEntries(r, raw, path)) {
    checkKeys(r, e.o, e.path, ['name', 'type', 'from', 'optional', 'description']);
    let type: ArtifactTypeRef | undefined = e.o.type !== undefined ? readArtifactType(r, e.o.type, child(e.path, 'type')) : undefined;
    const refText = r.string(e.o.from, child(e.path, 'from'));
    if (refText !== undefined) {
      const ref = parseRef(refText);
      if (ref?.kind !== 'taskArtifact') {
        r.error(child(e.path, 'from'), `"${refText}" is not an artifact reference`, 'write tasks.TASK.outputs.artifacts.NAME', 'INVALID_REFERENCE');
      } else {
        b.deps.add(ref.task);
        b.artifacts[e.name] = { kind: 'task', task: ref.task, output: ref.output };
        type ??= own(b.scope.outputs.get(ref.task)?.artifacts ?? {}, ref.output);
      }
    }
    b.inputs.artifacts[e.name] = { type: type ?? { schemaTitle: 'system.Artifact', schemaVersion: '0.0.1' }, isList: false, optional: e.o.optional === true };
  }
}

export function readResources(r: Reader, raw: unknown, path: string): Resources {
  const o = r.object(raw, path);
  checkKeys(r, o, path, ['requests', 'limits']);
  const res: Resources = {};
  const req = r.object(o.requests, child(path, 'requests'));
  checkKeys(r, req, child(path, 'requests'), ['cpu', 'memory']);
  const lim = r.object(o.limits, child(path, 'limits'));
  const q = (v: unknown, p: string): string | undefined => r.string(v, p);
  const set = (k: keyof Omit<Resources, 'accelerator'>, v: string | undefined): void => {
    if (v !== undefined) res[k] = v;
  };
  set('cpuRequest', q(req.cpu, `${path}.requests.cpu`));
  set('memoryRequest', q(req.memory, `${path}.requests.memory`));
  set('cpuLimit', q(lim.cpu, `${path}.limits.cpu`));
  set('memoryLimit', q(lim.memory, `${path}.limits.memory`));
  const extra = Object.keys(lim).filter((k) => k !== 'cpu' && k !== 'memory');
  if (extra.length > 1) r.error(child(path, 'limits'), `only one accelerator limit is supported, got ${extra.join(', ')}`, 'keep one accelerator resource', 'INVALID_FIELD');
  const acc = extra[0];
  if (acc) res.accelerator = { type: acc, count: q(lim[acc], child(child(path, 'limits'), acc)) ?? '1' };
  return res;
}

export function readEnv(r: Reader, b: TaskBuilder, raw: unknown, path: string): { name: string; value: string }[] {
  // A K8s-style list, or a plain mapping for brevity.
  if (isObject(raw)) return Object.entries(raw).map(([name, v]) => ({ name, value: String(b.commandItem(v, child(path, name), r)) }));
  return namedEntries(r, raw, path).map((e) => {
    checkKeys(r, e.o, e.path, ['name', 'value']);
    return { name: e.name, value: String(b.commandItem(e.o.value ?? '', child(e.path, 'value'), r)) };
  });
}

/** Builds the container or importer executor of a task. */
export function readExecutor(r: Reader, b: TaskBuilder, t: JsonObject, path: string): Executor {
  if (t.importer !== undefined) {
    const p = child(path, 'importer');
    const im = r.object(t.importer, p);
    checkKeys(r, im, p, ['uri', 'type', 'metadata', 'reimport']);
    if (t.image !== undefined) r.error(child(path, 'image'), 'a task has either image or importer', 'remove one of them', 'INVALID_FIELD');
    const uriText = r.string(im.uri, child(p, 'uri'), true) ?? '';
    const ref = wholeRef(uriText);
    let uri: { kind: 'constant'; value: string } | { kind: 'input'; name: string } = { kind: 'constant', value: uriText };
    if (ref && ref.kind !== 'taskArtifact') {
      b.parameters.uri = b.paramBinding(ref);
      b.inputs.parameters.uri = { type: 'STRING', optional: false };
      uri = { kind: 'input', name: 'uri' };
    }
    return { kind: 'importer', uri, type: readArtifactType(r, im.type, child(p, 'type')), metadata: r.object(im.metadata, child(p, 'metadata')), reimport: im.reimport === true };
  }
  const items = (key: 'command' | 'args'): CommandItem[] =>
    r.array(t[key], child(path, key)).map((v, i) => b.commandItem(v, `${child(path, key)}[${i}]`, r));
  const image = r.string(t.image, child(path, 'image'), true) ?? '';
  return {
    kind: 'container',
    image: String(b.commandItem(image, child(path, 'image'), r)),
    command: items('command'),
    args: items('args'),
    env: readEnv(r, b, t.env, child(path, 'env')),
    resources: readResources(r, t.resources, child(path, 'resources')),
  };
}

export type { Component, Task };
