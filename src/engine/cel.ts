// Condition evaluation with a maintained CEL library, with KFP's semantics:
// parameter values are protobuf Values, so every number is a double (hence the SDK's int()/double() casts).
import { Environment } from '@marcbachmann/cel-js';
import { limits, overLimit, type Limits } from '../model/limits.js';
import type { Condition, JsonValue } from '../model/types.js';

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function makeEnv(lim: Readonly<Limits>) {
  return new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    limits: { maxDepth: lim.celDepth, maxAstNodes: lim.celLength },
  }).registerFunction('parseJson(string): dyn', (s: string) => JSON.parse(s) as unknown);
}

type Env = ReturnType<typeof makeEnv>;
type Compiled = ReturnType<Env['parse']>;
let env: { env: Env; lim: Readonly<Limits> } | undefined;
const cache = new Map<string, Compiled>();

/** The environment for the current limits (limits.ts): rebuilt, and the cache dropped, when they change. */
function environment(): Env {
  const lim = limits();
  if (env?.lim !== lim) {
    env = { env: makeEnv(lim), lim };
    cache.clear();
  }
  return env.env;
}

/**
 * The library bounds the expression's size and nesting, but not evaluation: comprehensions inside comprehensions
 * multiply (three over 1,000 items are 10^9 steps on the event loop). Their nesting is bounded here.
 */
function checkCost(expression: string, ast: unknown): void {
  const lim = limits();
  if (expression.length > lim.celLength) {
    throw new Error(`the expression is ${expression.length} characters long; ${overLimit('celLength', lim.celLength)}`);
  }
  const stack: [unknown, number][] = [[ast, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (Array.isArray(node)) {
      for (const c of node) stack.push([c, depth]);
      continue;
    }
    if (typeof node !== 'object' || node === null || !('op' in node)) continue;
    const { op, args } = node as { op: string; args: unknown };
    const macro = op === 'rcall' && Array.isArray(args) && MACROS.has(args[0] as string);
    const d = macro ? depth + 1 : depth;
    if (d > lim.celNesting) {
      throw new Error(`comprehensions (${[...MACROS].join(', ')}) nest ${d} deep; ${overLimit('celNesting', lim.celNesting)}`);
    }
    if (Array.isArray(args)) stack.push([args, d]);
  }
}

function compiled(expression: string): Compiled {
  const e = environment();
  let c = cache.get(expression);
  if (!c) {
    if (expression.length > limits().celLength) checkCost(expression, undefined);
    try {
      c = e.parse(expression);
    } catch (err) {
      const m = /Exceeded (maxDepth|maxAstNodes)/.exec(err instanceof Error ? err.message : '');
      if (!m) throw err;
      const key = m[1] === 'maxDepth' ? 'celDepth' : 'celLength';
      throw new Error(`the expression is too ${key === 'celDepth' ? 'deeply nested' : 'large'}; ${overLimit(key, limits()[key])}`, { cause: err });
    }
    checkCost(expression, c.ast);
    if (cache.size > 1000) cache.clear();
    cache.set(expression, c);
  }
  return c;
}

export function compileCondition(cond: Condition): { ok: true } | { ok: false; error: string } {
  try {
    compiled(cond.expression);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: firstLine(e) };
  }
}

/** The context a condition sees, per dialect (see Condition in model/types.ts). */
export function conditionContext(cond: Condition, params: Record<string, JsonValue>): Record<string, unknown> {
  return cond.dialect === 'kfp' ? { inputs: { parameter_values: params } } : { inputs: params };
}

/** Evaluates to a boolean or throws an Error whose message says why (unknown input, wrong types, not a bool). */
export function evaluateCondition(cond: Condition, params: Record<string, JsonValue>): boolean {
  let result: unknown;
  try {
    result = compiled(cond.expression)(conditionContext(cond, params));
  } catch (e) {
    throw new Error(`condition \`${cond.expression}\` could not be evaluated: ${firstLine(e)}`);
  }
  if (typeof result !== 'boolean') {
    throw new Error(`condition \`${cond.expression}\` returned ${typeof result}, not a boolean`);
  }
  return result;
}

/** parameterExpressionSelector: CEL over a protobuf Value whose `string_value` is the value's JSON text. */
export function evaluateSelector(selector: string, value: JsonValue): JsonValue {
  const stringValue = typeof value === 'string' ? value : JSON.stringify(value);
  let result: unknown;
  try {
    result = compiled(selector)({ string_value: stringValue });
  } catch (e) {
    throw new Error(`selector \`${selector}\` could not be evaluated: ${firstLine(e)}`);
  }
  return fromCel(result);
}

function fromCel(v: unknown): JsonValue {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), fromCel(x)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)]));
  return (v ?? null) as JsonValue;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}
