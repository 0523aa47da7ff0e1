// Structure of the DAGs: references to tasks, components, executors, inputs and outputs, and cycles.
import { MAX_SHOWN } from './diagnostics.js';
import { own } from '../util/own.js';
import { suggestFix } from './suggest.js';
import { upstreamOf } from './upstream.js';
import { boundTasks, dagScopes, ownerLabel, report, taskPath, type Ctx, type DagScope } from './validate-context.js';
import { child } from './yaml-reader.js';
import type { Component, Task } from './types.js';

/**
 * Cycles in a directed graph, each as a path whose first node is repeated at the end (`[a, b, a]`).
 * Finds at least one cycle whenever there is one (a DFS back edge); distinct node sets reported once.
 */
export function findCycles(nodes: readonly string[], successors: (n: string) => readonly string[]): string[][] {
  const known = new Set(nodes);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const onPath = new Map<string, number>();
  const cycles: string[][] = [];
  const seen = new Set<string>();
  // Iterative DFS (the depth of a dependency chain is the user's): each frame holds its successor list and position.
  const frames: { n: string; next: readonly string[]; i: number }[] = [];
  const open = (n: string): void => {
    state.set(n, 'open');
    onPath.set(n, path.length);
    path.push(n);
    frames.push({ n, next: successors(n), i: 0 });
  };
  for (const start of nodes) {
    if (state.has(start)) continue;
    open(start);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      if (f.i >= f.next.length) {
        frames.pop();
        path.pop();
        onPath.delete(f.n);
        state.set(f.n, 'done');
        continue;
      }
      const m = f.next[f.i++]!;
      if (!known.has(m)) continue;
      const s = state.get(m);
      if (s === undefined) open(m);
      else if (s === 'open') {
        const cycle = path.slice(onPath.get(m));
        const key = [...cycle].sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, m]);
        }
      }
    }
  }
  return cycles;
}


export function checkGraph(ctx: Ctx): void {
  for (const scope of dagScopes(ctx.p)) {
    checkDagCycles(ctx, scope);
    for (const task of Object.values(scope.dag.tasks)) checkTaskRefs(ctx, scope, task);
    checkDagOutputs(ctx, scope);
  }
  checkExecutors(ctx);
  checkComponentRecursion(ctx);
}

function checkDagCycles(ctx: Ctx, scope: DagScope): void {
  const tasks = scope.dag.tasks;
  // Edges point downstream so the cycle reads in run order: a -> b means b needs a.
  const downstream = new Map<string, string[]>();
  for (const t of Object.values(tasks)) {
    for (const u of upstreamOf(t)) {
      const list = downstream.get(u);
      if (list) list.push(t.name);
      else downstream.set(u, [t.name]);
    }
  }
  // One line per tangle: cycles sharing a task are one problem to the person fixing it.
  const covered = new Set<string>();
  for (const cycle of findCycles(Object.keys(tasks), (n) => downstream.get(n) ?? [])) {
    if (cycle.some((t) => covered.has(t))) continue;
    cycle.forEach((t) => covered.add(t));
    const first = cycle[0]!;
    const text = cycle.join(' -> ');
    const pairs = cycle.slice(1).map((t, i) => `${t} needs ${cycle[i]}`).join(', ');
    report(ctx, { code: 'CYCLE', path: child(taskPath(scope, cycle[1] ?? first), 'dependentTasks'), task: cycle[1] ?? first }, `tasks form a cycle: ${text}`, `break the cycle by removing one of these dependencies (${pairs}); a task can only depend on tasks that run before it`);
  }
}

