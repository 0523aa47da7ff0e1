// The two in-pod steps around the user's container: `inputs` downloads input artifacts to their mount
// paths; `outputs` collects executor_output.json + output parameter files, uploads output artifacts and
// reports the outputs through the termination message (or outputs.json in the store when too large).
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { LaunchRequest, NodeOutputs } from '../engine/state.js';
import type { PodArtifactStore } from '../artifacts/granted-store.js';
import { ArtifactNotFoundError, type ArtifactStore } from '../artifacts/store.js';
import { ArtifactUriError, childUri, isUnderUri, localPathForUri } from '../artifacts/uri.js';
import { collectOutputs, OutputError, type CollectedOutputs } from './executor-output.js';
import {
  EXIT, OUTPUTS_JSON, PodSpecError, TERMINATION_LIMIT, parseDownloads, parseOutputsSpec,
  type OutputsSpec, type TerminationMessage,
} from './pod-io-spec.js';
import type { ExecutorInput } from './types.js';
import { eachLimited } from '../util/each-limited.js';
import { readConfinedText, UnsafePathError } from '../util/safe-open.js';

export interface PodIoDeps {
  store: PodArtifactStore;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** The pod's artifact mounts: the only places files the task wrote are read from (no symlinks followed). */
  roots: string[];
}

const CONCURRENCY = 4;


/**
 * mkdir -p, leaving each created directory world-writable: the user's container may run as any uid
 * and the directories live on the pod's own emptyDirs.
 */
