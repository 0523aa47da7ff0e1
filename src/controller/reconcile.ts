// reconcile(key): one pass over a run, in four stages a reader can follow in reconcileRun below:
//   observe (reconcile-observe.ts: reads only) → plan (reconcile-plan.ts: pure, the engine) →
//   act (reconcile-act.ts: the only pod/PVC/cache writes) → record (reconcile-record.ts: status and events).
// Nothing about "what I already did" is kept in memory beyond hints (expectations.ts): a killed controller picks
// up where the cluster is. Errors are classified once: terminal (the run fails with a reason) or transient (backoff).
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CacheIndex } from '../artifacts/cache-index.js';
import { ArtifactNotFoundError, ArtifactUriError, type ArtifactStore } from '../artifacts/s3.js';
import { eachLimited } from '../util/each-limited.js';
import { nowMs, systemClock, type Clock } from './clock.js';
import type { ControllerConfig } from './config.js';
import { classify, DEGRADED, Reason, transientBoundary, type ReasonName } from './errors.js';
import type { EventRecorder } from './event-recorder.js';
import { Expectations } from './expectations.js';
import { ConflictError, RejectedError, type KubeOps } from './kube-ops.js';
import type { ReconcileOutcome } from './queue.js';
import { Launcher } from './reconcile-act.js';
import { Observer, type Observation, type RunObservation } from './reconcile-observe.js';
import { admit, desiredStatus, nextWakeMs, planPass, type Admission, type Pass } from './reconcile-plan.js';
import { StatusRecorder } from './reconcile-record.js';
import { ANNOTATION_ATTEMPT } from './names.js';
import { decideRetry, pendingRetry, RetryReason } from './run-retry.js';
import { formatDuration, isRunFinished, type RunStatus } from './status.js';
import { NodeDocs } from './status-nodes.js';
import { StatusThrottle } from './status-throttle.js';
import { PlanMemo } from './plan-memo.js';
import { PlanCache } from '../engine/plan-cache.js';
import { PodLauncher } from './pod-launcher.js';
import type { PipelineRunObject } from './types.js';

export interface ReconcilerDeps {
  config: ControllerConfig;
  logger: Logger;
  kube: KubeOps;
  /** The run as the cache holds it. Cached objects are never edited in place (a change is a new object): what a
   * pass reads from one is kept by its identity (reconcile-observe.ts). */
  getRun: (namespace: string, name: string) => PipelineRunObject | undefined;
  /** The run's pods: in its namespace and owned by its uid (new objects on change, as getRun). */
  podsOfRun: (namespace: string, uid: string) => V1Pod[];
  store?: ArtifactStore;
  /** A namespace's cache index: where task outputs are looked up by fingerprint before a pod is made, and recorded after. */
  cacheFor?: (namespace: string) => CacheIndex;
  /** The one clock of every deadline, expectation and timestamp (main.ts: the system clock). */
  now?: Clock;
  /** Signs the artifact grant each task pod gets (src/artifacts/grant.ts). */
  grantKey?: Buffer;
  /** Observed durations of reconcile calls that did work (not those waiting for the cache to show our own write). */
  onReconciled?: (ms: number, key: string) => void;
  /** Brings a run back to the queue (a pod creation handed to the launcher ended without a pod, or failed). */
  requeue?: (key: string) => void;
}

export { eachLimited };
export { EXPECTATION_MS } from './expectations.js';

/**
 * A status write that may not wait for the run's write slot: the run ends or changes phase (timeouts included),
 * the act step settled nodes only the status remembers (cache hits, refusals, stops, platform ops), the spec
 * changed, or the status still reports a trouble that is over.
 */
function urgentWrite(obs: Observation, pass: Pass, settled: boolean): boolean {
  const { stored, run } = obs;
  return (
    settled ||
    pass.timedOut ||
    pass.result.phase !== stored.phase ||
    isRunFinished(pass.result.phase) ||
    run.metadata?.generation !== stored.observedGeneration ||
    (stored.conditions ?? []).some((c) => c.type === DEGRADED && c.status === 'True')
  );
}

