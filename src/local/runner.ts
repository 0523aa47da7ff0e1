// The local runner: the pure engine decides, this loop does the I/O. plan() -> start/stop tasks ->
// record facts -> plan() again, until the run is over. Facts are the only state kept here.
import { unsupportedLocalArtifactUri } from '../model/artifact-uri.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { LocalCacheIndex, type CacheIndex } from '../artifacts/cache-index.js';
import { checkSegment } from '../artifacts/keys.js';
import { plan as defaultPlan } from '../engine/plan.js';
import { isRunTerminal, type ExecutionFact, type LaunchRequest, type PlanInput, type PlanResult, type RunContext } from '../engine/state.js';
import type { JsonValue, Pipeline } from '../model/types.js';
import { runContainerTask } from './container-task.js';
import { StopRequest, type RunEvent, type RunEventHandler } from './events.js';
import type { LocalSecrets } from './platform-local.js';
import { ensurePythonEnv, type PythonEnv } from './python-env.js';
import { longTimeout, type LongTimeout } from '../util/long-timeout.js';
import { PlanCache } from '../engine/plan-cache.js';

export const LOCAL_NAMESPACE = 'local';

export interface RunLocalOptions {
  arguments?: Record<string, JsonValue>;
  /** Tasks running at once; default the number of CPUs. */
  parallelism?: number;
  /** Default ~/.pipewright/artifacts. */
  artifactRoot?: string;
  runName?: string;
  logger: Logger;
  onEvent?: RunEventHandler;
  /** Aborting cancels the run: running tasks are stopped, the run ends Cancelled. */
  signal?: AbortSignal;
  /** Venv cache root and base interpreter (see python-env.ts). */
  cacheDir?: string;
  python?: string;
  killGraceMs?: number;
  /**
   * Where the modules of containerized Python components (`target_image`) are found locally: a kfp_config.ini
   * or a .py defining the function, in these directories in order (the CLI passes the pipeline file's).
   */
  componentDirs?: string[];
  /** Run-level caching switch (`--no-cache` sets false); tasks opt out with set_caching_options(False). Default true. */
  enableCaching?: boolean;
  /** Where cached outputs are found and recorded; default `<artifact root>/.cache` (LocalCacheIndex). */
  cacheIndex?: CacheIndex;
  /** Secrets for use_secret_as_env: `<dir>/<secret name>/<key>` files (`--secrets-dir`). */
  secretsDir?: string;
  /** Test seams. */
  plan?: (input: PlanInput) => PlanResult;
  pythonEnv?: (packages: string[], onProgress: (line: string) => void) => Promise<PythonEnv>;
}

export interface LocalRunResult extends PlanResult {
  run: RunContext;
  /** `<artifact root>/local/<run name>`: task outputs, `.logs/` and `.workspace/`. */
  runDir: string;
  facts: Record<string, ExecutionFact>;
  /** Settings the local run did not apply (kfp-kubernetes), each once. */
  warnings?: string[];
}

export function defaultArtifactRoot(): string {
  return path.join(os.homedir(), '.pipewright', 'artifacts');
}

/** `<pipeline>-<yyyymmdd-hhmmss>-<4 hex>`, safe as an artifact key segment. */
export function defaultRunName(pipeline: Pipeline, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const base = pipeline.name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'run';
  return `${base.slice(0, 40)}-${stamp}-${randomUUID().slice(0, 4)}`;
}


/** The longest pause between plans (a chain's next step waits at most this long for its plan). */
const MAX_PLAN_PAUSE_MS = 100;

interface InFlight {
  attempt: number;
  controller: AbortController;
}

interface RunSetup {
  run: RunContext;
  runDir: string;
  artifactRoot: string;
  parallelism: number;
  logger: Logger;
}

async function setUp(pipeline: Pipeline, opts: RunLocalOptions): Promise<RunSetup> {
  const created = new Date();
  const runName = checkSegment(opts.runName ?? defaultRunName(pipeline, created), 'run name');
  const artifactRoot = path.resolve(opts.artifactRoot ?? defaultArtifactRoot());
  const run: RunContext = {
    name: runName,
    displayName: runName,
    uid: randomUUID(),
    namespace: LOCAL_NAMESPACE,
    pipelineRoot: artifactRoot,
    createTime: created.toISOString(),
  };
  const runDir = path.join(artifactRoot, LOCAL_NAMESPACE, runName);
  await mkdir(runDir, { recursive: true });
  const parallelism = opts.parallelism && opts.parallelism > 0 ? opts.parallelism : Math.max(1, os.availableParallelism());
  return { run, runDir, artifactRoot, parallelism, logger: opts.logger.child({ run: runName }) };
}

