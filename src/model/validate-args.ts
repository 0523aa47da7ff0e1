// Run arguments (CLI `--arg name=value` strings or JSON values) checked and coerced against the root's parameters.
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { limits, overLimit } from './limits.js';
import { loopItemCount, rootParameterLoops } from './loop-inputs.js';
import { nativeTypeName } from './native-types.js';
import { suggestFix } from './suggest.js';
import { valueProblem } from './validate-types.js';
import { own } from '../util/own.js';
import type { JsonValue, ParameterDef, ParameterType, Pipeline } from './types.js';

const EXAMPLES: Partial<Record<ParameterType, string>> = {
  STRING: 'text',
  NUMBER_INTEGER: '3',
  NUMBER_DOUBLE: '0.5',
  BOOLEAN: 'true',
  LIST: '\'[1, 2]\'',
  STRUCT: '\'{"a": 1}\'',
};

/** Turns a CLI string into the parameter's type; undefined when it cannot be read as one. */
export function coerceArgument(raw: string, type: ParameterType): JsonValue | undefined {
  const s = raw.trim();
  switch (type) {
    case 'NUMBER_INTEGER':
      return /^[-+]?\d+$/.test(s) ? Number(s) : undefined;
    case 'NUMBER_DOUBLE':
      return s !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined;
    case 'BOOLEAN':
      return /^true$/i.test(s) ? true : /^false$/i.test(s) ? false : undefined;
    case 'LIST':
    case 'STRUCT': {
      try {
        const v = JSON.parse(s) as JsonValue;
        const isList = Array.isArray(v);
        const isStruct = typeof v === 'object' && v !== null && !isList;
        return (type === 'LIST' ? isList : isStruct) ? v : undefined;
      } catch {
        return undefined;
      }
    }
    default:
      return raw;
  }
}

function example(def: ParameterDef): string {
  const lit = def.literals?.[0];
  return lit !== undefined ? (typeof lit === 'string' ? lit : JSON.stringify(lit)) : (EXAMPLES[def.type] ?? '<value>');
}

export function validateArguments(p: Pipeline, args: Record<string, string | JsonValue>): { values: Record<string, JsonValue>; diagnostics: Diagnostic[] } {
  const params = p.root.inputs.parameters;
  const label = (t: ParameterType): string => (p.source === 'native' ? nativeTypeName(t) : t);
  const values: Record<string, JsonValue> = {};
  const diagnostics: Diagnostic[] = [];
  const where = (name: string): { path: string } => ({ path: `--arg ${name}` });
  for (const [name, raw] of Object.entries(args)) {
    const def: ParameterDef | undefined = own(params, name);
    if (!def) {
      diagnostics.push(diagnostic('UNKNOWN_ARGUMENT', where(name), `pipeline "${p.name}" has no parameter "${name}"`, suggestFix(name, Object.keys(params), 'parameter')));
      continue;
    }
    const value = typeof raw === 'string' ? coerceArgument(raw, def.type) : raw;
    const problem = value === undefined ? `expects ${label(def.type)}, got ${JSON.stringify(raw)}` : valueProblem(value, def.type, def.literals, label);
    if (problem || value === undefined) {
      diagnostics.push(diagnostic('INVALID_ARGUMENT', where(name), `argument "${name}" ${problem}`, `pass --arg ${name}=${example(def)}`));
      continue;
    }
    values[name] = value;
  }
  for (const [name, def] of Object.entries(params)) {
    if (Object.hasOwn(args, name) || def.optional || def.default !== undefined) continue;
    diagnostics.push(diagnostic('MISSING_ARGUMENT', where(name), `pipeline "${p.name}" needs parameter "${name}" (${label(def.type)}), which was not given`, `pass --arg ${name}=${example(def)}`));
  }
  // A root loop over an argument: refused now rather than when the engine expands it.
  const lim = limits();
  for (const { task, parameter } of rootParameterLoops(p)) {
    const count = loopItemCount(own(values, parameter));
    if (count === undefined || count <= lim.loopItems) continue;
    diagnostics.push(diagnostic('TOO_MANY_LOOP_ITEMS', { ...where(parameter), task }, `the loop of task "${task}" iterates over argument "${parameter}", which has ${count} items`, `pass fewer, larger items; ${overLimit('loopItems', lim.loopItems)}`));
  }
  return { values, diagnostics };
}
