// Shared plumbing for the validation passes: where a problem is (IR path, or native path for native pipelines)
// and how types are named to the person reading the message.
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { nativePath } from './native-refs.js';
import { nativeTypeName } from './native-types.js';
import { child } from './yaml-reader.js';
import type { Component, Dag, ParameterType, Pipeline } from './types.js';

export interface Ctx {
  p: Pipeline;
  file?: string;
  out: Diagnostic[];
}

/** A DAG with the component that owns it (its inputs are what `kind: 'input'` bindings refer to). */
export interface DagScope {
  path: string;
  owner: Component;
  dag: Dag;
}

/** `at.path` is IR-shaped; native pipelines get it translated to their own YAML path. */
export function report(ctx: Ctx, at: { code: string; path: string; task?: string }, message: string, fix: string): void {
  const path = ctx.p.source === 'native' ? nativePath(at.path) : at.path;
  ctx.out.push(diagnostic(at.code, { file: ctx.file, path, ...(at.task ? { task: at.task } : {}) }, message, fix));
}

export function typeLabel(ctx: Ctx, t: ParameterType): string {
  return ctx.p.source === 'native' ? nativeTypeName(t) : t;
}

/** Every DAG of the pipeline: the root and each DAG component. */
export function dagScopes(p: Pipeline): DagScope[] {
  const scopes: DagScope[] = [];
  if (p.root.implementation.kind === 'dag') scopes.push({ path: 'root.dag', owner: p.root, dag: p.root.implementation.dag });
  for (const [name, c] of Object.entries(p.components)) {
    if (c.implementation.kind === 'dag') scopes.push({ path: child(child('components', name), 'dag'), owner: c, dag: c.implementation.dag });
  }
  return scopes;
}

export function taskPath(scope: DagScope, name: string): string {
  return child(child(scope.path, 'tasks'), name);
}

/** Names of the sibling tasks a task's input bindings read from. */
export { boundTasks } from './upstream.js';

/** `(component, input)` pairs fed by a loop iterator rather than a binding: their type is the item's. */
export function loopItemInputs(p: Pipeline): Set<string> {
  const set = new Set<string>();
  for (const s of dagScopes(p)) for (const t of Object.values(s.dag.tasks)) if (t.loop) set.add(`${t.component}\u0000${t.loop.itemInput}`);
  return set;
}

/** "the pipeline" for the root, "component comp-x" otherwise. */
export function ownerLabel(c: Component): string {
  return c.name === 'root' ? 'the pipeline' : `component ${c.name}`;
}
