// Reads what a task produced: executor_output.json first, then output_file texts for parameters the
// executor did not report (container components). Mirrors the launcher's collectOutputParameters.
import type { LaunchRequest, NodeOutputs, RuntimeArtifact } from '../engine/state.js';
import type { JsonObject, JsonValue } from '../model/types.js';
import type { ExecutorInput } from './types.js';

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

function kindOf(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'struct';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'double';
  return typeof v;
}

/** Checks a reported value against the declared type; integers stay integers, doubles accept integers. */
export function checkParameterValue(value: JsonValue, type: string, name: string): JsonValue {
  const ok =
    type === 'STRING' ? typeof value === 'string'
    : type === 'NUMBER_INTEGER' ? typeof value === 'number' && Number.isInteger(value)
    : type === 'NUMBER_DOUBLE' ? typeof value === 'number'
    : type === 'BOOLEAN' ? typeof value === 'boolean'
    : type === 'LIST' ? Array.isArray(value)
    : type === 'STRUCT' ? value !== null && typeof value === 'object' && !Array.isArray(value)
    : true;
  if (!ok) throw new OutputError(`output parameter '${name}' should be ${type} but is ${kindOf(value)} (${JSON.stringify(value)})`);
  return value;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$/i;
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Parses an output_file's text per declared type (metadata.TextToPbValue: Go's ParseInt/ParseFloat/ParseBool). */
export function parseParameterText(text: string, type: string, name: string): JsonValue {
  const t = text.trim();
  const bad = (what: string): never => {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new OutputError(`output parameter '${name}' (${type}): cannot parse ${JSON.stringify(shown)} as ${what}`);
  };
  switch (type) {
    case 'STRING':
      return text;
    case 'NUMBER_INTEGER': {
      if (!INT_RE.test(t)) return bad('an integer');
      const n = Number(t);
      return Number.isSafeInteger(n) ? n : bad('a 53-bit integer');
    }
    case 'NUMBER_DOUBLE':
      return FLOAT_RE.test(t) ? Number(t) : bad('a number');
    case 'BOOLEAN':
      return TRUE.has(t) ? true : FALSE.has(t) ? false : bad('a boolean');
    case 'LIST':
    case 'STRUCT': {
      let v: JsonValue;
      try {
        v = JSON.parse(t) as JsonValue;
      } catch {
        return bad('JSON');
      }
      return checkParameterValue(v, type, name);
    }
    default:
      return bad(`type ${type}`);
  }
}

/** An output artifact whose bytes the task left elsewhere (custom_path): copy them to the URI. */
export interface ArtifactCopy {
  output: string;
  from: string;
  toUri: string;
}

export interface CollectInput {
  request: LaunchRequest;
  executorInput: ExecutorInput;
  /** Text of executor_output.json; undefined when the task wrote none. */
  executorOutputText?: string;
  /** output_file text per declared output parameter; undefined when the file is missing. */
  parameterTexts: Record<string, string | undefined>;
}

export interface CollectedOutputs {
  outputs: NodeOutputs;
  copies: ArtifactCopy[];
}

interface ExecutorOutputJson {
  parameterValues?: Record<string, JsonValue>;
  artifacts?: Record<string, { artifacts?: { uri?: string; metadata?: JsonObject; custom_path?: string; customPath?: string }[] }>;
}

function parseExecutorOutput(text: string | undefined): ExecutorOutputJson {
  if (text === undefined || text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new OutputError(`executor_output.json is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OutputError('executor_output.json is not a JSON object');
  return v as ExecutorOutputJson;
}

export function collectOutputs(input: CollectInput): CollectedOutputs {
  const { request } = input;
  const eo = parseExecutorOutput(input.executorOutputText);
  const parameters: Record<string, JsonValue> = {};
  for (const [name, spec] of Object.entries(request.outputs.parameters)) {
    const reported = eo.parameterValues?.[name];
    if (reported !== undefined && reported !== null) {
      parameters[name] = checkParameterValue(reported, spec.type, name);
      continue;
    }
    const text = input.parameterTexts[name];
    if (text === undefined) {
      throw new OutputError(`output parameter '${name}' was not produced (not in executor_output.json and no file at ${input.executorInput.outputs.parameters[name]?.outputFile ?? '?'})`);
    }
    parameters[name] = parseParameterText(text, spec.type, name);
  }

  const artifacts: Record<string, RuntimeArtifact[]> = {};
  const copies: ArtifactCopy[] = [];
  for (const [name, spec] of Object.entries(request.outputs.artifacts)) {
    const reported = eo.artifacts?.[name]?.artifacts?.[0];
    const uri = reported?.uri || spec.uri;
    const metadata = reported?.metadata ?? {};
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new OutputError(`output artifact '${name}': metadata is not a JSON object`);
    }
    const customPath = reported?.custom_path ?? reported?.customPath;
    if (customPath) copies.push({ output: name, from: customPath, toUri: uri });
    artifacts[name] = [{ name, uri, type: { ...spec.type }, metadata }];
  }
  return { outputs: { parameters, artifacts }, copies };
}