/** How long a pass whose run has a status write in flight waits at most before it looks again. */
const WRITE_WAIT_MS = 1000;

/** Runs with more nodes than this yield the event loop between the stages of a pass. */
const LARGE_RUN_NODES = 1000;

export class Reconciler {
  /** By run uid: transient failures in a row, and whether the run's status says so already. */
  private readonly failing = new Map<string, { count: number; since: number; reported?: string }>();
  private readonly deps: ReconcilerDeps;
  private readonly clock: Clock;
  private readonly expectations: Expectations;
  private readonly observer: Observer;
  private readonly launcher: Launcher;
  private readonly recorder: StatusRecorder;
  private readonly forgetDocs: (uid: string) => void;
  private readonly throttle: StatusThrottle;
  private readonly memo = new PlanMemo();
  /**
   * A run's admission, by uid, while its pipeline object and spec (generation) stay the same: one check per spec;
   * and the engine's cache of its plans under that spec (plan-cache.ts).
   */
  private readonly admitted = new Map<string, { pipeline: object; generation: number; admission: Extract<Admission, { ok: true }>; plans: PlanCache }>();
  /** Pod creations in flight, of every run (pod-launcher.ts). */
  readonly launches: PodLauncher;

  constructor(deps: ReconcilerDeps) {
    // What the API server and S3 throw is marked transient here, once; everything else is about the run itself.
    const own = (err: unknown): boolean => err instanceof RejectedError || err instanceof ConflictError;
    const notFound = (err: unknown): boolean => err instanceof ArtifactNotFoundError || err instanceof ArtifactUriError;
    const kube = transientBoundary(deps.kube, 'APIServer', own);
    const store = deps.store ? transientBoundary(deps.store, 'S3', notFound) : undefined;
    const cacheFor = deps.cacheFor ? (ns: string) => transientBoundary(deps.cacheFor!(ns), 'S3', notFound) : undefined;
    this.deps = deps;
    this.clock = deps.now ?? systemClock;
    this.expectations = new Expectations(this.clock);
    // Full node detail of runs too large for their status (undefined without S3: such a status is kept whole).
    const nodeDocs = store ? new NodeDocs(store) : undefined;
    const shared = { config: deps.config, kube, expectations: this.expectations, clock: this.clock };
    this.launches = new PodLauncher({ concurrency: deps.config.client.launchConcurrency, expectations: this.expectations, ...(deps.requeue ? { requeue: deps.requeue } : {}) });
    this.observer = new Observer({ ...shared, podsOfRun: deps.podsOfRun, launches: this.launches, ...(store ? { store } : {}), ...(nodeDocs ? { nodeDocs } : {}) });
    this.launcher = new Launcher({ ...shared, pods: this.launches, podsOfRun: deps.podsOfRun, ...(cacheFor ? { cacheFor } : {}), ...(deps.grantKey ? { grantKey: deps.grantKey } : {}) });
    this.recorder = new StatusRecorder({ ...shared, logger: deps.logger, holdEventsWhile: () => this.launches.queued > 0, ...(nodeDocs ? { nodeDocs } : {}), ...(deps.requeue ? { requeue: deps.requeue } : {}) });
    this.forgetDocs = (uid) => nodeDocs?.forget(uid);
    this.throttle = new StatusThrottle(deps.config.client.statusIntervalMs, this.clock, deps.config.client.statusWritesPerSec);
  }

  /** Events go out in the background: a reconcile never waits for them. */
  get events(): EventRecorder {
    return this.recorder.events;
  }

  forget(uid: string): void {
    this.observer.forget(uid);
    this.launcher.forget(uid);
    this.expectations.forget(uid);
    this.failing.delete(uid);
    this.forgetDocs(uid);
    this.throttle.forget(uid);
    this.memo.forget(uid);
    this.admitted.delete(uid);
    this.recorder.forget(uid);
  }

