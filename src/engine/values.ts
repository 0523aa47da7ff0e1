// Parameter value conversions with KFP's rules. Pure.
import type { JsonValue, ParameterType } from '../model/types.js';

/** The string a placeholder becomes: strings verbatim, integers without ".0", lists and structs as JSON. */
export function parameterString(v: JsonValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Converts a value towards the declared type where KFP would (the driver stringifies non-strings for STRING
 * inputs; JSON strings become lists/structs). Returns undefined when it cannot.
 */
export function coerceParameter(v: JsonValue, type: ParameterType): JsonValue | undefined {
  switch (type) {
    case 'STRING':
      return parameterString(v);
    case 'NUMBER_INTEGER': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
    }
    case 'NUMBER_DOUBLE': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && !Number.isNaN(n) ? n : undefined;
    }
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'True') return true;
      if (v === 'false' || v === 'False') return false;
      return undefined;
    case 'LIST':
      return Array.isArray(v) ? v : parseJsonAs(v, (x) => Array.isArray(x));
    case 'STRUCT':
      return isStruct(v) ? v : parseJsonAs(v, isStruct);
    default:
      return v;
  }
}

function isStruct(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonAs(v: JsonValue, ok: (x: unknown) => boolean): JsonValue | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const parsed = JSON.parse(v) as JsonValue;
    return ok(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const SELF_REFERENCE = /\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}/g;

/**
 * Resolves `{{$.inputs.parameters['x']}}` inside the pipeline's own constant strings (f-strings) against the
 * task's other inputs, in one pass. Only the names in `templates` are touched: a run argument or an upstream
 * output is data and stays as written, whatever it holds (docs/security.md).
 */
export function resolveSelfReferences(params: Record<string, JsonValue>, templates: ReadonlySet<string>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...params };
  for (const [k, v] of Object.entries(params)) {
    if (templates.has(k) && typeof v === 'string' && v.includes('{{$.inputs.parameters[')) {
      out[k] = v.replace(SELF_REFERENCE, (whole, name: string) => {
        const ref = params[name];
        return ref === undefined || name === k ? whole : parameterString(ref);
      });
    }
  }
  return out;
}
