// Loops: the items must be a list (raw), or an input of the loop task that holds one.
import { dagScopes, ownerLabel, report, taskPath, typeLabel, type Ctx, type DagScope } from './validate-context.js';
import { own } from '../util/own.js';
import { child, describe } from './yaml-reader.js';
import type { JsonValue, ParameterType, Task } from './types.js';

export function checkLoops(ctx: Ctx): void {
  for (const scope of dagScopes(ctx.p)) {
    for (const task of Object.values(scope.dag.tasks)) checkLoop(ctx, scope, task);
  }
}

/** One loop task: its items a list, or an input of the task that holds one (by its type where known). */
function checkLoop(ctx: Ctx, scope: DagScope, task: Task): void {
  const loop = task.loop;
  if (!loop) return;
  const tp = taskPath(scope, task.name);
  const path = child(tp, loop.items.kind === 'artifacts' ? 'artifactIterator' : 'parameterIterator');
  const fixList = ctx.p.source === 'native' ? 'loop over a list: loop.items: [a, b] or loop.from a list parameter' : 'pass a list (or a List[...] parameter) to dsl.ParallelFor';
  if (loop.items.kind === 'raw') {
    if (!Array.isArray(loop.items.items)) report(ctx, { code: 'LOOP_ITEMS_NOT_LIST', path: path, task: task.name }, `loop of task "${task.name}" iterates over ${describe(loop.items.items)}, not a list`, fixList);
    return;
  }
  if (loop.items.kind === 'artifacts') {
    if (!Object.hasOwn(task.inputs.artifacts, loop.items.input)) {
      report(ctx, { code: 'UNKNOWN_INPUT', path: path, task: task.name }, `loop of task "${task.name}" iterates over artifact input "${loop.items.input}", which the task does not bind`, `bind inputs.artifacts.${loop.items.input} on the task`);
    }
    return;
  }
  const input = loop.items.input;
  const b = own(task.inputs.parameters, input);
  if (!b) {
    report(ctx, { code: 'UNKNOWN_INPUT', path: path, task: task.name }, `loop of task "${task.name}" iterates over input "${input}", which the task does not bind`, `bind inputs.parameters.${input} on the task`);
    return;
  }
  let type: ParameterType | undefined;
  let source = '';
  if (b.kind === 'constant') {
    if (!isListValue(b.value)) report(ctx, { code: 'LOOP_ITEMS_NOT_LIST', path: path, task: task.name }, `loop of task "${task.name}" iterates over ${describe(b.value)}, not a list`, fixList);
    return;
  } else if (b.kind === 'input' && !b.selector) {
    type = own(scope.owner.inputs.parameters, b.name)?.type;
    source = scope.owner.name === 'root' ? `pipeline parameter "${b.name}"` : `input "${b.name}" of ${ownerLabel(scope.owner)}`;
  } else if (b.kind === 'task' && !b.selector) {
    const producer = own(scope.dag.tasks, b.task);
    type = producer ? own(own(ctx.p.components, producer.component)?.outputs.parameters ?? {}, b.output)?.type : undefined;
    source = `output "${b.output}" of task "${b.task}"`;
  }
  // STRING may hold a JSON list (KFP passes lists between DAG levels that way).
  if (type && type !== 'LIST' && type !== 'STRING') {
    report(ctx, { code: 'LOOP_ITEMS_NOT_LIST', path: path, task: task.name }, `loop of task "${task.name}" iterates over ${source}, which is ${typeLabel(ctx, type)}, not a list`, `${fixList}; declare the source as ${typeLabel(ctx, 'LIST')}`);
  }
}

function isListValue(v: JsonValue): boolean {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'string') return false;
  if (v.includes('{{$')) return true;
  try {
    return Array.isArray(JSON.parse(v));
  } catch {
    return false;
  }
}