  /** Every version of a run the cache receives, in order (wired to the run watch). */
  runSeen(run: PipelineRunObject): void {
    if (run.metadata?.uid) this.expectations.runSeen(run.metadata.uid, run.metadata.resourceVersion);
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const run = this.deps.getRun(namespace, name);
    if (!run?.metadata?.uid) return;
    // Our last status write is not answered yet (its answer requeues the run), or the run cache has not delivered
    // it (its watch event requeues the run; the deadline covers a re-list that skipped it). Meanwhile a pass acts
    // (a task that ended starts its successors) but writes nothing: a write from this older version would lose to
    // a conflict. Acting from it redoes nothing: pods just created are expected (expectations.ts) or in flight
    // (pod-launcher.ts), and whatever else it settles is settled again the same way, as after a restart.
    const uid = run.metadata.uid;
    const wait = this.expectations.statusWaitMs(uid, run.metadata.resourceVersion);
    const held = wait > 0 ? wait : this.recorder.writing(uid) ? WRITE_WAIT_MS : 0;
    const started = nowMs(this.clock);
    const pass = { untimed: false };
    try {
      // That write failed (API server): this pass fails with it, for the backoff and the Degraded report.
      const failedWrite = this.recorder.takeError(uid);
      if (failedWrite !== undefined) throw failedWrite;
      const outcome = await this.reconcileRun(key, run, held, pass);
      this.failing.delete(uid);
      return outcome;
    } catch (err) {
      return await this.failed(key, run, err);
    } finally {
      // Not timed: a held pass that found nothing to act on (it only waited for our own write).
      if (!pass.untimed) this.deps.onReconciled?.(nowMs(this.clock) - started, key);
    }
  }

  /** admit(), again only when the run's spec or pipeline changed (only admitted runs are remembered). */
  private admit(seen: RunObservation): Admission {
    const uid = seen.run.metadata!.uid!;
    const generation = seen.run.metadata!.generation;
    const kept = this.admitted.get(uid);
    if (kept && kept.pipeline === seen.pipeline && kept.generation === generation) return kept.admission;
    const admission = admit(seen, this.deps.config);
    if (admission.ok && generation !== undefined) this.admitted.set(uid, { pipeline: seen.pipeline, generation, admission, plans: new PlanCache() });
    else this.admitted.delete(uid);
    return admission;
  }

