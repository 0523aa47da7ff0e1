// A root-level loop over a pipeline parameter: its item count is known before anything runs (from the argument,
// or the parameter's default), so `validate`, the CLI and the controller's admission refuse one over the loop-item
// limit up front, as the engine would when it expands the loop.
import { own } from '../util/own.js';
import type { JsonValue, Pipeline } from './types.js';

export interface RootLoop {
  /** The looping task (a task of the root DAG). */
  task: string;
  /** The pipeline parameter it iterates over. */
  parameter: string;
}

/** Root tasks whose loop items come straight from a pipeline parameter (no selector). */
export function rootParameterLoops(p: Pipeline): RootLoop[] {
  if (p.root.implementation.kind !== 'dag') return [];
  const out: RootLoop[] = [];
  for (const task of Object.values(p.root.implementation.dag.tasks)) {
    if (task.loop?.items.kind !== 'parameter') continue;
    const b = own(task.inputs.parameters, task.loop.items.input);
    if (b?.kind === 'input' && !b.selector) out.push({ task: task.name, parameter: b.name });
  }
  return out;
}

/** How many items a loop over `value` has: a list, or a JSON string of one (as KFP passes it); else undefined. */
export function loopItemCount(value: JsonValue | undefined): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (typeof value !== 'string' || !value.trimStart().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(value) as unknown;
    return Array.isArray(v) ? v.length : undefined;
  } catch {
    return undefined;
  }
}
