// Small value readers for the native spec: type names, durations, unknown-field checks.
import { closest } from './suggest.js';
import { parseDurationSeconds } from './duration.js';
import { clip } from './diagnostics.js';
import type { Reader } from './yaml-reader.js';
import { child } from './yaml-reader.js';
import type { ArtifactTypeRef, JsonObject, JsonValue, ParameterType } from './types.js';

export const NATIVE_PARAMETER_TYPES: Record<string, ParameterType> = {
  string: 'STRING',
  integer: 'NUMBER_INTEGER',
  number: 'NUMBER_DOUBLE',
  boolean: 'BOOLEAN',
  list: 'LIST',
  object: 'STRUCT',
};

/** The native name of a model parameter type, for messages about native pipelines. */
export function nativeTypeName(t: ParameterType): string {
  return Object.entries(NATIVE_PARAMETER_TYPES).find(([, v]) => v === t)?.[0] ?? t;
}

export function readParameterType(r: Reader, v: unknown, path: string): ParameterType | undefined {
  if (v === undefined || v === null) return undefined;
  const name = r.string(v, path);
  if (name === undefined) return undefined;
  const t = NATIVE_PARAMETER_TYPES[name];
  if (!t) {
    const near = closest(name, Object.keys(NATIVE_PARAMETER_TYPES));
    r.error(path, `unknown parameter type "${name}"`, `${near ? `did you mean '${near}'? ` : ''}use one of ${Object.keys(NATIVE_PARAMETER_TYPES).join(', ')}`, 'UNKNOWN_TYPE');
  }
  return t;
}

/** The type a literal value has, for inputs whose type is not written. */
export function typeOfValue(v: JsonValue): ParameterType {
  if (typeof v === 'number') return Number.isInteger(v) ? 'NUMBER_INTEGER' : 'NUMBER_DOUBLE';
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (Array.isArray(v)) return 'LIST';
  if (v !== null && typeof v === 'object') return 'STRUCT';
  return 'STRING';
}

const SYSTEM_ARTIFACTS = ['Artifact', 'Dataset', 'Model', 'Metrics', 'ClassificationMetrics', 'SlicedClassificationMetrics', 'HTML', 'Markdown'];

/** `Dataset` → system.Dataset; a dotted name (`google.VertexModel`) is taken as a custom schema title. */
export function readArtifactType(r: Reader, v: unknown, path: string): ArtifactTypeRef {
  const name = v === undefined || v === null ? 'Artifact' : (r.string(v, path) ?? 'Artifact');
  if (name.includes('.')) return { schemaTitle: name, schemaVersion: '0.0.1' };
  if (!SYSTEM_ARTIFACTS.includes(name)) {
    const near = closest(name, SYSTEM_ARTIFACTS);
    r.error(path, `unknown artifact type "${name}"`, `${near ? `did you mean '${near}'? ` : ''}use one of ${SYSTEM_ARTIFACTS.join(', ')}, or a dotted custom type such as acme.Report`, 'UNKNOWN_TYPE');
  }
  return { schemaTitle: `system.${name}`, schemaVersion: '0.0.1' };
}

/** "90s", "5m", "1h30m", "250ms" (Go-style, see duration.ts) or a number of seconds. */
export function readDuration(r: Reader, v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const seconds = typeof v === 'number' ? (Number.isFinite(v) && v >= 0 ? v : undefined) : typeof v === 'string' ? parseDurationSeconds(v) : undefined;
  if (seconds !== undefined) return seconds;
  r.error(path, `${path} must be a duration such as 30s, 5m or 1h30m, got ${clip(JSON.stringify(v) ?? String(v))}`, `write ${path} as a number of seconds or with a unit (ms, s, m, h)`, 'INVALID_FIELD');
  return undefined;
}

/** Reports keys not in `allowed`, suggesting the closest one (typos such as dependOn). */
export function checkKeys(r: Reader, o: JsonObject, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    const where = child(path, key);
    r.error(where, `unknown field "${key}"`, near ? `did you mean '${near}'?` : `remove it; allowed here: ${allowed.join(', ')}`, 'UNKNOWN_FIELD');
  }
}

/** A list of named entries (`[{name: x, ...}]`), with duplicates and missing names reported. */
export function namedEntries(r: Reader, raw: unknown, path: string): { name: string; o: JsonObject; path: string }[] {
  const seen = new Set<string>();
  const out: { name: string; o: JsonObject; path: string }[] = [];
  r.array(raw, path).forEach((item, i) => {
    const o = r.object(item, `${path}[${i}]`);
    const name = r.string(o.name, `${path}[${i}].name`, true);
    if (!name) return;
    const p = `${path}[${name}]`;
    if (seen.has(name)) {
      r.error(p, `"${name}" is declared twice`, 'give each entry a unique name', 'DUPLICATE_NAME');
      return;
    }
    seen.add(name);
    out.push({ name, o, path: p });
  });
  return out;
}