  /**
   * One pass: observe → plan → act → (plan again if acting settled nodes) → record. `held` > 0: the run's last
   * status write is not in the cache yet; the pass acts but records nothing, and looks again within `held` ms.
   */
  private async reconcileRun(key: string, run: PipelineRunObject, held: number, timing: { untimed: boolean }): Promise<ReconcileOutcome> {
    const wait = (): ReconcileOutcome => {
      timing.untimed = true;
      return { requeueAfterMs: held };
    };
    if (isRunFinished(run.status?.phase)) return held > 0 ? wait() : this.finishedRun(run);
    const log = this.deps.logger.child({ run: key });
    const now = this.clock();
    const { config } = this.deps;

    // Observe the run and its pipeline; plan whether it may go ahead at all.
    const seen = await this.observer.run(run);
    const admission = this.admit(seen);
    if (!admission.ok) {
      if (held > 0) return wait();
      log.warn({ err: admission.message }, admission.reason === Reason.Forbidden ? 'run refused' : 'invalid pipeline');
      return this.failRun(run, admission.previous, admission.reason, admission.message);
    }
    const obs = await this.observer.pods(seen, admission);
    // A large run's pass is a few long synchronous steps (each linear in its nodes): between them the event loop
    // serves the other runs, the watches and the Lease renewals.
    let large = Object.keys(obs.previous.nodes ?? {}).length > LARGE_RUN_NODES;
    const breathe = (): Promise<void> => (large ? new Promise((r) => setImmediate(r)) : Promise.resolve());
    await breathe();
    const uid = run.metadata!.uid!;
    const rv = run.metadata!.resourceVersion;
    const idle = this.nothingToPlan(obs, now, held, large);
    if (idle) {
      timing.untimed = held > 0;
      return idle;
    }

    // Plan, act; plan again when acting settled nodes itself (cache hits, refusals, stops).
    const cache = this.admitted.get(uid)?.plans;
    let pass = planPass(obs, now, config, cache);
    large ||= Object.keys(pass.result.nodes).length > LARGE_RUN_NODES;
    await breathe();
    const acted = await this.launcher.act(obs, pass, log);
    if (acted.changed) {
      await breathe();
      pass = { ...planPass(obs, now, config, cache), deferred: pass.deferred };
      await breathe();
    }

    // Coalesced: a change the pods can tell again waits for the run's next write slot (status-throttle.ts); the
    // pass that will write it is requeued. Not even the status is built meanwhile (linear in the run's nodes).
    // A held pass writes nothing.
    const hold = held > 0 ? held : urgentWrite(obs, pass, acted.changed) ? 0 : this.throttle.waitMs(uid);
    if (hold > 0) {
      const wake = nextWakeMs(obs, pass, false, pass.deferred || acted.skipped, now);
      this.memo.planned(uid, rv, obs.facts, wake === undefined ? undefined : now.getTime() + wake);
      return { requeueAfterMs: Math.min(hold, wake ?? hold) };
    }

    // Record: the status this pass leads to, written once if it changed, and its events.
    const status = desiredStatus(obs, pass, acted.launched, now, config);
    await breathe();
    const finished = isRunFinished(status.phase);
    const written = await this.recorder.record(obs, status, log, breathe, finished ? () => this.afterFinished(obs, log) : undefined);
    if (written === 'written') this.throttle.wrote(uid);
    const wake = nextWakeMs(obs, pass, finished, pass.deferred || acted.skipped, now);
    if (written === 'unchanged') this.memo.planned(uid, rv, obs.facts, wake === undefined ? undefined : now.getTime() + wake);
    return wake === undefined ? undefined : { requeueAfterMs: wake };
  }

  /**
   * Nothing a plan would act on changed since the last one (plan-memo.ts) and the status write waits for its slot
   * anyway: no plan this pass (linear in the run's nodes), back when the slot comes.
   */
  private nothingToPlan(obs: Observation, now: Date, held: number, large: boolean): ReconcileOutcome | undefined {
    const { uid } = obs.ctx;
    // A large run waits for its write: its held passes would plan all its nodes on every pod event (a fan-out's
    // 1,000 leaves ending), and the write's latency is a small part of its time.
    if (held > 0 && large) return { requeueAfterMs: held };
    const slot = held > 0 ? held : this.throttle.waitMs(uid);
    if (slot > 0 && obs.recheckAt === undefined && this.memo.unchanged(uid, obs.run.metadata!.resourceVersion, obs.facts, now.getTime())) return { requeueAfterMs: slot };
    return undefined;
  }

  /** A finished run whose last write is in the cache: retried in place (spec.retry, run-retry.ts), or forgotten. */
  private async finishedRun(run: PipelineRunObject): Promise<ReconcileOutcome> {
    if (pendingRetry(run) !== undefined) return this.retryFinished(run, run.status ?? {});
    this.forget(run.metadata!.uid!);
    return undefined;
  }

