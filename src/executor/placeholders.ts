// KFP runtime placeholders ({{$...}}, Concat, IfPresent) resolved into an argv array.
// Pure: every value comes from the ExecutorInput and RunInfo passed in. Never builds shell strings.
import type { CommandItem, IoDefinitions, JsonValue } from '../model/types.js';
import type { ExecutorInput, LocalPathFn, RunInfo, RuntimeArtifactJson } from './types.js';

export type Placeholder =
  | { kind: 'executorInput' }
  | { kind: 'inputParameter'; name: string }
  /** field absent: the whole list of artifacts as JSON. */
  | { kind: 'artifact'; io: 'inputs' | 'outputs'; name: string; field?: 'uri' | 'path' | 'metadata'; key?: string }
  | { kind: 'outputParameterFile'; name: string }
  | { kind: 'outputFile' }
  | { kind: 'run'; field: keyof RunInfo };

const RUN_FIELDS: Record<string, keyof RunInfo> = {
  pipeline_job_name: 'jobName',
  pipeline_job_resource_name: 'jobResourceName',
  pipeline_job_uuid: 'jobUuid',
  pipeline_task_name: 'taskName',
  pipeline_task_uuid: 'taskUuid',
  pipeline_job_create_time_utc: 'createTime',
  pipeline_job_schedule_time_utc: 'scheduleTime',
  pipeline_root: 'pipelineRoot',
  workspace_path: 'workspacePath',
};

const PLACEHOLDER_RE = /\{\{\$(.*?)\}\}/g;
const Q = `(?:'([^']*)'|"([^"]*)")`;
const INPUT_PARAM_RE = new RegExp(`^\\.inputs\\.parameters\\[${Q}\\]$`);
const ARTIFACT_RE = new RegExp(`^\\.(inputs|outputs)\\.artifacts\\[${Q}\\](?:\\.(uri|path|metadata)(?:\\[${Q}\\])?)?$`);
const OUTPUT_PARAM_RE = new RegExp(`^\\.outputs\\.parameters\\[${Q}\\]\\.output_file$`);

export class PlaceholderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlaceholderError';
  }
}

/** Parses the text between `{{$` and `}}`; undefined when it is no placeholder we know. */
export function parsePlaceholder(body: string): Placeholder | undefined {
  if (body === '') return { kind: 'executorInput' };
  let m = INPUT_PARAM_RE.exec(body);
  if (m) return { kind: 'inputParameter', name: (m[1] ?? m[2])! };
  m = ARTIFACT_RE.exec(body);
  if (m) {
    const p: Placeholder = { kind: 'artifact', io: m[1] as 'inputs' | 'outputs', name: (m[2] ?? m[3])! };
    if (m[4]) p.field = m[4] as 'uri' | 'path' | 'metadata';
    const key = m[5] ?? m[6];
    if (key !== undefined) {
      if (p.field !== 'metadata') return undefined;
      p.key = key;
    }
    return p;
  }
  m = OUTPUT_PARAM_RE.exec(body);
  if (m) return { kind: 'outputParameterFile', name: (m[1] ?? m[2])! };
  if (body === '.outputs.output_file' || body === '.outputMetadataUri') return { kind: 'outputFile' };
  const field = body.startsWith('.') ? RUN_FIELDS[body.slice(1)] : undefined;
  return field ? { kind: 'run', field } : undefined;
}

/** Every `{{$...}}` occurrence in the items (including inside Concat/IfPresent), in order. */
export function listPlaceholders(items: CommandItem[]): string[] {
  const out: string[] = [];
  const walk = (item: CommandItem): void => {
    if (typeof item === 'string') {
      for (const m of item.matchAll(PLACEHOLDER_RE)) out.push(m[0]);
    } else if ('concat' in item) {
      item.concat.forEach(walk);
    } else {
      item.ifPresent.then.forEach(walk);
      item.ifPresent.else.forEach(walk);
    }
  };
  items.forEach(walk);
  return out;
}

/**
 * Problems with the placeholders of a command line, one message each: unknown placeholders and
 * references to inputs/outputs the component does not declare. For validation before a run.
 */
export function checkPlaceholders(items: CommandItem[], io?: { inputs: IoDefinitions; outputs: IoDefinitions }): string[] {
  const problems: string[] = [];
  for (const text of listPlaceholders(items)) {
    const p = parsePlaceholder(text.slice(3, -2));
    if (!p) {
      problems.push(`unknown placeholder ${text}`);
      continue;
    }
    if (!io) continue;
    if (p.kind === 'inputParameter' && !(p.name in io.inputs.parameters)) {
      problems.push(`placeholder ${text} names input parameter '${p.name}', which the component does not declare`);
    } else if (p.kind === 'artifact' && !(p.name in io[p.io].artifacts)) {
      const what = p.io === 'inputs' ? 'input' : 'output';
      problems.push(`placeholder ${text} names ${what} artifact '${p.name}', which the component does not declare`);
    } else if (p.kind === 'outputParameterFile' && !(p.name in io.outputs.parameters)) {
      problems.push(`placeholder ${text} names output parameter '${p.name}', which the component does not declare`);
    }
  }
  for (const name of ifPresentNames(items)) {
    if (io && !(name in io.inputs.parameters) && !(name in io.inputs.artifacts)) {
      problems.push(`IfPresent names input '${name}', which the component does not declare`);
    }
  }
  return problems;
}

