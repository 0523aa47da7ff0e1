// A loop's items (raw, a parameter's list, a list of artifacts), each item coerced to the body's input type, and
// dsl.Collected over the iterations.
import type { Component, JsonValue, Task } from '../model/types.js';
import { own } from '../util/own.js';
import type { NodeOutputs, ResolvedInputs } from './state.js';
import { coerceParameter } from './values.js';

export function loopItems(items: NonNullable<Task['loop']>['items'], inputs: ResolvedInputs): unknown[] | string {
  if (items.kind === 'raw') return items.items;
  if (items.kind === 'artifacts') {
    const list = own(inputs.artifacts, items.input);
    return list ?? `loop input artifact "${items.input}" has no value`;
  }
  let v: unknown = own(inputs.parameters, items.input);
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return `loop items "${items.input}" is not a list: ${JSON.stringify(v)}`;
    }
  }
  return Array.isArray(v) ? v : `loop items "${items.input}" is not a list: ${JSON.stringify(v ?? null)}`;
}

export function coerceItem(item: JsonValue, comp: Component, itemInput: string): JsonValue {
  const def = own(comp.inputs.parameters, itemInput);
  return def ? (coerceParameter(item, def.type) ?? item) : item;
}

/**
 * dsl.Collected: a list of each iteration's value, in iteration order; artifacts flattened into one list.
 * Iterations that produced no value (the producer sat in a branch that did not run) contribute nothing, as
 * in KFP, rather than a null the consumer's List[int] would choke on.
 */
export function collectIterations(comp: Component, iterations: readonly { outputs?: NodeOutputs }[]): NodeOutputs {
  const out: NodeOutputs = { parameters: {}, artifacts: {} };
  for (const name of Object.keys(comp.outputs.parameters)) {
    out.parameters[name] = iterations.flatMap((r) => {
      const v = own(r.outputs?.parameters ?? {}, name);
      return v === undefined ? [] : [v];
    });
  }
  for (const name of Object.keys(comp.outputs.artifacts)) {
    out.artifacts[name] = iterations.flatMap((r) => own(r.outputs?.artifacts ?? {}, name) ?? []);
  }
  return out;
}