  /**
   * spec.retry on a finished run. The decision is pure (run-retry.ts); here it is written, once (the status's
   * retry.generation then matches), with an event. Pods are not touched: new attempts get new names.
   */
  private async retryFinished(run: PipelineRunObject, stored: RunStatus): Promise<ReconcileOutcome> {
    const uid = run.metadata!.uid!;
    this.forget(uid);
    const nodes = stored.nodesRef ? await this.observer.allNodes(uid, stored) : stored.nodes;
    const attempts = this.deps.podsOfRun(run.metadata!.namespace!, uid).map((p) => Number(p.metadata?.annotations?.[ANNOTATION_ATTEMPT]));
    const d = decideRetry(run, nodes, attempts, this.clock().toISOString());
    if (d.action === 'none') return;
    try {
      const rv = await this.deps.kube.writeRunStatus(run, d.status);
      if (rv && d.action === 'retry') this.expectations.statusWritten(uid, rv);
    } catch (err) {
      if (err instanceof ConflictError) return { requeueAfterMs: 50 };
      throw err;
    }
    const [type, reason] = d.action === 'retry' ? (['Normal', RetryReason.Retrying] as const) : ([d.warning ? 'Warning' : 'Normal', d.reason] as const);
    this.deps.logger.info({ run: `${run.metadata!.namespace}/${run.metadata!.name}`, reason, msg: d.message }, 'spec.retry');
    this.events.record(() => this.deps.kube.event(run, type, reason, d.message).catch(() => undefined));
    return d.action === 'retry' ? { requeueAfterMs: 0 } : undefined;
  }

  /** Once, after the status that finished a run is written: what the run held that outlives no run. */
  private async afterFinished(obs: Observation, log: Logger): Promise<void> {
    await this.launcher.runFinished(obs, log);
  }

  /** The run ends Failed with `reason`; its pods still running are stopped first. */
  private async failRun(run: PipelineRunObject, previous: RunStatus, reason: ReasonName, message: string): Promise<void> {
    await this.launcher.stopRunningPods(run);
    await this.recorder.recordFailed(run, previous, reason, message);
  }

  /**
   * A reconcile threw. Terminal (the run's content): the run fails once, with reason, message and event.
   * Transient (API server, S3): rethrown for the queue's backoff; after some in a row the status says what is
   * failing, and an S3 outage past its deadline fails the run (its outputs cannot be read, so it cannot succeed).
   */
  private async failed(key: string, run: PipelineRunObject, err: unknown): Promise<ReconcileOutcome> {
    const uid = run.metadata!.uid!;
    const c = classify(err);
    const log = this.deps.logger.child({ run: key });
    const now = nowMs(this.clock);
    const previous: RunStatus = typeof run.status === 'object' && run.status !== null ? run.status : {};
    if (c.kind === 'terminal') {
      log.warn({ reason: c.reason, err: c.message, cause: err instanceof Error ? err.stack : String(err) }, 'run failed: cannot be processed');
      await this.failRun(run, previous, c.reason, c.message);
      this.forget(uid);
      return;
    }
    const f = this.failing.get(uid) ?? { count: 0, since: now };
    f.count++;
    this.failing.set(uid, f);
    if (c.dependency === 'S3') {
      // The outage's start survives a restart in the condition's transition time.
      const cond = previous.conditions?.find((x) => x.type === DEGRADED && x.status === 'True' && x.reason === Reason.S3Unavailable);
      const since = Math.min(f.since, cond ? Date.parse(cond.lastTransitionTime) || f.since : f.since);
      const deadline = this.deps.config.faults.s3OutageDeadlineMs;
      if (now - since >= deadline) {
        const message = `S3 has been unreachable for ${formatDuration(now - since)} (deadline ${formatDuration(deadline)}, PIPEWRIGHT_S3_OUTAGE_DEADLINE_SECONDS): task outputs cannot be read, so the run cannot finish; last error: ${c.message}`;
        log.error({ err: c.message }, 'S3 outage deadline exceeded: failing the run');
        await this.failRun(run, previous, Reason.S3OutageDeadlineExceeded, message);
        this.forget(uid);
        return;
      }
    }
    if (f.count >= this.deps.config.faults.failuresBeforeReport && f.reported !== c.reason) {
      await this.recorder.recordDegraded(run, previous, c, f.count).then(
        () => (f.reported = c.reason),
        (e: unknown) => log.debug({ err: String(e) }, 'cannot report the failure on the run'),
      );
    }
    throw err;
  }
}
