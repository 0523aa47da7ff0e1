// The contract between the pod-spec builder and the in-pod `pipewright pod inputs|outputs` commands:
// the env JSON each container receives and the termination message `outputs` leaves. Pure.
import type { LaunchRequest, NodeOutputs } from '../engine/state.js';
import type { ArtifactTypeRef, JsonValue } from '../model/types.js';
import { localPathForUri, parseArtifactUri } from '../artifacts/uri.js';
import type { ExecutorInput } from './types.js';
import { isMetadataOnly } from '../model/artifact-types.js';

export const POD_ENV = {
  downloads: 'PIPEWRIGHT_DOWNLOADS',
  outputs: 'PIPEWRIGHT_OUTPUTS',
  terminationLog: 'PIPEWRIGHT_TERMINATION_LOG',
  gatewayUrl: 'PIPEWRIGHT_GATEWAY_URL',
  grant: 'PIPEWRIGHT_GRANT',
  mounts: 'PIPEWRIGHT_ARTIFACT_MOUNTS',
} as const;

/**
 * The task pod's artifact mounts (src/controller/pod-spec.ts): the helpers read task-written files only under
 * these (/tmp holds /tmp/kfp/outputs and set_path files). PIPEWRIGHT_ARTIFACT_MOUNTS (a JSON list) replaces them where the steps run outside a pod (tests).
 */
export const POD_ARTIFACT_MOUNTS = ['/minio', '/s3', '/gcs', '/tmp'];

export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';
/** Kubernetes keeps 4096 bytes of a termination message; stay clear of the limit. */
export const TERMINATION_LIMIT = 3500;
export const OUTPUTS_JSON = 'outputs.json';

/** Exit codes of the pod commands: the controller maps 1 to Failed (the task's outputs) and 2 to Error. */
export const EXIT = { ok: 0, badOutputs: 1, infrastructure: 2 } as const;

export interface DownloadSpec {
  uri: string;
  path: string;
  /** Metrics-like artifacts live in metadata; their file may never have been written (KFP uploads nothing then). */
  optional?: boolean;
}


export interface OutputsSpec {
  executorOutputFile: string;
  /** Output artifacts reported by the task must stay under this URI. */
  taskRoot: string;
  parameters: Record<string, { type: string; file: string }>;
  artifacts: Record<string, { uri: string; path: string; type: ArtifactTypeRef }>;
}

/** What `pod outputs` writes on success: the outputs inline, or a reference to outputs.json. */
export type TerminationMessage = NodeOutputs | { ref: string };

export class PodSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodSpecError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** URIs in the spec come from the controller: a bad one is a spec error, not the task's. */
function checkUri(uri: string, where: string): string {
  try {
    parseArtifactUri(uri);
  } catch (e) {
    throw new PodSpecError(`${where}: ${(e as Error).message}`);
  }
  return uri;
}

function parseJson(text: string | undefined, env: string): unknown {
  if (text === undefined || text === '') throw new PodSpecError(`${env} is not set`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PodSpecError(`${env} is not valid JSON: ${(e as Error).message}`);
  }
}

function str(o: Obj, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v === '') throw new PodSpecError(`${where}.${field} must be a non-empty string`);
  return v;
}

/** An absolute, normalized path: no `.`/`..` segments, so it stays on the volume it names. */
function absPath(o: Obj, field: string, where: string): string {
  const p = str(o, field, where);
  if (!p.startsWith('/') || p.split('/').slice(1).some((s) => s === '' || s === '.' || s === '..') || p.includes('\0')) {
    throw new PodSpecError(`${where}.${field} "${p}" must be an absolute normalized path`);
  }
  return p;
}

export function parseMounts(text: string | undefined): string[] {
  if (text === undefined || text === '') return POD_ARTIFACT_MOUNTS;
  const v = parseJson(text, POD_ENV.mounts);
  if (!Array.isArray(v) || v.length === 0) throw new PodSpecError(`${POD_ENV.mounts} must be a non-empty JSON list of absolute paths`);
  return v.map((p: unknown, i) => absPath({ p }, 'p', `${POD_ENV.mounts}[${i}]`));
}

