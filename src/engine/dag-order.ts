// The order a DAG's tasks are evaluated in: upstreams first. Computed once per DAG of a parsed pipeline.
import type { Dag } from '../model/types.js';
import { upstreamOf } from '../model/upstream.js';
import { own } from '../util/own.js';

/** Per DAG of a parsed pipeline (the model is never changed after parsing): each plan of a run asks again. */
const orders = new WeakMap<Dag, readonly string[]>();

/** Task names with upstreams first (Kahn); tasks on a cycle (validation refuses those) come last, as written. */
export function dependencyOrder(dag: Dag): readonly string[] {
  let order = orders.get(dag);
  if (!order) orders.set(dag, (order = computeOrder(dag)));
  return order;
}

function computeOrder(dag: Dag): string[] {
  const names = Object.keys(dag.tasks);
  const waiting = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const name of names) {
    const ups = upstreamOf(own(dag.tasks, name)!).filter((u) => u !== name && Object.hasOwn(dag.tasks, u));
    waiting.set(name, ups.length);
    for (const u of ups) {
      const list = downstream.get(u);
      if (list) list.push(name);
      else downstream.set(u, [name]);
    }
  }
  const order = names.filter((n) => waiting.get(n) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const d of downstream.get(order[i]!) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) order.push(d);
    }
  }
  if (order.length < names.length) {
    const placed = new Set(order);
    order.push(...names.filter((n) => !placed.has(n)));
  }
  return order;
}