function checkTaskRefs(ctx: Ctx, scope: DagScope, task: Task): void {
  const tp = taskPath(scope, task.name);
  // Only needed for a suggestion: computed on the first problem, not per task (that made validation quadratic);
  // past the problems anyone reads (MAX_SHOWN), no suggestion is searched for at all.
  let names: string[] | undefined;
  const taskFix = (name: string): string => {
    if (ctx.out.length >= MAX_SHOWN) return 'use the name of a task in this DAG';
    names ??= Object.keys(scope.dag.tasks).filter((n) => n !== task.name);
    return suggestFix(name, names, 'task');
  };
  const bound = new Set(boundTasks(task));
  task.dependsOn.forEach((d, i) => {
    if (own(scope.dag.tasks, d) || bound.has(d)) return; // unknown bound tasks are reported at the binding
    report(ctx, { code: 'UNKNOWN_TASK', path: `${child(tp, 'dependentTasks')}[${i}]`, task: task.name }, `task "${task.name}" depends on unknown task "${d}"`, taskFix(d));
  });
  const component = own(ctx.p.components, task.component);
  if (!component) {
    report(ctx, { code: 'UNKNOWN_COMPONENT', path: `${tp}.componentRef.name`, task: task.name }, `task "${task.name}" uses unknown component "${task.component}"`, suggestFix(task.component, Object.keys(ctx.p.components), 'component'));
  }
  const sibling = (name: string, path: string): Component | undefined => {
    const t = own(scope.dag.tasks, name);
    if (!t) {
      report(ctx, { code: 'UNKNOWN_TASK', path: path, task: task.name }, `task "${task.name}" takes a value from unknown task "${name}"`, taskFix(name));
      return undefined;
    }
    return own(ctx.p.components, t.component);
  };
  for (const [k, b] of Object.entries(task.inputs.parameters)) {
    const path = child(child(child(tp, 'inputs'), 'parameters'), k);
    if (b.kind === 'input' && !own(scope.owner.inputs.parameters, b.name)) {
      const names = Object.keys(scope.owner.inputs.parameters);
      const what = scope.owner.name === 'root' ? 'pipeline parameter' : `input of ${ownerLabel(scope.owner)}`;
      report(ctx, { code: 'UNKNOWN_INPUT', path: path, task: task.name }, `input "${k}" of task "${task.name}" reads ${what} "${b.name}", which does not exist`, scope.owner.name === 'root' ? `${suggestFix(b.name, names, 'parameter')} (or declare it under the pipeline's parameters)` : suggestFix(b.name, names, 'input'));
    } else if (b.kind === 'task' || b.kind === 'finalStatus') {
      const producer = sibling(b.task, path);
      if (b.kind === 'task' && producer && !own(producer.outputs.parameters, b.output)) {
        report(ctx, { code: 'UNKNOWN_OUTPUT', path: path, task: task.name }, `input "${k}" of task "${task.name}" reads output parameter "${b.output}" of task "${b.task}", which has no such output`, suggestFix(b.output, Object.keys(producer.outputs.parameters), 'output parameter'));
      }
    }
  }
  for (const [k, b] of Object.entries(task.inputs.artifacts)) {
    const path = child(child(child(tp, 'inputs'), 'artifacts'), k);
    if (b.kind === 'input' && !own(scope.owner.inputs.artifacts, b.name)) {
      report(ctx, { code: 'UNKNOWN_INPUT', path: path, task: task.name }, `artifact "${k}" of task "${task.name}" reads input artifact "${b.name}" of ${ownerLabel(scope.owner)}, which does not exist`, suggestFix(b.name, Object.keys(scope.owner.inputs.artifacts), 'input artifact'));
    } else if (b.kind === 'task') {
      const producer = sibling(b.task, path);
      if (producer && !own(producer.outputs.artifacts, b.output)) {
        report(ctx, { code: 'UNKNOWN_OUTPUT', path: path, task: task.name }, `artifact "${k}" of task "${task.name}" reads output artifact "${b.output}" of task "${b.task}", which has no such output`, suggestFix(b.output, Object.keys(producer.outputs.artifacts), 'output artifact'));
      }
    }
  }
}

function checkDagOutputs(ctx: Ctx, scope: DagScope): void {
  for (const kind of ['parameters', 'artifacts'] as const) {
    for (const [name, selectors] of Object.entries(scope.dag.outputs[kind])) {
      const path = child(child(child(scope.path, 'outputs'), kind), name);
      for (const s of selectors) {
        const t = own(scope.dag.tasks, s.task);
        if (!t) {
          report(ctx, { code: 'UNKNOWN_TASK', path: path }, `output "${name}" of ${ownerLabel(scope.owner)} comes from unknown task "${s.task}"`, suggestFix(s.task, Object.keys(scope.dag.tasks), 'task'));
          continue;
        }
        const outputs = own(ctx.p.components, t.component)?.outputs[kind];
        if (outputs && !outputs[s.output]) {
          report(ctx, { code: 'UNKNOWN_OUTPUT', path: path }, `output "${name}" of ${ownerLabel(scope.owner)} reads "${s.output}" of task "${s.task}", which has no such output`, suggestFix(s.output, Object.keys(outputs), 'output'));
        }
      }
    }
  }
}

function checkExecutors(ctx: Ctx): void {
  for (const [name, c] of Object.entries(ctx.p.components)) {
    if (c.implementation.kind !== 'executor' || own(ctx.p.executors, c.implementation.executor)) continue;
    const label = c.implementation.executor;
    report(ctx, { code: 'UNKNOWN_EXECUTOR', path: child(child('components', name), 'executorLabel') }, `component ${name} names executor "${label}", which deploymentSpec.executors does not define`, suggestFix(label, Object.keys(ctx.p.executors), 'executor'));
  }
}

/** A DAG component that (indirectly) contains itself would expand forever. */
function checkComponentRecursion(ctx: Ctx): void {
  const children = (name: string): string[] => {
    const c = own(ctx.p.components, name);
    return c?.implementation.kind === 'dag' ? Object.values(c.implementation.dag.tasks).map((t) => t.component) : [];
  };
  for (const cycle of findCycles(Object.keys(ctx.p.components), children)) {
    report(ctx, { code: 'CYCLE', path: child(child('components', cycle[0]!), 'dag') }, `component ${cycle[0]} contains itself: ${cycle.join(' -> ')}`, 'a DAG component cannot use itself, directly or through others; remove the task that closes the loop');
  }
}