export function parseDownloads(text: string | undefined): DownloadSpec[] {
  const v = parseJson(text, POD_ENV.downloads);
  if (!Array.isArray(v)) throw new PodSpecError(`${POD_ENV.downloads} must be a JSON list`);
  return v.map((item: unknown, i) => {
    const where = `${POD_ENV.downloads}[${i}]`;
    if (!isObj(item)) throw new PodSpecError(`${where} must be an object {uri, path}`);
    const uri = checkUri(str(item, 'uri', where), where);
    return { uri, path: absPath(item, 'path', where), ...(item.optional === true ? { optional: true } : {}) };
  });
}

export function parseOutputsSpec(text: string | undefined): OutputsSpec {
  const v = parseJson(text, POD_ENV.outputs);
  const where = POD_ENV.outputs;
  if (!isObj(v)) throw new PodSpecError(`${where} must be a JSON object`);
  const taskRoot = checkUri(str(v, 'taskRoot', where), `${where}.taskRoot`);
  const parameters: OutputsSpec['parameters'] = {};
  for (const [name, p] of Object.entries(isObj(v.parameters) ? v.parameters : {})) {
    const w = `${where}.parameters.${name}`;
    if (!isObj(p)) throw new PodSpecError(`${w} must be an object {type, file}`);
    parameters[name] = { type: str(p, 'type', w), file: absPath(p, 'file', w) };
  }
  const artifacts: OutputsSpec['artifacts'] = {};
  for (const [name, a] of Object.entries(isObj(v.artifacts) ? v.artifacts : {})) {
    const w = `${where}.artifacts.${name}`;
    if (!isObj(a) || !isObj(a.type)) throw new PodSpecError(`${w} must be an object {uri, path, type}`);
    const uri = checkUri(str(a, 'uri', w), w);
    const type = { schemaTitle: str(a.type, 'schemaTitle', `${w}.type`), schemaVersion: String(a.type.schemaVersion ?? '0.0.1') };
    artifacts[name] = { uri, path: absPath(a, 'path', w), type };
  }
  return { executorOutputFile: absPath(v, 'executorOutputFile', where), taskRoot, parameters, artifacts };
}

/** For the pod-spec builder: every input artifact held in an object store, at its mount path. */
export function downloadsFor(req: LaunchRequest): DownloadSpec[] {
  const seen = new Set<string>();
  const out: DownloadSpec[] = [];
  for (const list of Object.values(req.inputs.artifacts)) {
    for (const a of list) {
      if (!/^(minio|s3|gs):\/\//.test(a.uri) || seen.has(a.uri)) continue;
      seen.add(a.uri);
      out.push({ uri: a.uri, path: localPathForUri(a.uri), ...(isMetadataOnly(a.type.schemaTitle) ? { optional: true } : {}) });
    }
  }
  return out;
}

/** For the pod-spec builder: the PIPEWRIGHT_OUTPUTS value matching the ExecutorInput the task receives. */
export function outputsSpecFor(req: LaunchRequest, executorInput: ExecutorInput): OutputsSpec {
  const parameters: OutputsSpec['parameters'] = {};
  for (const [name, p] of Object.entries(req.outputs.parameters)) {
    const file = executorInput.outputs.parameters[name]?.outputFile;
    if (!file) throw new PodSpecError(`executor input has no output file for parameter '${name}'`);
    parameters[name] = { type: p.type, file };
  }
  const artifacts: OutputsSpec['artifacts'] = {};
  for (const [name, a] of Object.entries(req.outputs.artifacts)) {
    artifacts[name] = { uri: a.uri, path: localPathForUri(a.uri), type: { ...a.type } };
  }
  return { executorOutputFile: executorInput.outputs.outputFile, taskRoot: req.taskRoot, parameters, artifacts };
}

/**
 * For the controller: reads the `outputs` container's termination message. Success gives outputs or a
 * ref to fetch; anything that is not our JSON is a one-line failure message.
 */
export function parseTerminationMessage(text: string): { outputs: NodeOutputs } | { ref: string } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: text.trim() };
  }
  if (isObj(v) && typeof v.ref === 'string') return { ref: v.ref };
  if (isObj(v) && isObj(v.parameters) && isObj(v.artifacts)) {
    return { outputs: { parameters: v.parameters as Record<string, JsonValue>, artifacts: v.artifacts as NodeOutputs['artifacts'] } };
  }
  return { error: text.trim() };
}
