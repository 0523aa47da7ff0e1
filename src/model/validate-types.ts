// Types: producer vs consumer, constants and defaults vs declared types, and required inputs left unset.
import { describe, child } from './yaml-reader.js';
import { own } from '../util/own.js';
import { dagScopes, loopItemInputs, ownerLabel, report, taskPath, typeLabel, type Ctx, type DagScope } from './validate-context.js';
import type { ArtifactTypeRef, Component, JsonValue, ParameterDef, ParameterType, Task } from './types.js';

const ANY_ARTIFACT = 'system.Artifact';

/** Why `v` is not a valid value of `type` (and literals), or undefined when it is. */
export function valueProblem(v: JsonValue, type: ParameterType, literals?: JsonValue[], label: (t: ParameterType) => string = (t) => t): string | undefined {
  if (v === null || (typeof v === 'string' && v.includes('{{$'))) return undefined; // placeholders resolve at run time
  const ok: Record<ParameterType, boolean> = {
    STRING: typeof v === 'string',
    NUMBER_INTEGER: typeof v === 'number' && Number.isInteger(v),
    NUMBER_DOUBLE: typeof v === 'number',
    BOOLEAN: typeof v === 'boolean',
    LIST: Array.isArray(v),
    STRUCT: typeof v === 'object' && !Array.isArray(v),
    TASK_FINAL_STATUS: true,
    TASK_CONFIG: true,
  };
  if (!ok[type]) return `expects ${label(type)}, got ${describe(v)}`;
  if (literals && literals.length > 0 && !literals.some((l) => JSON.stringify(l) === JSON.stringify(v))) {
    return `must be one of ${literals.map((l) => JSON.stringify(l)).join(', ')}, got ${JSON.stringify(v)}`;
  }
  return undefined;
}

export function parameterTypesCompatible(from: ParameterType, to: ParameterType): boolean {
  return from === to || (from === 'NUMBER_INTEGER' && to === 'NUMBER_DOUBLE') || to.startsWith('TASK_') || from.startsWith('TASK_');
}

export function artifactTypesCompatible(from: ArtifactTypeRef, to: ArtifactTypeRef): boolean {
  return from.schemaTitle === to.schemaTitle || from.schemaTitle === ANY_ARTIFACT || to.schemaTitle === ANY_ARTIFACT;
}

export function checkTypes(ctx: Ctx): void {
  const loopItems = loopItemInputs(ctx.p);
  checkDefaults(ctx, ctx.p.root, 'root');
  for (const [name, c] of Object.entries(ctx.p.components)) checkDefaults(ctx, c, child('components', name));
  for (const scope of dagScopes(ctx.p)) {
    for (const task of Object.values(scope.dag.tasks)) {
      const component = own(ctx.p.components, task.component);
      if (!component) continue; // reported by the graph pass
      checkBindings(ctx, scope, task, component, loopItems);
      checkRequired(ctx, scope, task, component);
    }
  }
}

function checkDefaults(ctx: Ctx, c: Component, path: string): void {
  for (const [name, def] of Object.entries(c.inputs.parameters)) {
    if (def.default === undefined) continue;
    const problem = valueProblem(def.default, def.type, def.literals, (t) => typeLabel(ctx, t));
    if (!problem) continue;
    const where = `${child(child(child(path, 'inputDefinitions'), 'parameters'), name)}.defaultValue`;
    report(ctx, { code: 'INVALID_DEFAULT', path: where }, `default of parameter "${name}" of ${ownerLabel(c)} ${problem}`, `change the default to ${typeLabel(ctx, def.type)} or change the parameter's type`);
  }
}

