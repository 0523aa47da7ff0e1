// Typed access to parsed YAML/JSON with the YAML path kept for error messages.
import { PipelineError, diagnostic, type Diagnostic } from './diagnostics.js';
import type { JsonObject, JsonValue } from './types.js';

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record keyed by names from the user's file: no prototype, so `__proto__` and `constructor` are plain keys. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Collects diagnostics while reading; throws them all at the end. */
export class Reader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file?: string) {}

  error(path: string, message: string, fix: string, code = 'INVALID_FIELD'): void {
    this.diagnostics.push(diagnostic(code, { file: this.file, path }, message, fix));
  }

  object(v: unknown, path: string, required = false): JsonObject {
    if (v === undefined || v === null) {
      if (required) this.error(path, `${path} is missing`, `add ${path}`, 'MISSING_FIELD');
      return {};
    }
    if (!isObject(v)) {
      this.error(path, `${path} must be a mapping, got ${describe(v)}`, `write ${path} as key: value pairs`);
      return {};
    }
    return v;
  }

  array(v: unknown, path: string): JsonValue[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.error(path, `${path} must be a list, got ${describe(v)}`, `write ${path} as a YAML list`);
      return [];
    }
    return v as JsonValue[];
  }

  string(v: unknown, path: string, required = false): string | undefined {
    if (v === undefined || v === null) {
      if (required) this.error(path, `${path} is missing`, `add ${path}`, 'MISSING_FIELD');
      return undefined;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') {
      this.error(path, `${path} must be a string, got ${describe(v)}`, `quote the value of ${path}`);
      return undefined;
    }
    return v;
  }

  /** int64 fields arrive as strings from protobuf's JSON mapping; accept both. */
  integer(v: unknown, path: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' ? Number(v.trim()) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.error(path, `${path} must be an integer, got ${describe(v)}`, `set ${path} to a whole number`);
      return undefined;
    }
    return n;
  }

  number(v: unknown, path: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' ? Number(v.trim()) : v;
    if (typeof n !== 'number' || Number.isNaN(n)) {
      this.error(path, `${path} must be a number, got ${describe(v)}`, `set ${path} to a number`);
      return undefined;
    }
    return n;
  }

  boolean(v: unknown, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.error(path, `${path} must be true or false, got ${describe(v)}`, `set ${path} to true or false`);
      return undefined;
    }
    return v;
  }

  throwIfAny(): void {
    if (this.diagnostics.length > 0) throw new PipelineError(this.diagnostics);
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${String(v)}`;
}

/** `a.b` + `c` → `a.b.c`, quoting keys that are not plain identifiers. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const k = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${k}` : k;
}
