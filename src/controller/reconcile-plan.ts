// Reconcile, stage 2 of 4: plan. Pure: from an Observation and the time, what should be true — whether the run
// may go ahead at all, what the engine launches and stops this pass, the status that follows and when to look
// again. No I/O and no clock of its own (the time is passed in).
import type { JsonValue, Pipeline } from '../model/types.js';
import { plan } from '../engine/plan.js';
import type { PlanResult, RunContext } from '../engine/state.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import { parseDuration } from '../model/duration.js';
import { validateArguments } from '../model/validate.js';
import type { ControllerConfig } from './config.js';
import { taskPodName } from './names.js';
import { Reason, type ReasonName } from './reasons.js';
import { checkImportedUri, checkRunPolicy } from './run-policy.js';
import { own } from '../util/own.js';
import { buildStatus, type RunStatus, type StatusNode } from './status.js';
import type { Observation, RunObservation } from './reconcile-observe.js';
import type { PipelineRunObject } from './types.js';
import type { PlanCache } from '../engine/plan-cache.js';

/** May the run go ahead: its pipeline and arguments are valid and the namespace's policy allows it. */
export type Admission =
  | { ok: true; pipeline: Pipeline; arguments: Record<string, JsonValue>; ctx: RunContext }
  | { ok: false; reason: ReasonName; message: string; /** The status the failure is written over. */ previous: RunStatus };

export function runContext(run: PipelineRunObject, pipelineRoot: string): RunContext {
  return {
    name: run.metadata!.name!,
    displayName: run.metadata!.name!,
    uid: run.metadata!.uid!,
    namespace: run.metadata!.namespace!,
    pipelineRoot,
    createTime: new Date(run.metadata!.creationTimestamp ?? 0).toISOString(),
  };
}

/** The checks a run passes once, before anything of it runs (invalid pipeline, arguments, tenancy). */
export function admit(seen: RunObservation, config: ControllerConfig): Admission {
  const { run, stored, previous } = seen;
  if ('invalid' in seen.pipeline) return { ok: false, reason: Reason.InvalidPipeline, message: seen.pipeline.invalid, previous: stored };
  const pipeline = seen.pipeline;
  const spec = run.spec ?? {};
  const args = validateArguments(pipeline, spec.arguments ?? {});
  if (args.diagnostics.length > 0) {
    const message = args.diagnostics
      .map((d) => {
        const path = d.location.path?.replace(/^--arg /, 'spec.arguments.');
        // kubectl reads YAML 1.1: an unquoted n/y/yes/no/on/off key arrives as "true" or "false".
        const fix = /^spec\.arguments\.(true|false)$/.test(path ?? '') ? `${d.fix}; quote argument names such as "n" or "on" in YAML, which kubectl reads as booleans` : d.fix;
        return formatDiagnostic({ ...d, fix, location: { path } });
      })
      .join('; ');
    return { ok: false, reason: Reason.InvalidPipeline, message, previous: stored };
  }
  // Tenancy: what the run may read and write and which Secrets it may name, before anything runs.
  const policy = checkRunPolicy({ pipeline, namespace: run.metadata!.namespace!, ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}), ...(spec.podDefaults ? { podDefaults: spec.podDefaults } : {}) }, config.tenancy);
  if (policy.diagnostics.length > 0) return { ok: false, reason: Reason.Forbidden, message: policy.diagnostics.map(formatDiagnostic).join('; '), previous };
  return { ok: true, pipeline, arguments: args.values, ctx: runContext(run, policy.pipelineRoot) };
}

/** One pass's plan, and the run-level facts it was planned under. */
export interface Pass {
  result: PlanResult;
  /** When spec.timeout ends the run (ms since epoch), if it has one and has started. */
  deadline?: number;
  timedOut: boolean;
  /** The engine was asked for more launches than one pass makes: the rest follow at once. */
  deferred: boolean;
}

/** spec.pendingTimeout over the operator's PIPEWRIGHT_PENDING_DEADLINE_SECONDS ("0s" or 0: no limit). */
export function pendingDeadline(spec: string | undefined, operatorSeconds: number): { pendingDeadlineSeconds?: number } {
  const ms = spec !== undefined ? parseDuration(spec) : undefined;
  const seconds = ms !== undefined ? Math.ceil(ms / 1000) : operatorSeconds;
  return seconds > 0 ? { pendingDeadlineSeconds: seconds } : {};
}