function finishedEvent(req: LaunchRequest, fact: ExecutionFact): RunEvent {
  const duration = fact.startedAt && fact.finishedAt ? (Date.parse(fact.finishedAt) - Date.parse(fact.startedAt)) / 1000 : 0;
  const e: RunEvent = { type: 'task-finished', nodeId: req.nodeId, displayName: req.displayName, attempt: req.attempt, phase: fact.phase, durationSeconds: duration };
  if (fact.message) e.message = fact.message;
  return e;
}

/** `<dir>/<name>/<key>`, read only for names and keys Kubernetes would accept (no path escapes the directory). */
function localSecrets(dir: string): LocalSecrets {
  const safe = /^[A-Za-z0-9][-._A-Za-z0-9]*$/;
  return {
    dir,
    read: (name, key) => {
      if (!safe.test(name) || !safe.test(key)) return undefined;
      try {
        return readFileSync(path.join(dir, name, key), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

export async function runLocal(pipeline: Pipeline, opts: RunLocalOptions): Promise<LocalRunResult> {
  const plan = opts.plan ?? defaultPlan;
  const warnings: string[] = [];
  const emit = (e: RunEvent): void => {
    // A warning is about a setting, said once per run (not once per loop iteration or attempt).
    if (e.type === 'warning') {
      if (warnings.includes(e.message)) return;
      warnings.push(e.message);
    }
    opts.onEvent?.(e);
  };
  const secrets = opts.secretsDir ? localSecrets(path.resolve(opts.secretsDir)) : undefined;
  const { run, runDir, artifactRoot, parallelism, logger } = await setUp(pipeline, opts);
  const runName = run.name;
  const pythonEnv =
    opts.pythonEnv ??
    ((packages: string[], onProgress: (line: string) => void) =>
      ensurePythonEnv(packages, { cacheDir: opts.cacheDir, python: opts.python, logger, onProgress }));

  const enableCaching = opts.enableCaching ?? true;
  const cache = opts.cacheIndex ?? new LocalCacheIndex(artifactRoot);
  const facts: Record<string, ExecutionFact> = {};
  const inflight = new Map<string, InFlight>();
  const queue = new PQueue({ concurrency: parallelism });
  const reported = new Set<string>();
  // A change (fact, abort) since the last plan: plan again before waiting.
  let dirty = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  const onAbort = (): void => poke();
  opts.signal?.addEventListener('abort', onAbort);

  const start = (req: LaunchRequest): void => {
    const controller = new AbortController();
    inflight.set(req.nodeId, { attempt: req.attempt, controller });
    facts[req.nodeId] = { attempt: req.attempt, phase: 'Pending' };
    void queue.add(async () => {
      const hit = await cachedFact(req, cache, logger);
      const fact = hit ?? await runContainerTask(req, {
        pipeline,
        run,
        runDir,
        logger,
        onEvent: emit,
        signal: controller.signal,
        pythonEnv,
        killGraceMs: opts.killGraceMs,
        ...(opts.componentDirs ? { componentDirs: opts.componentDirs } : {}),
        ...(secrets ? { secrets } : {}),
        onStart: (startedAt) => {
          facts[req.nodeId] = { attempt: req.attempt, phase: 'Running', startedAt };
          emit({ type: 'task-started', nodeId: req.nodeId, displayName: req.displayName, attempt: req.attempt });
          poke();
        },
      }).catch((e: unknown): ExecutionFact => ({ attempt: req.attempt, phase: 'Error', message: `runner: ${(e as Error).message}`, finishedAt: new Date().toISOString() }));
      if (!hit && fact.phase === 'Succeeded' && fact.outputs && req.cacheFingerprint) {
        const meta = { pipeline: pipeline.name, run: runName, nodeId: req.nodeId, component: req.componentName, createdAt: new Date().toISOString() };
        await cache.record(req.cacheFingerprint, fact.outputs, meta).catch((e: unknown) => logger.warn({ task: req.nodeId, err: (e as Error).message }, 'cannot record the task in the cache'));
      }
      facts[req.nodeId] = fact;
      inflight.delete(req.nodeId);
      emit(finishedEvent(req, fact));
      poke();
    });
  };

  // Planning costs time in proportion to the run's size and every task start and end asks for it: a 1,000-task
  // fan-out planned 2,000 times spent more CPU planning than running its tasks. Planning waits after each plan as
  // long as that plan took (at most half the time goes to it), gathering the events of that wait into one plan.
  let lastPlanMs = 0;
  const planCache = new PlanCache();
  try {
    for (;;) {
      dirty = false;
      const cancelRequested = opts.signal?.aborted ?? false;
      const args = opts.arguments ?? {};
      const input: PlanInput = { pipeline, arguments: args, facts: { ...facts }, run, now: new Date().toISOString(), cancelRequested, parallelism, enableCaching, checkImportUri: unsupportedLocalArtifactUri, cache: planCache };
      const planStart = performance.now();
      const result = plan(input);
      reportNodes(result, reported, emit);
      applyStops(result, cancelRequested, inflight);
      for (const req of result.launch) if (!inflight.has(req.nodeId)) start(req);
      if (inflight.size === 0 && isRunTerminal(result.phase)) return { ...result, run, runDir, facts, warnings };
      if (inflight.size === 0 && result.launch.length === 0 && !result.wakeAt) {
        // The engine has nothing to start and nothing runs: report instead of waiting forever.
        return { ...result, phase: 'Error', message: result.message ?? 'the run cannot make progress (no task can start)', run, runDir, facts, warnings };
      }
      lastPlanMs = performance.now() - planStart;
      if (!dirty) await waitFor(result.wakeAt, (w) => (wake = w));
      wake = undefined;
      if (lastPlanMs >= 1) await sleep(Math.min(lastPlanMs, MAX_PLAN_PAUSE_MS));
      dirty = false;
    }
  } catch (e) {
    // Never leave tasks running behind a failed loop (a bug in the engine, a full disk).
    for (const f of inflight.values()) f.controller.abort(new StopRequest('runner error', 'Cancelled'));
    await queue.onIdle();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** A Cached fact when the index holds this task's fingerprint (and its artifacts still exist). */
async function cachedFact(req: LaunchRequest, cache: CacheIndex, logger: Logger): Promise<ExecutionFact | undefined> {
  if (!req.cacheFingerprint) return undefined;
  const at = new Date().toISOString();
  try {
    const outputs = await cache.lookup(req.cacheFingerprint);
    if (!outputs) return undefined;
    return { attempt: req.attempt, phase: 'Cached', startedAt: at, finishedAt: new Date().toISOString(), outputs, message: `cached (${req.cacheFingerprint.slice(0, 12)})` };
  } catch (e) {
    logger.warn({ task: req.nodeId, err: (e as Error).message }, 'cache lookup failed; running the task');
    return undefined;
  }
}

function applyStops(result: PlanResult, cancelRequested: boolean, inflight: Map<string, InFlight>): void {
  for (const s of result.stop) {
    inflight.get(s.nodeId)?.controller.abort(new StopRequest(s.reason, cancelRequested ? 'Cancelled' : 'Failed'));
  }
  // On cancel, queued tasks that never started are stopped too, whatever the plan lists.
  if (cancelRequested) for (const f of inflight.values()) f.controller.abort(new StopRequest('run cancelled', 'Cancelled'));
}

/** Resolves on the next poke or at `wakeAt`; the timer is cleared so it never outlives the wait. */
function waitFor(wakeAt: string | undefined, setWake: (w: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: LongTimeout | undefined;
    const done = (): void => {
      timer?.clear();
      resolve();
    };
    setWake(done);
    // A retry backoff can be days: longTimeout re-arms past Node's 24.8-day timer limit instead of firing at once.
    if (wakeAt) timer = longTimeout(done, Date.parse(wakeAt) - Date.now());
  });
}

/** Emits node-skipped once per skipped node whose parent was not skipped (a skipped DAG says it for its tasks). */
function reportNodes(result: PlanResult, reported: Set<string>, emit: RunEventHandler): void {
  for (const n of Object.values(result.nodes)) {
    if (n.phase !== 'Skipped' || reported.has(n.id)) continue;
    reported.add(n.id);
    if (n.parent && result.nodes[n.parent]?.phase === 'Skipped') continue;
    const e: RunEvent = { type: 'node-skipped', nodeId: n.id, displayName: n.displayName };
    if (n.reason) e.reason = n.reason;
    if (n.message) e.message = n.message;
    emit(e);
  }
}
