// A native `loop:` becomes KFP's shape: a DAG task `<task>` (component `comp-<task>--loop`) iterating over a
// one-task DAG that runs the real task per item. Values from outside cross the boundary as pipelinechannel-- inputs.
import { channelName, parseRef } from './native-refs.js';
import { own } from '../util/own.js';
import type { NativeScope } from './native-task.js';
import { checkKeys, readParameterType, typeOfValue } from './native-types.js';
import type { Reader } from './yaml-reader.js';
import { child, dict } from './yaml-reader.js';
import type { ArtifactBinding, Component, IoDefinitions, LoopSpec, ParameterBinding, ParameterType, Task } from './types.js';

export function wrapLoop({ r, scope }: { r: Reader; scope: NativeScope }, inner: Task, comp: Component, raw: unknown, path: string): { task: Task; component: Component } {
  const o = r.object(raw, path);
  checkKeys(r, o, path, ['items', 'from', 'as', 'type', 'parallelism']);
  const outer: Task = {
    name: inner.name,
    displayName: inner.displayName,
    component: `comp-${inner.name}--loop`,
    dependsOn: inner.dependsOn,
    inputs: { parameters: {}, artifacts: {} },
    triggerStrategy: inner.triggerStrategy,
    caching: { ...inner.caching },
  };
  const io: IoDefinitions = { parameters: {}, artifacts: {} };
  const params: Record<string, ParameterBinding> = dict();
  for (const [k, b] of Object.entries(inner.inputs.parameters)) {
    if (b.kind !== 'input' && b.kind !== 'task') {
      params[k] = b;
      continue;
    }
    const ref = b.kind === 'input' ? ({ kind: 'param', name: b.name } as const) : ({ kind: 'taskParam', task: b.task, output: b.output } as const);
    const chan = channelName(ref);
    outer.inputs.parameters[chan] = b;
    const type = b.kind === 'input' ? own(scope.params, b.name)?.type : own(scope.outputs.get(b.task)?.parameters ?? {}, b.output);
    io.parameters[chan] = { type: type ?? 'STRING', optional: false };
    params[k] = { kind: 'input', name: chan };
  }
  const artifacts: Record<string, ArtifactBinding> = dict();
  for (const [k, b] of Object.entries(inner.inputs.artifacts)) {
    if (b.kind !== 'task') {
      artifacts[k] = b;
      continue;
    }
    const chan = channelName({ kind: 'taskArtifact', task: b.task, output: b.output });
    outer.inputs.artifacts[chan] = b;
    const type = own(scope.outputs.get(b.task)?.artifacts ?? {}, b.output) ?? { schemaTitle: 'system.Artifact', schemaVersion: '0.0.1' };
    io.artifacts[chan] = { type, isList: false, optional: false };
    artifacts[k] = { kind: 'input', name: chan };
  }

  const loop = readItems({ r, scope }, outer, io, o, path);
  const as = r.string(o.as, child(path, 'as')) ?? 'item';
  if (Object.hasOwn(comp.inputs.parameters, as)) {
    r.error(child(path, 'as'), `loop item "${as}" is also declared under inputs.parameters`, `remove the input "${as}" (the loop provides it) or choose another name with loop.as`, 'DUPLICATE_NAME');
  }
  const first = loop?.items.kind === 'raw' ? loop.items.items[0] : undefined;
  const itemType: ParameterType = readParameterType(r, o.type, child(path, 'type')) ?? (first !== undefined ? typeOfValue(first) : 'STRING');
  if (loop) {
    io.parameters[loop.itemInput] = { type: itemType, optional: false };
    params[as] = { kind: 'input', name: loop.itemInput };
    outer.loop = loop;
  }
  comp.inputs.parameters[as] = { type: itemType, optional: false };
  inner.inputs = { parameters: params, artifacts };
  inner.dependsOn = [];
  const component: Component = {
    name: outer.component,
    inputs: io,
    outputs: { parameters: {}, artifacts: {} },
    implementation: { kind: 'dag', dag: { tasks: { [inner.name]: inner }, outputs: { parameters: {}, artifacts: {} } } },
  };
  return { task: outer, component };
}

function readItems({ r, scope }: { r: Reader; scope: NativeScope }, outer: Task, io: IoDefinitions, o: Record<string, unknown>, path: string): LoopSpec | undefined {
  const name = outer.name;
  let loop: LoopSpec | undefined;
  if ((o.items === undefined) === (o.from === undefined)) {
    r.error(path, 'a loop needs exactly one of items (a list) or from (params.NAME or tasks.TASK.outputs.parameters.NAME)', 'set loop.items or loop.from', 'INVALID_LOOP');
  } else if (o.items !== undefined) {
    if (!Array.isArray(o.items)) {
      r.error(child(path, 'items'), `loop items must be a list, got ${JSON.stringify(o.items)}`, 'write loop.items as a YAML list, e.g. [1, 2, 3]', 'LOOP_ITEMS_NOT_LIST');
    } else {
      loop = { itemInput: `pipelinechannel--${name}-loop-item`, items: { kind: 'raw', items: o.items } };
    }
  } else {
    const text = r.string(o.from, child(path, 'from')) ?? '';
    const ref = parseRef(text);
    if (!ref || ref.kind === 'taskArtifact') {
      r.error(child(path, 'from'), `"${text}" is not a parameter reference`, 'write params.NAME or tasks.TASK.outputs.parameters.NAME', 'INVALID_REFERENCE');
    } else {
      const chan = channelName(ref);
      outer.inputs.parameters[chan] = ref.kind === 'param' ? { kind: 'input', name: ref.name } : { kind: 'task', task: ref.task, output: ref.output };
      if (ref.kind === 'taskParam' && !outer.dependsOn.includes(ref.task)) outer.dependsOn.push(ref.task);
      const type = ref.kind === 'param' ? own(scope.params, ref.name)?.type : own(scope.outputs.get(ref.task)?.parameters ?? {}, ref.output);
      io.parameters[chan] = { type: type ?? 'LIST', optional: false };
      loop = { itemInput: `${chan}-loop-item`, items: { kind: 'parameter', input: chan } };
    }
  }
  const parallelism = r.integer(o.parallelism, child(path, 'parallelism'));
  if (loop && parallelism !== undefined && parallelism > 0) loop.parallelism = parallelism;
  return loop;
}