/** The engine's plan for this pass, from the observed facts (which the act step may have added to). */
export function planPass(obs: Observation, now: Date, config: ControllerConfig, cache?: PlanCache): Pass {
  const spec = obs.run.spec ?? {};
  const timeoutMs = parseDuration(spec.timeout);
  const deadline = timeoutMs && obs.previous.startedAt ? Date.parse(obs.previous.startedAt) + timeoutMs : undefined;
  const timedOut = deadline !== undefined && now.getTime() >= deadline;
  const { launchesPerPass } = config.faults;
  const result = plan({
    pipeline: obs.pipeline,
    arguments: obs.arguments,
    facts: obs.facts,
    run: obs.ctx,
    now: now.toISOString(),
    cancelRequested: spec.cancel === true || timedOut,
    ...(spec.parallelism ? { parallelism: spec.parallelism } : {}),
    enableCaching: spec.caching !== false,
    checkImportUri: (uri) => checkImportedUri(uri, obs.ctx.namespace, config.tenancy, 'importer'),
    // Bounded work per pass: a 50,000-item fan-out launches in slices, each recorded in the status before the
    // next (the run is requeued at once), so one run neither holds a worker for long nor starves the others.
    maxLaunches: launchesPerPass,
    // A run retried in place (spec.retry): attempts of earlier rounds that did not succeed are forgotten.
    ...(obs.stored.retry ? { retryBase: obs.stored.retry.attemptBase } : {}),
    ...pendingDeadline(spec.pendingTimeout, config.faults.pendingDeadlineSeconds),
    ...(cache ? { cache } : {}),
  });
  return { result, timedOut, deferred: result.launch.length >= launchesPerPass, ...(deadline !== undefined ? { deadline } : {}) };
}

/** The status this pass should leave: the plan's view of the nodes plus what the act step did. */
export function desiredStatus(obs: Observation, pass: Pass, launched: PlanResult['launch'], now: Date, config: ControllerConfig): RunStatus {
  const { result, timedOut } = pass;
  const status = buildStatus({
    previous: obs.previous,
    plan: result,
    generation: obs.run.metadata!.generation,
    now: now.toISOString(),
    pods: obs.podNames,
    outputsRefs: obs.refs,
    stopped: obs.stopped,
    valueLimit: config.statusValueLimit,
    ...(timedOut && result.phase === 'Cancelled' ? { override: { phase: 'Failed' as const, message: `run exceeded its timeout of ${obs.run.spec?.timeout}`, reason: Reason.Timeout } } : {}),
  });
  markStoppedAndLaunched(status, obs.stopped, launched, (id, attempt) => taskPodName(obs.ctx.name, obs.ctx.uid, id, attempt));
  return status;
}

/** Nodes the controller ended itself; and the attempt just launched, so that a cache without its pod yet reads
 * "started" (see observe), not "to launch". A launched node names only its own attempt's pod: the name the
 * status carried is an earlier attempt's (a retry, a retried round), and that pod may be gone, which the next
 * pass would read as the new attempt's pod deleted. */
function markStoppedAndLaunched(status: RunStatus, stopped: Record<string, StatusNode>, launched: PlanResult['launch'], podOf: (id: string, attempt: number) => string): void {
  const nodes = status.nodes ?? {};
  for (const [id, n] of Object.entries(stopped)) {
    const node = own(nodes, id);
    if (node) node.stopped = n.stopped;
  }
  for (const l of launched) {
    const n = own(nodes, l.nodeId);
    if (!n?.pod) continue;
    if (n.pod !== podOf(l.nodeId, l.attempt)) delete n.pod;
    else if (n.attempt === undefined) n.attempt = l.attempt;
  }
}

/** When to reconcile the run again (ms from now), or undefined when only a watch event should wake it. */
export function nextWakeMs(obs: Observation, pass: Pass, finished: boolean, moreNow: boolean, now: Date): number | undefined {
  const more = moreNow ? now.getTime() : undefined;
  const wake = [pass.result.wakeAt ? Date.parse(pass.result.wakeAt) : undefined, pass.deadline, obs.recheckAt, more].filter((t): t is number => t !== undefined && !Number.isNaN(t));
  if (finished || wake.length === 0) return undefined;
  return Math.max(10, Math.min(...wake) - now.getTime());
}