function ifPresentNames(items: CommandItem[]): string[] {
  const names: string[] = [];
  const walk = (item: CommandItem): void => {
    if (typeof item === 'string') return;
    if ('concat' in item) return item.concat.forEach(walk);
    names.push(item.ifPresent.input);
    item.ifPresent.then.forEach(walk);
    item.ifPresent.else.forEach(walk);
  };
  items.forEach(walk);
  return names;
}

export interface PlaceholderContext {
  executorInput: ExecutorInput;
  run: RunInfo;
  localPath: LocalPathFn;
}

/** Go's FormatFloat(f, 'f', -1): 7 not 7.0, never exponent notation. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = String(n);
  if (!s.includes('e')) return s;
  if (Number.isInteger(n)) return BigInt(n).toString();
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const decimals = (mantissa.split('.')[1]?.length ?? 0) - Number(exp);
  return n.toFixed(Math.min(100, decimals));
}

/** The string form of a parameter value on a command line. */
export function parameterToString(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function artifactValue(p: Extract<Placeholder, { kind: 'artifact' }>, text: string, ctx: PlaceholderContext): string | undefined {
  const list: RuntimeArtifactJson[] | undefined = ctx.executorInput[p.io].artifacts[p.name]?.artifacts;
  if (!list) return undefined;
  if (!p.field) return JSON.stringify(list);
  const first = list[0];
  if (!first) throw new PlaceholderError(`placeholder ${text}: artifact '${p.name}' has no value`);
  if (p.field === 'uri') return first.uri;
  if (p.field === 'path') return ctx.localPath(first.uri);
  const metadata = first.metadata ?? {};
  if (p.key === undefined) return JSON.stringify(metadata);
  const v = metadata[p.key];
  if (v === undefined) throw new PlaceholderError(`placeholder ${text}: artifact '${p.name}' has no metadata key '${p.key}'`);
  return parameterToString(v);
}

/** Value of one placeholder; undefined when its input or output is absent. */
function placeholderValue(p: Placeholder, text: string, ctx: PlaceholderContext): string | undefined {
  const ei = ctx.executorInput;
  switch (p.kind) {
    case 'executorInput':
      return JSON.stringify(ei);
    case 'inputParameter': {
      const v = ei.inputs.parameterValues[p.name];
      return v === undefined || v === null ? undefined : parameterToString(v);
    }
    case 'artifact':
      return artifactValue(p, text, ctx);
    case 'outputParameterFile':
      return ei.outputs.parameters[p.name]?.outputFile;
    case 'outputFile':
      return ei.outputs.outputFile;
    case 'run':
      return ctx.run[p.field];
  }
}

/**
 * Replaces every placeholder inside a string. strict: unknown or unresolvable placeholders throw
 * (command lines); lenient: they stay as written (parameter values, which are user data).
 */
export function resolveString(s: string, ctx: PlaceholderContext, strict = true): string {
  return s.replace(PLACEHOLDER_RE, (text, body: string) => {
    const p = parsePlaceholder(body);
    // A parameter value holding {{$}} would embed the whole message in itself: leave it.
    if (!p || (!strict && p.kind === 'executorInput')) {
      if (!strict) return text;
      throw new PlaceholderError(`unknown placeholder ${text}`);
    }
    let value: string | undefined;
    try {
      value = placeholderValue(p, text, ctx);
    } catch (e) {
      if (!strict) return text;
      throw e;
    }
    if (value !== undefined) return value;
    if (!strict) return text;
    const what = p.kind === 'inputParameter' ? 'input parameter' : p.kind === 'artifact' ? `${p.io.slice(0, -1)} artifact` : 'output';
    const name = 'name' in p ? ` '${p.name}'` : '';
    throw new PlaceholderError(`placeholder ${text}: ${what}${name} has no value (wrap optional inputs in IfPresent)`);
  });
}

function isPresent(name: string, ei: ExecutorInput): boolean {
  const v = ei.inputs.parameterValues[name];
  if (v !== undefined && v !== null) return true;
  return (ei.inputs.artifacts[name]?.artifacts.length ?? 0) > 0;
}

function expand(item: CommandItem, ctx: PlaceholderContext): string[] {
  if (typeof item === 'string') return [resolveString(item, ctx)];
  if ('concat' in item) return [item.concat.flatMap((i) => expand(i, ctx)).join('')];
  const branch = isPresent(item.ifPresent.input, ctx.executorInput) ? item.ifPresent.then : item.ifPresent.else;
  return branch.flatMap((i) => expand(i, ctx));
}

/** The argv for command + args: IfPresent may expand to zero or more items, Concat to one. */
export function resolveCommand(items: CommandItem[], ctx: PlaceholderContext): string[] {
  return items.flatMap((i) => expand(i, ctx));
}
