import { PipelineError, diagnostic } from './diagnostics.js';

// Bounds on the work one pipeline can cause: parsing, validation and planning stay bounded whatever the input.
// Each limit has an environment variable to raise it (CLI and controller read the same names); errors name it.

export interface Limits {
  /** Characters of pipeline YAML/JSON text. */
  yamlBytes: number;
  /** Nesting of mappings and lists in the YAML, and of DAG components in the pipeline. */
  yamlDepth: number;
  /** Alias expansions (`*name`) in one YAML document. */
  yamlAliases: number;
  /** Tasks in the pipeline file, and nodes (tasks × loop iterations) in one run. */
  tasks: number;
  /** Items of one loop. */
  loopItems: number;
  /** Characters of one CEL expression (conditions, selectors). */
  celLength: number;
  /** Nesting of one CEL expression (parentheses, calls, selections). */
  celDepth: number;
  /** Comprehensions (all, exists, exists_one, map, filter) inside one another: each level multiplies the work. */
  celNesting: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  yamlBytes: 64 * 1024 * 1024,
  yamlDepth: 100,
  yamlAliases: 100,
  tasks: 20_000,
  loopItems: 10_000,
  celLength: 4096,
  celDepth: 32,
  celNesting: 1,
});

export const LIMIT_ENV: Readonly<Record<keyof Limits, string>> = Object.freeze({
  yamlBytes: 'PIPEWRIGHT_MAX_YAML_BYTES',
  yamlDepth: 'PIPEWRIGHT_MAX_YAML_DEPTH',
  yamlAliases: 'PIPEWRIGHT_MAX_YAML_ALIASES',
  tasks: 'PIPEWRIGHT_MAX_TASKS',
  loopItems: 'PIPEWRIGHT_MAX_LOOP_ITEMS',
  celLength: 'PIPEWRIGHT_MAX_CEL_LENGTH',
  celDepth: 'PIPEWRIGHT_MAX_CEL_DEPTH',
  celNesting: 'PIPEWRIGHT_MAX_CEL_NESTING',
});

/** Limits from environment variables (unset or invalid: the default); throws on a value that is not a whole number. */
export function limitsFromEnv(env: Record<string, string | undefined>): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof Limits)[]) {
    const raw = env[LIMIT_ENV[key]];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${LIMIT_ENV[key]} must be a positive whole number, got "${raw.slice(0, 40)}"`);
    out[key] = n;
  }
  return out;
}

let current: Limits = { ...DEFAULT_LIMITS };

/** The process's limits: set once at start (CLI, controller) so every parse, check and plan uses the same ones. */
export function configureLimits(l: Limits): void {
  current = { ...l };
}

export function limits(): Readonly<Limits> {
  return current;
}

/** "over the limit of 100 (raise it with PIPEWRIGHT_MAX_YAML_DEPTH)" */
export function overLimit(key: keyof Limits, value = current[key]): string {
  return `the limit is ${value}; raise it with ${LIMIT_ENV[key]} if this is intended`;
}

/** Throws before a front end reads a pipeline with more tasks than the limit (reading them is the cost bounded). */
export function refuseTooManyTasks(count: number, file: string | undefined, path: string, lim: Readonly<Limits> = current): void {
  if (count <= lim.tasks) return;
  throw new PipelineError([diagnostic('TOO_MANY_TASKS', { file, path }, `the pipeline has ${count} tasks`, `split it into smaller pipelines; ${overLimit('tasks', lim.tasks)}`)]);
}
