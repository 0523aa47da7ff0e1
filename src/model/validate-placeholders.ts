// Placeholders in command lines, images, env, resources and constants: known forms naming declared inputs/outputs.
import { listPlaceholders, parsePlaceholder, type Placeholder } from '../executor/placeholders.js';
import { own } from '../util/own.js';
import { NATIVE_PLACEHOLDER_FORMS, unmappedPlaceholders } from './native-refs.js';
import { suggestFix } from './suggest.js';
import { dagScopes, report, taskPath, type Ctx } from './validate-context.js';
import { child } from './yaml-reader.js';
import type { CommandItem, Component, ContainerExecutor } from './types.js';

const KFP_FORMS = "{{$}}, {{$.inputs.parameters['NAME']}}, {{$.inputs.artifacts['NAME'].path|uri|metadata}}, {{$.outputs.parameters['NAME'].output_file}}, {{$.outputs.artifacts['NAME'].path|uri|metadata}}, {{$.pipeline_job_name}}, {{$.pipeline_task_name}}, …";

interface Site {
  ctx: Ctx;
  path: string;
  task?: string;
  /** Parameter names a placeholder may read here. */
  params: string[];
  component?: Component;
}

export function checkPlaceholders(ctx: Ctx): void {
  const boundBy = new Map<string, Set<string>>();
  for (const scope of dagScopes(ctx.p)) {
    for (const t of Object.values(scope.dag.tasks)) {
      const set = boundBy.get(t.component) ?? new Set<string>();
      Object.keys(t.inputs.parameters).forEach((k) => set.add(k));
      boundBy.set(t.component, set);
      checkConstants(ctx, taskPath(scope, t.name), t.name, t.inputs.parameters);
    }
  }
  const done = new Set<string>();
  for (const c of Object.values(ctx.p.components)) {
    if (c.implementation.kind !== 'executor' || done.has(c.implementation.executor)) continue;
    const label = c.implementation.executor;
    done.add(label);
    const ex = own(ctx.p.executors, label);
    if (ex?.kind !== 'container') continue;
    const params = [...new Set([...Object.keys(c.inputs.parameters), ...(boundBy.get(c.name) ?? [])])];
    checkContainer(ctx, ex, child(child(child('deploymentSpec', 'executors'), label), 'container'), params, c);
  }
}

function checkContainer(ctx: Ctx, ex: ContainerExecutor, path: string, params: string[], component: Component): void {
  const at = (p: string): Site => ({ ctx, path: p, params, component });
  ex.command.forEach((item, i) => checkItem(at(`${child(path, 'command')}[${i}]`), item));
  ex.args.forEach((item, i) => checkItem(at(`${child(path, 'args')}[${i}]`), item));
  checkString(at(child(path, 'image')), ex.image);
  ex.env.forEach((e, i) => checkString(at(`${child(path, 'env')}[${i}].value`), e.value));
  for (const [k, v] of Object.entries(ex.resources)) {
    if (typeof v === 'string') checkString(at(child(child(path, 'resources'), k)), v);
  }
}

function checkItem(site: Site, item: CommandItem): void {
  if (typeof item === 'string') return checkString(site, item);
  if ('concat' in item) return item.concat.forEach((x) => checkItem(site, x));
  const c = site.component;
  if (c && !(Object.hasOwn(c.inputs.parameters, item.ifPresent.input)) && !(Object.hasOwn(c.inputs.artifacts, item.ifPresent.input))) {
    report(site.ctx, { code: 'UNKNOWN_PLACEHOLDER', path: site.path, task: site.task }, `IfPresent names input "${item.ifPresent.input}", which ${c.name} does not declare`,
      suggestFix(item.ifPresent.input, [...Object.keys(c.inputs.parameters), ...Object.keys(c.inputs.artifacts)], 'input'));
  }
  item.ifPresent.then.forEach((x) => checkItem(site, x));
  item.ifPresent.else.forEach((x) => checkItem(site, x));
}

function checkConstants(ctx: Ctx, tp: string, task: string, bindings: Record<string, { kind: string; value?: unknown }>): void {
  const params = Object.keys(bindings);
  for (const [k, b] of Object.entries(bindings)) {
    if (b.kind === 'constant' && typeof b.value === 'string') checkString({ ctx, path: child(child(child(tp, 'inputs'), 'parameters'), k), task, params }, b.value);
  }
}

function checkString(site: Site, s: string): void {
  const { ctx } = site;
  const native = ctx.p.source === 'native';
  if (native) {
    for (const text of unmappedPlaceholders(s)) {
      report(ctx, { code: 'UNKNOWN_PLACEHOLDER', path: site.path, task: site.task }, `unknown placeholder ${text}`, `use one of ${NATIVE_PLACEHOLDER_FORMS.join(', ')}`);
    }
  }
  for (const text of listPlaceholders([s])) {
    const p = parsePlaceholder(text.slice(3, -2));
    if (!p) {
      report(ctx, { code: 'UNKNOWN_PLACEHOLDER', path: site.path, task: site.task }, `unknown placeholder ${text}`, `use one of ${native ? NATIVE_PLACEHOLDER_FORMS.join(', ') : KFP_FORMS}`);
      continue;
    }
    const problem = nameProblem(site, p);
    if (problem) report(ctx, { code: 'UNKNOWN_PLACEHOLDER', path: site.path, task: site.task }, `placeholder ${shown(ctx, p, text)} ${problem.message}`, problem.fix);
  }
}

function nameProblem(site: Site, p: Placeholder): { message: string; fix: string } | undefined {
  const c = site.component;
  const declare = site.ctx.p.source === 'native' ? 'declare it in the task' : 'declare it in the component';
  const check = (name: string, names: string[], what: string): { message: string; fix: string } | undefined =>
    names.includes(name) ? undefined : { message: `names ${what} "${name}", which is not declared`, fix: `${suggestFix(name, names.filter((n) => !n.startsWith('pipelinechannel--')), what)} (or ${declare})` };
  if (p.kind === 'inputParameter') return check(p.name, site.params, 'input parameter');
  if (!c) return undefined;
  if (p.kind === 'artifact') return check(p.name, Object.keys(c[p.io].artifacts), p.io === 'inputs' ? 'input artifact' : 'output artifact');
  if (p.kind === 'outputParameterFile') return check(p.name, Object.keys(c.outputs.parameters), 'output parameter');
  return undefined;
}

/** Native pipelines see placeholders as they wrote them. */
function shown(ctx: Ctx, p: Placeholder, text: string): string {
  if (ctx.p.source !== 'native') return text;
  if (p.kind === 'inputParameter') return `{{inputs.parameters.${p.name}}}`;
  if (p.kind === 'outputParameterFile') return `{{outputs.parameters.${p.name}.path}}`;
  if (p.kind === 'artifact') return `{{${p.io}.artifacts.${p.name}${p.field ? `.${p.field}` : ''}}}`;
  return text;
}