async function mkdirShared(dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  let cur = '';
  for (const part of parts) {
    cur += `/${part}`;
    const exists = await stat(cur).then(() => true, () => false);
    if (exists) continue;
    await mkdir(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await chmod(cur, 0o777);
  }
}

/** `pod inputs`: download input artifacts; when PIPEWRIGHT_OUTPUTS is also set, prepare output folders. */
export async function runPodInputs({ store, log, env }: PodIoDeps): Promise<void> {
  const downloads = parseDownloads(env.PIPEWRIGHT_DOWNLOADS ?? '[]');
  const started = Date.now();
  await eachLimited(downloads, CONCURRENCY, async (d) => {
    await mkdirShared(dirname(d.path));
    try {
      const kind = await store.download(d.uri, d.path);
      log.info({ uri: d.uri, path: d.path, kind }, 'downloaded input artifact');
    } catch (e) {
      if (!(d.optional && e instanceof ArtifactNotFoundError)) throw e;
      log.info({ uri: d.uri }, 'metrics artifact has no file; its metadata is in the ExecutorInput');
    }
  });
  if (env.PIPEWRIGHT_OUTPUTS) {
    // As the KFP launcher's prepareOutputFolders: container components write to these paths blindly.
    const spec = parseOutputsSpec(env.PIPEWRIGHT_OUTPUTS);
    const dirs = new Set([dirname(spec.executorOutputFile)]);
    for (const p of Object.values(spec.parameters)) dirs.add(dirname(p.file));
    for (const a of Object.values(spec.artifacts)) dirs.add(dirname(a.path));
    for (const d of dirs) await mkdirShared(d);
  }
  log.info({ count: downloads.length, ms: Date.now() - started }, 'inputs ready');
}

/** Reuses collectOutputs with the slice of LaunchRequest / ExecutorInput it reads. */
async function collect(spec: OutputsSpec, roots: string[]): Promise<CollectedOutputs> {
  const request: LaunchRequest = {
    nodeId: '', taskName: '', displayName: '', attempt: 1, componentName: '', executorLabel: '',
    inputs: { parameters: {}, artifacts: {} },
    outputs: {
      parameters: Object.fromEntries(Object.entries(spec.parameters).map(([n, p]) => [n, { type: p.type }])),
      artifacts: Object.fromEntries(Object.entries(spec.artifacts).map(([n, a]) => [n, { uri: a.uri, type: a.type }])),
    },
    taskRoot: spec.taskRoot,
  };
  const executorInput: ExecutorInput = {
    inputs: { parameterValues: {}, artifacts: {} },
    outputs: {
      parameters: Object.fromEntries(Object.entries(spec.parameters).map(([n, p]) => [n, { outputFile: p.file }])),
      artifacts: {},
      outputFile: spec.executorOutputFile,
    },
  };
  const parameterTexts: Record<string, string | undefined> = {};
  for (const [name, p] of Object.entries(spec.parameters)) parameterTexts[name] = await readConfinedText(p.file, roots, `output parameter '${name}':`);
  const executorOutputText = await readConfinedText(spec.executorOutputFile, roots, 'executor output');
  return collectOutputs({ request, executorInput, parameterTexts, ...(executorOutputText !== undefined ? { executorOutputText } : {}) });
}

/** `pod outputs`: returns the termination message to write. */
export async function runPodOutputs({ store, log, env, roots }: PodIoDeps): Promise<string> {
  const spec = parseOutputsSpec(env.PIPEWRIGHT_OUTPUTS);
  const { outputs, copies } = await collect(spec, roots);

  const uploads: { output: string; from: string; uri: string }[] = [];
  for (const [name, list] of Object.entries(outputs.artifacts)) {
    const uri = list[0]!.uri;
    // A task may rename its artifact (dsl.get_uri), but never write outside its own task root.
    if (!isUnderUri(uri, spec.taskRoot)) {
      throw new OutputError(`output artifact '${name}': URI ${uri} is outside the task's root ${spec.taskRoot}`);
    }
    // custom_path too is read through the store, which only takes regular files under the pod's mounts.
    const copy = copies.find((c) => c.output === name);
    const from = copy ? copy.from : uri === spec.artifacts[name]?.uri ? spec.artifacts[name].path : localPathForUri(uri);
    uploads.push({ output: name, from, uri });
  }
  await eachLimited(uploads, CONCURRENCY, async (u) => {
    const kind = await store.upload(u.from, u.uri);
    // A path the task chose itself (Artifact.set_path) that is not there was written where this step cannot see
    // (the user's container has its own filesystem): fail the task now, not its consumer later.
    if (kind === 'missing' && copies.some((c) => c.output === u.output)) throw new OutputError(customPathMissing(u.output, u.from, roots));
    // As the KFP launcher: a missing output only warns; downstream tasks fail on their own terms.
    if (kind === 'missing') log.warn({ output: u.output, path: u.from }, 'output artifact was not written');
    else log.info({ output: u.output, uri: u.uri, kind }, 'uploaded output artifact');
  });
  return terminationMessage(outputs, spec.taskRoot, store, log);
}

/** Why a set_path output is not there, and where it can be written so the outputs step reads it. */
export function customPathMissing(output: string, path: string, roots: string[]): string {
  const shared = roots.filter((r) => !roots.some((o) => o !== r && r.startsWith(`${o}/`)));
  const under = shared.some((r) => path === r || path.startsWith(`${r}/`));
  // A KFP Python component's path outside the shared mounts was copied out of its container (set-path-staging.ts)
  // if it existed when the code returned; only other containers, or a file never written, end here.
  const where = under
    ? 'nothing was written there; write it under /tmp or at the artifact\'s default path (artifact.path before set_path)'
    : `nothing was there when the task's code returned (a KFP Python component's file is copied out of its container then; any other container must write it under ${shared.join(', ')} or at the artifact's default path)`;
  return `output artifact '${output}': Artifact.set_path('${path}') but ${where}`;
}

async function terminationMessage(outputs: NodeOutputs, taskRoot: string, store: PodArtifactStore, log: Logger): Promise<string> {
  const inline = JSON.stringify({ parameters: outputs.parameters, artifacts: outputs.artifacts } satisfies TerminationMessage);
  if (Buffer.byteLength(inline) <= TERMINATION_LIMIT) return inline;
  const ref = childUri(taskRoot, OUTPUTS_JSON);
  await store.putJson(ref, JSON.parse(inline));
  log.info({ ref, bytes: Buffer.byteLength(inline) }, 'outputs too large for the termination message; stored');
  return JSON.stringify({ ref } satisfies TerminationMessage);
}

/** For the controller: the outputs a termination message stands for. */
export async function fetchPodOutputs(message: TerminationMessage, store: ArtifactStore): Promise<NodeOutputs> {
  return 'ref' in message ? store.getJson<NodeOutputs>(message.ref) : message;
}

/** Outputs the task got wrong are Failed (exit 1); everything else is infrastructure (Error, exit 2). */
export function exitCodeFor(step: 'inputs' | 'outputs', e: unknown): number {
  const taskFault = e instanceof OutputError || e instanceof ArtifactUriError || e instanceof UnsafePathError;
  return step === 'outputs' && taskFault ? EXIT.badOutputs : EXIT.infrastructure;
}

/** One line for the termination log: kubectl and the run status show it as-is. */
export function failureLine(step: 'inputs' | 'outputs', e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // The helpers run as uid 65532: a file the task left unreadable to others (umask 077, chmod 600) is refused.
  const hint = (e as NodeJS.ErrnoException | undefined)?.code === 'EACCES'
    ? ' (the outputs step runs as uid 65532: a task must leave its outputs readable by others, e.g. umask 022 or chmod o+r)'
    : '';
  const line = `${step}: ${e instanceof PodSpecError ? 'bad pod spec: ' : ''}${msg}${hint}`.replace(/\s+/g, ' ').trim();
  return line.length > 1000 ? `${line.slice(0, 999)}…` : line;
}

export async function writeTerminationLog(path: string, text: string): Promise<void> {
  await writeFile(path, text);
}
