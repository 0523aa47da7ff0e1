// Condition evaluation with a maintained CEL library, with KFP's semantics:
// parameter values are protobuf Values, so every number is a double (hence the SDK's int()/double() casts).
import { Environment } from '@marcbachmann/cel-js';
import type { Condition, JsonValue } from '../model/types.js';

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false }).registerFunction(
  'parseJson(string): dyn',
  (s: string) => JSON.parse(s) as unknown,
);

type Compiled = ReturnType<typeof env.parse>;
const cache = new Map<string, Compiled>();

function compiled(expression: string): Compiled {
  let c = cache.get(expression);
  if (!c) {
    c = env.parse(expression);
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
