// Runs one attempt of a container task on this machine and turns what happened into an ExecutionFact.
// Local mode runs a container image's command on the host; Python images and compiled lightweight
// components run inside a cached venv (kfp + packages_to_install) whose bin/ is first on PATH.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { nodeKeyPath } from '../artifacts/keys.js';
import type { ExecutionFact, LaunchRequest, NodeOutputs, RunContext, RuntimeArtifact } from '../engine/state.js';
import { buildExecutorInput, hostLocalPath, runInfoFor } from '../executor/executor-input.js';
import { collectOutputs } from '../executor/executor-output.js';
import { resolveCommand, resolveString } from '../executor/placeholders.js';
import { hasTaskConfigInput, passthroughRouting, taskConfigValue, taskSettings, withTaskConfig } from '../executor/task-config.js';
import type { ExecutorInput } from '../executor/types.js';
import type { Component, ContainerExecutor, Pipeline, PlatformOp } from '../model/types.js';
import { createPvcObject, deletePvcName, PlatformOpError } from '../executor/pvc-ops.js';
import { confinedPath, copyConfined } from './confine.js';
import { containerizedFunction, localArgv } from './containerized.js';
import type { RunEventHandler } from './events.js';
import { StopRequest } from './events.js';
import { describeFailure, runProcess } from './process.js';
import { localTaskEnv, type LocalSecrets } from './platform-local.js';
import { lightweightComponentPackages, stripPipInstall } from './component-command.js';
import { pythonEnvVars, type PythonEnv } from './python-env.js';
import { readIfExists } from '../util/read-if-exists.js';
import { isMetadataOnly } from '../model/artifact-types.js';

export interface TaskContext {
  pipeline: Pipeline;
  run: RunContext;
  /** `<artifact root>/<namespace>/<run>`: logs and the workspace live here. */
  runDir: string;
  logger: Logger;
  onEvent: RunEventHandler;
  /** Aborted with a StopRequest to stop this attempt. */
  signal: AbortSignal;
  pythonEnv: (packages: string[], onProgress: (line: string) => void) => Promise<PythonEnv>;
  /** Called when the process actually starts (the fact becomes Running). */
  onStart: (startedAt: string) => void;
  killGraceMs?: number;
  /** Base environment for tasks; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where containerized Python components' modules are looked for (see containerized.ts). */
  componentDirs?: readonly string[];
  /** Secrets for use_secret_as_env (`--secrets-dir`); without it they are not set, with a warning. */
  secrets?: LocalSecrets;
}

