// A task's upstream: one definition for validation (cycles, references) and the engine (what a task waits for).
import type { Task } from './types.js';

/** Tasks whose outputs a task takes (parameters, final status, artifacts), in binding order, repeats kept. */
export function boundTasks(task: Task): string[] {
  const names: string[] = [];
  for (const b of Object.values(task.inputs.parameters)) if (b.kind === 'task' || b.kind === 'finalStatus') names.push(b.task);
  for (const b of Object.values(task.inputs.artifacts)) if (b.kind === 'task') names.push(b.task);
  return names;
}

/** The sibling tasks a task waits for: its explicit dependencies and every task it takes a value from, once each. */
export function upstreamOf(task: Task): string[] {
  return [...new Set([...task.dependsOn, ...boundTasks(task)])];
}
