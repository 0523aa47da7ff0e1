// A task's upstream: one definition for validation (cycles, references) and the engine (what a task waits for).
import type { Task } from './types.js';

/** Tasks whose outputs a task takes (parameters, final status, artifacts), in binding order, repeats kept. */
export function boundTasks(task: Task): string[] {
  const names: string[] = [];
  for (const b of Object.values(task.inputs.parameters)) if (b.kind === 'task' || b.kind === 'finalStatus') names.push(b.task);
  for (const b of Object.values(task.inputs.artifacts)) if (b.kind === 'task') names.push(b.task);
  return names;
}

/** Per task of a parsed pipeline (the model is never changed after parsing): every plan of a run asks again. */
const upstreams = new WeakMap<Task, readonly string[]>();

/** The sibling tasks a task waits for: its explicit dependencies and every task it takes a value from, once each. */
export function upstreamOf(task: Task): readonly string[] {
  let ups = upstreams.get(task);
  if (!ups) upstreams.set(task, (ups = [...new Set([...task.dependsOn, ...boundTasks(task)])]));
  return ups;
}