/** A fact that carries no process outcome: infrastructure problems before or after the run. */
function errorFact(attempt: number, message: string, startedAt?: string): ExecutionFact {
  const f: ExecutionFact = { attempt, phase: 'Error', message, finishedAt: new Date().toISOString() };
  if (startedAt) f.startedAt = startedAt;
  return f;
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Input artifact URIs as absolute host paths; remote stores are out of reach of a local run. */
export function localizeInputs(req: LaunchRequest, cwd = process.cwd()): LaunchRequest['inputs'] {
  const artifacts: Record<string, RuntimeArtifact[]> = {};
  for (const [name, list] of Object.entries(req.inputs.artifacts)) {
    artifacts[name] = list.map((a) => {
      if (a.uri.startsWith('file://')) return { ...a, uri: hostLocalPath(a.uri) };
      if (REMOTE.test(a.uri)) {
        throw new Error(`input artifact '${name}' is at ${a.uri}, which a local run cannot fetch; import a local path or file:// URI instead`);
      }
      return { ...a, uri: path.resolve(cwd, a.uri) };
    });
  }
  return { parameters: req.inputs.parameters, artifacts };
}

function isPythonTask(ex: ContainerExecutor, command: string[] | undefined): boolean {
  return (
    ex.image.startsWith('python:') ||
    (command !== undefined && lightweightComponentPackages(command) !== undefined) ||
    containerizedFunction(ex.command, ex.args) !== undefined
  );
}

/** ExecutorInput and argv for this attempt; throws on unresolvable placeholders or remote inputs. */
function prepare(req: LaunchRequest, ex: ContainerExecutor, component: Component, ctx: TaskContext): Prepared {
  const local = { ...req, inputs: localizeInputs(req) };
  const run = runInfoFor(ctx.run, req, path.join(ctx.runDir, '.workspace'));
  const built = buildExecutorInput(local, component, { localPath: hostLocalPath, run });
  // Env values and resources may carry placeholders too (validation allows them), resolved like arguments.
  const resolve = (s: string): string => resolveString(s, { executorInput: built, run, localPath: hostLocalPath });
  const platform = ctx.pipeline.platform.executors[req.executorLabel];
  const settings = taskSettings(ex, platform, { ...req.inputs.parameters, ...req.platformParameters }, resolve);
  // A TaskConfig input gets the value the cluster pod's would (secrets and volumes by reference, unapplied here).
  const route = passthroughRouting(component);
  const executorInput = hasTaskConfigInput(component) ? withTaskConfig(built, component, taskConfigValue(settings, route)) : built;
  // Lightweight components run in the cached env built from their own package list: their install step is dropped.
  const command = ex.command.every((c) => typeof c === 'string') ? stripPipInstall(ex.command as string[]) : ex.command;
  const argv = resolveCommand([...command, ...ex.args], { executorInput, run, localPath: hostLocalPath });
  // What a process can be given (platform-local.ts); none of the env when the component passes ENV through
  // without apply_to_task, as its pod would not get it either. The rest is named in warnings.
  const given = localTaskEnv(route.toTask('ENV') ? settings.env : [], platform, req.taskName, ctx.secrets);
  return { executorInput, argv, env: given.env, warnings: given.warnings, ...(given.error ? { error: given.error } : {}) };
}

interface Prepared {
  executorInput: ExecutorInput;
  argv: string[];
  env: Record<string, string>;
  /** kfp-kubernetes settings not applied locally. */
  warnings: string[];
  /** A setting that must apply and cannot: the task fails with this. */
  error?: string;
}

/** Resolves with the value, or undefined as soon as the signal aborts (a venv build is not interruptible). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * CreatePVC / DeletePVC without a cluster: the inputs are checked as the controller checks them and CreatePVC's
 * `name` output is the claim name the cluster would use, so downstream tasks see the same values; no volume exists
 * (mounts are ignored locally).
 */
function localPlatformOp(req: LaunchRequest, op: PlatformOp, ctx: TaskContext, log: Logger): ExecutionFact {
  const startedAt = new Date().toISOString();
  ctx.onStart(startedAt);
  const done = (phase: 'Succeeded' | 'Failed', message: string, outputs?: ExecutionFact['outputs']): ExecutionFact => ({
    attempt: req.attempt, phase, message, startedAt, finishedAt: new Date().toISOString(), ...(outputs ? { outputs } : {}),
  });
  try {
    if (op === 'createPvc') {
      const pvc = createPvcObject(req.inputs.parameters, ctx.run, {});
      log.warn({ claim: pvc.metadata.name }, 'CreatePVC: no cluster in a local run; the claim is not created and mounts are ignored');
      return done('Succeeded', `local run: PersistentVolumeClaim ${pvc.metadata.name} not created (no cluster)`, { parameters: { name: pvc.metadata.name }, artifacts: {} });
    }
    const name = deletePvcName(req.inputs.parameters);
    return done('Succeeded', `local run: PersistentVolumeClaim ${name} not deleted (no cluster)`, { parameters: {}, artifacts: {} });
  } catch (e) {
    if (e instanceof PlatformOpError) return done('Failed', e.message);
    throw e;
  }
}

/** The task root is shared by attempts: stale outputs of an earlier attempt must not be read back. */
async function clearAttempt(taskRoot: string, executorInput: Prepared['executorInput'], runDir: string): Promise<void> {
  await mkdir(taskRoot, { recursive: true });
  await rm(executorInput.outputs.outputFile, { force: true });
  for (const p of Object.values(executorInput.outputs.parameters)) await rm(p.outputFile, { force: true });
  await mkdir(path.join(runDir, '.workspace'), { recursive: true });
}

/** The task process's environment: the runner's, the task's own, and a Python task's venv (an Error fact if it cannot be made). */
async function processEnv(req: LaunchRequest, ex: ContainerExecutor, taskEnv: Record<string, string>, ctx: TaskContext): Promise<{ env: NodeJS.ProcessEnv } | { failed: ExecutionFact }> {
  const base = { ...(ctx.env ?? process.env), ...taskEnv };
  // Python buffers a piped stdout; unbuffered keeps progress lines live.
  base.PYTHONUNBUFFERED ??= '1';
  const plainCommand = ex.command.every((c) => typeof c === 'string') ? (ex.command as string[]) : undefined;
  if (!isPythonTask(ex, plainCommand)) return { env: base };
  const packages = (plainCommand && lightweightComponentPackages(plainCommand)) ?? [];
  try {
    const venv = await unlessAborted(ctx.pythonEnv(packages, (line) => ctx.onEvent({ type: 'setup', nodeId: req.nodeId, message: line })), ctx.signal);
    return { env: venv ? pythonEnvVars(venv, base) : base };
  } catch (e) {
    return { failed: errorFact(req.attempt, `cannot prepare the Python environment (${packages.join(' ') || 'kfp'}): ${(e as Error).message}`) };
  }
}

export async function runContainerTask(req: LaunchRequest, ctx: TaskContext): Promise<ExecutionFact> {
  const ex = ctx.pipeline.executors[req.executorLabel];
  const component = ctx.pipeline.components[req.componentName];
  if (ex?.kind !== 'container' || !component) return errorFact(req.attempt, `executor ${req.executorLabel} is not a container`);
  const log = ctx.logger.child({ task: req.nodeId, attempt: req.attempt });
  if (ex.platformOp) return localPlatformOp(req, ex.platformOp, ctx, log);
  const cancelled = (): ExecutionFact | undefined => {
    const r: unknown = ctx.signal.reason;
    if (!ctx.signal.aborted) return undefined;
    return { attempt: req.attempt, phase: r instanceof StopRequest ? r.phase : 'Cancelled', message: String(r), finishedAt: new Date().toISOString() };
  };

  const taskRoot = hostLocalPath(req.taskRoot);
  let prepared: Prepared;
  try {
    prepared = prepare(req, ex, component, ctx);
  } catch (e) {
    return errorFact(req.attempt, (e as Error).message);
  }
  for (const message of prepared.warnings) ctx.onEvent({ type: 'warning', nodeId: req.nodeId, message });
  if (prepared.error) return { attempt: req.attempt, phase: 'Failed', message: prepared.error, finishedAt: new Date().toISOString() };
  const { executorInput } = prepared;
  // target_image components: their module from the component directories (containerized.ts).
  const local = await localArgv(ex, prepared.argv, ctx.componentDirs ?? []);
  if ('error' in local) return errorFact(req.attempt, local.error);
  const { argv } = local;

  await clearAttempt(taskRoot, executorInput, ctx.runDir);
  const made = await processEnv(req, ex, prepared.env, ctx);
  if ('failed' in made) return made.failed;
  const { env } = made;
  const stopped = cancelled();
  if (stopped) return stopped;

  const logBase = path.join(ctx.runDir, '.logs', nodeKeyPath(req.nodeId), `attempt-${req.attempt}`);
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'pipewright-task-'));
  const startedAt = new Date().toISOString();
  ctx.onStart(startedAt);
  log.debug({ argv0: argv[0], cwd, executorInput }, 'starting task');
  let result;
  try {
    result = await runProcess({
      argv,
      env,
      cwd,
      stdoutFile: `${logBase}.stdout.log`,
      stderrFile: `${logBase}.stderr.log`,
      timeoutSeconds: req.timeoutSeconds,
      signal: ctx.signal,
      killGraceMs: ctx.killGraceMs,
      onLine: (stream, line) => ctx.onEvent({ type: 'task-log', nodeId: req.nodeId, stream, line }),
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
  const fact: ExecutionFact = { attempt: req.attempt, phase: 'Failed', startedAt, finishedAt: result.finishedAt.toISOString() };
  if (result.exitCode !== null) fact.exitCode = result.exitCode;
  if (result.stopReason !== undefined && !result.timedOut) {
    const r: unknown = ctx.signal.reason;
    fact.phase = r instanceof StopRequest ? r.phase : 'Cancelled';
    fact.message = result.stopReason;
    return fact;
  }
  if (result.spawnError) return { ...fact, phase: 'Error', message: result.spawnError };
  if (result.exitCode !== 0) return { ...fact, message: describeFailure(result, `${logBase}.stderr.log`) };
  try {
    return { ...fact, phase: 'Succeeded', outputs: await readOutputs(req, executorInput, log) };
  } catch (e) {
    return { ...fact, message: (e as Error).message };
  }
}

async function readOutputs(req: LaunchRequest, executorInput: ExecutorInput, log: Logger): Promise<NodeOutputs> {
  const parameterTexts: Record<string, string | undefined> = {};
  for (const [name, p] of Object.entries(executorInput.outputs.parameters)) parameterTexts[name] = await readIfExists(p.outputFile);
  const executorOutputText = await readIfExists(executorInput.outputs.outputFile);
  const { outputs, copies } = collectOutputs({ request: req, executorInput, executorOutputText, parameterTexts });
  // As on the cluster: every artifact stays under the task's own root, and no link is followed (confine.ts).
  const root = hostLocalPath(req.taskRoot);
  for (const [name, list] of Object.entries(outputs.artifacts)) {
    await confinedPath(`output artifact '${name}': URI`, hostLocalPath(list[0]!.uri), root);
  }
  for (const c of copies) {
    const what = `output artifact '${c.output}': custom_path`;
    const from = await confinedPath(what, c.from, root);
    const to = path.resolve(hostLocalPath(c.toUri));
    if (from !== to) await copyConfined(what, from, to);
  }
  for (const [name, list] of Object.entries(outputs.artifacts)) {
    const a = list[0]!;
    const p = hostLocalPath(a.uri);
    // The backend only warns for a missing artifact file; metrics artifacts live in metadata alone.
    if (isMetadataOnly(a.type.schemaTitle) || (await stat(p).catch(() => undefined))) continue;
    log.warn({ output: name, path: p }, 'output artifact was not written');
  }
  return outputs;
}