function checkBindings(ctx: Ctx, scope: DagScope, task: Task, component: Component, loopItems: Set<string>): void {
  const tp = taskPath(scope, task.name);
  const label = (t: ParameterType): string => typeLabel(ctx, t);
  for (const [k, b] of Object.entries(task.inputs.parameters)) {
    const def = own(component.inputs.parameters, k);
    if (!def) continue; // hidden inputs (pipelinechannel--…) feed placeholders in constants
    if (task.loop?.items.kind === 'parameter' && task.loop.items.input === k) continue; // the loop pass reports non-lists
    const path = child(child(child(tp, 'inputs'), 'parameters'), k);
    if (b.kind === 'constant') {
      const problem = valueProblem(b.value, def.type, def.literals, label);
      if (problem) report(ctx, { code: 'TYPE_MISMATCH', path: path, task: task.name }, `input "${k}" of task "${task.name}" ${problem}`, `pass ${label(def.type)} here, or change the input's type`);
      continue;
    }
    if (b.kind === 'finalStatus' || ('selector' in b && b.selector)) continue; // selectors pick inside a value: type unknown
    let from: ParameterDef | undefined;
    let source = '';
    if (b.kind === 'input') {
      if (loopItems.has(`${scope.owner.name}\u0000${b.name}`)) continue;
      from = own(scope.owner.inputs.parameters, b.name);
      source = scope.owner.name === 'root' ? `pipeline parameter "${b.name}"` : `input "${b.name}" of ${ownerLabel(scope.owner)}`;
    } else {
      const producer = own(scope.dag.tasks, b.task);
      from = producer ? own(own(ctx.p.components, producer.component)?.outputs.parameters ?? {}, b.output) : undefined;
      source = `output "${b.output}" of task "${b.task}"`;
    }
    if (from && !parameterTypesCompatible(from.type, def.type)) {
      report(ctx, { code: 'TYPE_MISMATCH', path: path, task: task.name }, `input "${k}" of task "${task.name}" is ${label(def.type)} but ${source} is ${label(from.type)}`, `make the types agree: declare "${k}" as ${label(from.type)} or make the source produce ${label(def.type)}`);
    }
  }
  checkArtifactBindings(ctx, scope, task, component, loopItems);
}

function checkArtifactBindings(ctx: Ctx, scope: DagScope, task: Task, component: Component, loopItems: Set<string>): void {
  const tp = taskPath(scope, task.name);
  for (const [k, b] of Object.entries(task.inputs.artifacts)) {
    const def = own(component.inputs.artifacts, k);
    if (!def) continue;
    let from: ArtifactTypeRef | undefined;
    let source = '';
    if (b.kind === 'input') {
      if (loopItems.has(`${scope.owner.name}\u0000${b.name}`)) continue;
      from = own(scope.owner.inputs.artifacts, b.name)?.type;
      source = `input artifact "${b.name}" of ${ownerLabel(scope.owner)}`;
    } else {
      const producer = own(scope.dag.tasks, b.task);
      from = producer ? own(own(ctx.p.components, producer.component)?.outputs.artifacts ?? {}, b.output)?.type : undefined;
      source = `output artifact "${b.output}" of task "${b.task}"`;
    }
    if (from && !artifactTypesCompatible(from, def.type)) {
      report(ctx, { code: 'TYPE_MISMATCH', path: child(child(child(tp, 'inputs'), 'artifacts'), k), task: task.name }, `artifact "${k}" of task "${task.name}" expects ${def.type.schemaTitle} but ${source} is ${from.schemaTitle}`, `make the artifact types agree (or declare the input as ${ANY_ARTIFACT}, which accepts any artifact)`);
    }
  }
}

function checkRequired(ctx: Ctx, scope: DagScope, task: Task, component: Component): void {
  const tp = taskPath(scope, task.name);
  const native = ctx.p.source === 'native';
  for (const [name, def] of Object.entries(component.inputs.parameters)) {
    if (def.optional || def.default !== undefined || Object.hasOwn(task.inputs.parameters, name) || task.loop?.itemInput === name || def.type === 'TASK_CONFIG') continue;
    report(ctx, { code: 'MISSING_ARGUMENT', path: child(child(child(tp, 'inputs'), 'parameters'), name), task: task.name }, `task "${task.name}" does not set required input "${name}" (${typeLabel(ctx, def.type)})`, native ? `give "${name}" a value or from (params.NAME or tasks.TASK.outputs.parameters.NAME), or a default`
        : `bind inputs.parameters.${name} on the task, or give the component input a default`);
  }
  for (const [name, def] of Object.entries(component.inputs.artifacts)) {
    if (def.optional || Object.hasOwn(task.inputs.artifacts, name) || task.loop?.itemInput === name) continue;
    report(ctx, { code: 'MISSING_ARGUMENT', path: child(child(child(tp, 'inputs'), 'artifacts'), name), task: task.name }, `task "${task.name}" does not set required input artifact "${name}" (${def.type.schemaTitle})`, native ? `give "${name}" a from: tasks.TASK.outputs.artifacts.NAME, or mark it optional: true` : `bind inputs.artifacts.${name} on the task, or mark the component input optional`);
  }
}
