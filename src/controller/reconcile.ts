// reconcile(key): the one place that sequences I/O. It reads the run and its pods, asks the pure engine what
// should happen, creates or deletes pods by deterministic name, and writes the status once if it changed.
// Nothing about "what I already did" is kept in memory: a killed controller picks up where the cluster is.
import type { V1Pod } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { ArtifactNotFoundError, ArtifactUriError, type ArtifactStore } from '../artifacts/s3.js';
import { plan } from '../engine/plan.js';
import type { ExecutionFact, LaunchRequest, NodeOutputs, PlanResult, RunContext } from '../engine/state.js';
import { PipelineError, formatDiagnostic } from '../model/diagnostics.js';
import { parseDuration } from '../model/duration.js';
import type { Pipeline } from '../model/types.js';
import { validateArguments } from '../model/validate.js';
import { eachLimited } from '../util/each-limited.js';
import type { ControllerConfig } from './config.js';
import { EventRecorder } from './event-recorder.js';
import { diffEvents } from './events.js';
import { ConflictError, RejectedError, type KubeOps } from './kube-ops.js';
import { ANNOTATION_ATTEMPT, LABEL_RUN_UID, LABEL_TASK, labelValue, runLabels, runOwnerReference } from './names.js';
import { decideRetry, forgetEarlierRounds, pendingRetry, RetryReason } from './run-retry.js';
import { factFromPod, type PodFact } from './observe.js';
import { pipelineFromSource } from './pipeline-source.js';
import { buildTaskPod } from './pod-spec.js';
import { rejectedPodMessage } from './pod-security.js';
import { createPvcObject, deletePvcName, PlatformOpError, workspaceClaimName, workspaceConfig, workspacePvcObject } from '../executor/pvc-ops.js';
import type { PlatformOp } from '../model/types.js';
import { buildStatus, factFromStatusNode, factsFromStatus, isRunFinished, runConditions, type RunStatus, type StatusNode } from './status.js';
import { S3CacheIndex, type CacheIndex } from '../artifacts/cache-index.js';
import type { PipelineRunObject } from './types.js';
import type { ReconcileOutcome } from './queue.js';
import { checkReadUri, isOwnUri } from '../artifacts/tenancy.js';
import { checkLaunchInputs, checkPodSecrets, checkRunPolicy } from './run-policy.js';
import { classify, DEGRADED, Reason, TerminalError, transientBoundary, type Classified, type ReasonName } from './errors.js';
import { checkRunShape, statusProblems } from './run-shape.js';
import { boundNodes, formatDuration, STATUS_NODE_BYTES, type Condition } from './status.js';
import { NodeDocs, nodesDocUri } from './status-nodes.js';

export interface ReconcilerDeps {
  config: ControllerConfig;
  logger: Logger;
  kube: KubeOps;
  getRun: (namespace: string, name: string) => PipelineRunObject | undefined;
  /** The run's pods: in its namespace and owned by its uid. */
  podsOfRun: (namespace: string, uid: string) => V1Pod[];
  store?: ArtifactStore;
  /** A namespace's cache index: where task outputs are looked up by fingerprint before a pod is made, and recorded after. */
  cacheFor?: (namespace: string) => CacheIndex;
  now?: () => Date;
  /** Signs the artifact grant each task pod gets (src/artifacts/grant.ts). */
  grantKey?: Buffer;
  /** Observed durations of reconcile calls that did work (not those waiting for the cache to show our own write). */
  onReconciled?: (ms: number, key: string) => void;
}

/** Pod creations (and events) in flight per reconcile: a 1,000-task fan-out neither floods the apiserver with
 * 1,000 requests at once nor builds 1,000 pods in one synchronous burst that starves the watches of this process. */
export const LAUNCH_CONCURRENCY = 16;

export { eachLimited };

/** How long an expectation (our own write not yet in a cache) is trusted before the cache is believed instead. */
export const EXPECTATION_MS = 30_000;
/** Runs with more nodes than this yield the event loop between the steps of a pass. */
const LARGE_RUN_NODES = 1000;
const STATUS_EXPECTATION_MS = 5_000;

/** Nodes the controller ended itself; and the attempt just launched, so that a cache without its pod yet reads
 * "started" (see observe), not "to launch". */
function markStoppedAndLaunched(status: RunStatus, stopped: Record<string, StatusNode>, launched: PlanResult['launch']): void {
  for (const [id, n] of Object.entries(stopped)) if (status.nodes?.[id]) status.nodes[id]!.stopped = n.stopped;
  for (const l of launched) {
    const n = status.nodes?.[l.nodeId];
    if (n?.pod && n.attempt === undefined) n.attempt = l.attempt;
  }
}

function runRef(run: PipelineRunObject): { name: string; namespace: string; uid: string } {
  return { name: run.metadata!.name!, namespace: run.metadata!.namespace!, uid: run.metadata!.uid! };
}

export class Reconciler {
  /** Parsed pipelines by run uid: a run's spec is immutable, so this is a cache, not state. */
  private readonly pipelines = new Map<string, Pipeline>();
  /** Large outputs fetched from S3 by URI (immutable objects). */
  private readonly outputs = new Map<string, NodeOutputs>();
  /** Fingerprints this process already recorded in the cache index. */
  private readonly recorded = new Set<string>();
  /**
   * Expectations, as kube-controller-manager's ReplicaSet controller keeps them: what this process wrote that the
   * watch caches may not show yet. Only hints about cache lag; losing them (restart) costs a conflict or a GET.
   * By run uid: the resourceVersion of our last status write, until the run cache has delivered it.
   */
  private readonly written = new Map<string, { rv: string; until: number }>();
  /** By run uid: pods this process created (name → when), until the pod cache shows them. */
  private readonly created = new Map<string, Map<string, number>>();
  /** Run uids whose workspace claim this process made sure of (a restart repeats one idempotent create). */
  private readonly workspaces = new Set<string>();

  /** By run uid: transient failures in a row, and whether the run's status says so already. */
  private readonly failing = new Map<string, { count: number; since: number; reported?: string }>();

  /** Events go out in the background: a reconcile never waits for them. */
  readonly events: EventRecorder;
  private readonly deps: ReconcilerDeps;
  /** Full node detail of runs too large for their status (undefined without S3: such a status is kept whole). */
  private readonly nodeDocs: NodeDocs | undefined;

  constructor(deps: ReconcilerDeps) {
    // What the API server and S3 throw is marked transient here, once; everything else is about the run itself.
    const own = (err: unknown): boolean => err instanceof RejectedError || err instanceof ConflictError;
    const notFound = (err: unknown): boolean => err instanceof ArtifactNotFoundError || err instanceof ArtifactUriError;
    this.deps = {
      ...deps,
      kube: transientBoundary(deps.kube, 'APIServer', own),
      ...(deps.store ? { store: transientBoundary(deps.store, 'S3', notFound) } : {}),
      ...(deps.cacheFor ? { cacheFor: (ns: string) => transientBoundary(deps.cacheFor!(ns), 'S3', notFound) } : {}),
    };
    this.nodeDocs = this.deps.store ? new NodeDocs(this.deps.store) : undefined;
    this.events = new EventRecorder(LAUNCH_CONCURRENCY, 1000, (n) => {
      if (n % 100 === 1) deps.logger.warn({ dropped: n }, 'too many events waiting: dropping events');
    });
  }

  forget(uid: string): void {
    this.pipelines.delete(uid);
    this.workspaces.delete(uid);
    this.written.delete(uid);
    this.created.delete(uid);
    this.failing.delete(uid);
    this.nodeDocs?.forget(uid);
  }

  private clock(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  /** Every version of a run the cache receives, in order (wired to the run watch). */
  runSeen(run: PipelineRunObject): void {
    const uid = run.metadata?.uid;
    const w = uid ? this.written.get(uid) : undefined;
    if (w && run.metadata?.resourceVersion === w.rv) this.written.delete(uid!);
  }

  private recentlyCreated(uid: string, pod: string): boolean {
    const at = this.created.get(uid)?.get(pod);
    return at !== undefined && Date.now() - at < EXPECTATION_MS;
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const run = this.deps.getRun(namespace, name);
    if (!run?.metadata?.uid) return;
    // The run cache has not delivered our last status write yet: planning from it would redo work (pods already
    // created are missing from its status) and lose the write to a conflict. That write's watch event re-queues
    // the run; the deadline covers a re-list that skipped it. Not timed: nothing was done.
    const pendingWrite = this.written.get(run.metadata.uid);
    if (pendingWrite) {
      const wait = pendingWrite.until - Date.now();
      if (run.metadata.resourceVersion !== pendingWrite.rv && wait > 0) return { requeueAfterMs: wait };
      this.written.delete(run.metadata.uid);
    }
    const started = Date.now();
    try {
      const outcome = await this.reconcileRun(key, run);
      this.failing.delete(run.metadata.uid);
      return outcome;
    } catch (err) {
      return await this.failed(key, run, err);
    } finally {
      this.deps.onReconciled?.(Date.now() - started, key);
    }
  }

  private async reconcileRun(key: string, run: PipelineRunObject): Promise<ReconcileOutcome> {
    if (!run.metadata?.uid) return;
    /** The status as stored; `previous` has every node, also those kept only at nodesRef. */
    const stored: RunStatus = run.status ?? {};
    if (isRunFinished(stored.phase)) {
      if (pendingRetry(run) !== undefined) return this.retryFinished(run, stored); // lifecycle (issue 15): spec.retry
      this.forget(run.metadata.uid);
      return;
    }
    const log = this.deps.logger.child({ run: key });
    const now = this.clock();
    checkRunShape(run);
    const loaded: RunStatus = stored.nodesRef ? { ...stored, nodes: await this.allNodes(run.metadata.uid, stored) } : stored;
    const previous: RunStatus = stored.retry ? { ...loaded, nodes: forgetEarlierRounds(loaded.nodes, stored.retry.attemptBase)! } : loaded; // lifecycle (issue 15)
    let pipeline: Pipeline;
    try {
      pipeline = await this.pipelineFor(run);
    } catch (err) {
      if (!(err instanceof PipelineError)) throw err;
      const message = err.diagnostics.map(formatDiagnostic).join('; ');
      log.warn({ err: message }, 'invalid pipeline');
      return this.finishInvalid(run, stored, message, now);
    }
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
      return this.finishInvalid(run, stored, message, now);
    }
    // Tenancy: what the run may read and write and which Secrets it may name, before anything runs.
    const tenancy = this.deps.config.tenancy;
    const policy = checkRunPolicy({ pipeline, namespace: run.metadata.namespace!, ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}), ...(spec.podDefaults ? { podDefaults: spec.podDefaults } : {}) }, tenancy);
    if (policy.diagnostics.length > 0) {
      const message = policy.diagnostics.map(formatDiagnostic).join('; ');
      log.warn({ err: message }, 'run refused');
      return this.finishInvalid(run, previous, message, now, Reason.Forbidden);
    }
    const ctx = this.runContext(run, policy.pipelineRoot);
    const pods = this.deps.podsOfRun(run.metadata.namespace!, run.metadata.uid);
    const observed = await this.observe(run, pods, previous);
    // A large run's pass is a few long synchronous steps (each linear in its nodes): between them the event loop
    // serves the other runs, the watches and the Lease renewals.
    let large = Object.keys(previous.nodes ?? {}).length > LARGE_RUN_NODES;
    const breathe = (): Promise<void> => (large ? new Promise((r) => setImmediate(r)) : Promise.resolve());
    await breathe();
    const timeoutMs = parseDuration(spec.timeout);
    const deadline = timeoutMs && previous.startedAt ? Date.parse(previous.startedAt) + timeoutMs : undefined;
    const timedOut = deadline !== undefined && now.getTime() >= deadline;
    const planFor = (): PlanResult =>
      plan({
        pipeline,
        arguments: args.values,
        facts: observed.facts,
        run: ctx,
        now: now.toISOString(),
        cancelRequested: spec.cancel === true || timedOut,
        ...(spec.parallelism ? { parallelism: spec.parallelism } : {}),
        enableCaching: spec.caching !== false,
        checkImportUri: (uri) => checkReadUri(uri, ctx.namespace, tenancy, 'importer'),
        // Bounded work per pass: a 50,000-item fan-out launches in slices, each recorded in the status before the
        // next (the run is requeued at once), so one run neither holds a worker for long nor starves the others.
        maxLaunches: launchesPerPass,
        ...(stored.retry ? { retryBase: stored.retry.attemptBase } : {}), // lifecycle (issue 15): retried run
      });
    const { launchesPerPass, passBudgetMs } = this.deps.config.faults;
    let result = planFor();
    large ||= Object.keys(result.nodes).length > LARGE_RUN_NODES;
    await breathe();
    const budget = { until: Date.now() + passBudgetMs, skipped: new Set<string>() };
    const deferred = result.launch.length >= launchesPerPass;
    const changed = await this.act(run, pipeline, ctx, result, observed, timedOut, log, budget);
    const launched = result.launch.filter((l) => !budget.skipped.has(l.nodeId));
    if (changed) {
      await breathe();
      result = planFor();
      await breathe();
    }

    const status = buildStatus({
      previous,
      plan: result,
      generation: run.metadata.generation,
      now: now.toISOString(),
      pods: observed.podNames,
      outputsRefs: observed.refs,
      stopped: observed.stopped,
      valueLimit: this.deps.config.statusValueLimit,
      ...(timedOut && result.phase === 'Cancelled' ? { override: { phase: 'Failed' as const, message: `run exceeded its timeout of ${spec.timeout}`, reason: Reason.Timeout } } : {}),
    });
    markStoppedAndLaunched(status, observed.stopped, launched);
    await breathe();
    const toWrite = await this.bounded(run, ctx, status, breathe);
    // A status this controller could not read back would fail the run later with the wrong reason.
    const bad = statusProblems(toWrite);
    if (bad.length) throw new TerminalError(Reason.InternalError, `the controller built a status it cannot read back (${bad.join('; ')}); report this with the run's pipeline`);
    if (!isDeepStrictEqual(toWrite, stored)) {
      try {
        const rv = await this.deps.kube.writeRunStatus(run, toWrite);
        if (rv && !isRunFinished(status.phase)) this.written.set(run.metadata.uid, { rv, until: Date.now() + STATUS_EXPECTATION_MS });
      } catch (err) {
        if (err instanceof ConflictError) return { requeueAfterMs: 50 };
        throw err;
      }
      await breathe();
      this.emitEvents(run, previous, status, log);
      // The status just written has no Degraded condition: say the trouble reported earlier is over.
      const degraded = stored.conditions?.find((c) => c.type === DEGRADED && c.status === 'True');
      if (degraded) this.events.record(() => this.deps.kube.event(run, 'Normal', Reason.Recovered, `reconciles succeed again after ${degraded.reason}`).catch(() => undefined));
      if (isRunFinished(status.phase)) await this.releaseWorkspace(run, pipeline, log);
    }
    const more = deferred || budget.skipped.size > 0 ? now.getTime() : undefined;
    const wake = [result.wakeAt ? Date.parse(result.wakeAt) : undefined, deadline, observed.recheckAt, more].filter((t): t is number => t !== undefined && !Number.isNaN(t));
    if (isRunFinished(status.phase) || wake.length === 0) return;
    return { requeueAfterMs: Math.max(10, Math.min(...wake) - now.getTime()) };
  }

  /**
   * lifecycle (issue 15): spec.retry on a finished run. The decision is pure (run-retry.ts); here it is written,
   * once (the status's retry.generation then matches), with an event. Pods are not touched: new attempts get new names.
   */
  private async retryFinished(run: PipelineRunObject, stored: RunStatus): Promise<ReconcileOutcome> {
    const uid = run.metadata!.uid!;
    this.forget(uid);
    const nodes = stored.nodesRef ? await this.allNodes(uid, stored) : stored.nodes;
    const attempts = this.deps.podsOfRun(run.metadata!.namespace!, uid).map((p) => Number(p.metadata?.annotations?.[ANNOTATION_ATTEMPT]));
    const d = decideRetry(run, nodes, attempts, this.clock().toISOString());
    if (d.action === 'none') return;
    try {
      const rv = await this.deps.kube.writeRunStatus(run, d.status);
      if (rv && d.action === 'retry') this.written.set(uid, { rv, until: Date.now() + STATUS_EXPECTATION_MS });
    } catch (err) {
      if (err instanceof ConflictError) return { requeueAfterMs: 50 };
      throw err;
    }
    const [type, reason] = d.action === 'retry' ? (['Normal', RetryReason.Retrying] as const) : ([d.warning ? 'Warning' : 'Normal', d.reason] as const);
    this.deps.logger.info({ run: `${run.metadata!.namespace}/${run.metadata!.name}`, reason, msg: d.message }, 'spec.retry');
    this.events.record(() => this.deps.kube.event(run, type, reason, d.message).catch(() => undefined));
    return d.action === 'retry' ? { requeueAfterMs: 0 } : undefined;
  }

  /** Every node of a status cut to size, from the object at nodesRef; a missing object is the run's end. */
  private async allNodes(uid: string, stored: RunStatus): Promise<Record<string, StatusNode>> {
    if (!this.nodeDocs) throw new TerminalError(Reason.NodeDetailMissing, `status.nodesRef is ${stored.nodesRef} but this controller has no S3 access to read it`);
    try {
      return await this.nodeDocs.allNodes(uid, stored);
    } catch (err) {
      if (err instanceof ArtifactNotFoundError) throw new TerminalError(Reason.NodeDetailMissing, `the run's node detail at ${stored.nodesRef} is gone, so finished tasks cannot be told from tasks to run; create the run again`, { cause: err });
      throw err;
    }
  }

  /**
   * The status as written: whole when it fits; otherwise every node goes to S3 first and the status keeps a
   * bounded part of them, the summary and where the rest is (a status over 1.5 MiB is refused by etcd).
   */
  private async bounded(run: PipelineRunObject, ctx: RunContext, status: RunStatus, breathe: () => Promise<void>): Promise<RunStatus> {
    if (!this.nodeDocs || !status.nodes) return status;
    const b = boundNodes(status.nodes, { limit: this.deps.config.faults.statusNodeLimit, bytes: STATUS_NODE_BYTES });
    if (!b.summary) return status;
    const ref = nodesDocUri(ctx);
    await breathe();
    const revision = await this.nodeDocs.save(run.metadata!.uid!, ref, status.nodes);
    return { ...status, nodes: b.nodes, nodesRef: ref, nodesSummary: { ...b.summary, revision } };
  }

  private async pipelineFor(run: PipelineRunObject): Promise<Pipeline> {
    const uid = run.metadata!.uid!;
    const cached = this.pipelines.get(uid);
    if (cached) return cached;
    const spec = run.spec ?? {};
    let p: Pipeline;
    if (spec.pipelineRef?.name) {
      const ref = await this.deps.kube.getPipeline(run.metadata!.namespace!, spec.pipelineRef.name);
      if (!ref?.spec) {
        throw new PipelineError([{ code: 'UNKNOWN_PIPELINE', location: { path: 'spec.pipelineRef.name' }, message: `Pipeline "${spec.pipelineRef.name}" not found in namespace ${run.metadata!.namespace}`, fix: 'create the Pipeline first (kubectl apply) or fix the name' }]);
      }
      p = pipelineFromSource(ref.spec, `Pipeline/${spec.pipelineRef.name}.spec`, spec.pipelineRef.name);
    } else {
      p = pipelineFromSource(spec, 'spec', run.metadata!.name!);
    }
    this.pipelines.set(uid, p);
    return p;
  }

  private runContext(run: PipelineRunObject, pipelineRoot: string): RunContext {
    return {
      name: run.metadata!.name!,
      displayName: run.metadata!.name!,
      uid: run.metadata!.uid!,
      namespace: run.metadata!.namespace!,
      pipelineRoot,
      createTime: new Date(run.metadata!.creationTimestamp ?? 0).toISOString(),
    };
  }

  /** Facts from the pods (latest attempt per node), from attempts the controller ended, and from finished nodes whose pods are gone. */
  private async observe(run: PipelineRunObject, pods: V1Pod[], previous: RunStatus) {
    const facts: Record<string, ExecutionFact> = factsFromStatus(previous.nodes);
    const podNames: Record<string, string> = {};
    const refs: Record<string, string> = {};
    const stopped: Record<string, StatusNode> = {};
    let recheckAt: number | undefined;
    const latest = new Map<string, PodFact>();
    const expected = this.created.get(run.metadata!.uid!);
    for (const pod of pods) {
      if (expected?.size) expected.delete(pod.metadata?.name ?? '');
      const pf = factFromPod(pod);
      if (!pf) continue;
      const cur = latest.get(pf.nodeId);
      if (!cur || cur.attempt < pf.attempt) latest.set(pf.nodeId, pf);
    }
    for (const [id, pf] of latest) {
      podNames[id] = pf.podName;
      const prev = facts[id];
      if (prev && prev.attempt > pf.attempt) continue;
      if (pf.outputsRef && this.deps.store) {
        refs[id] = pf.outputsRef;
        pf.fact.outputs = await this.loadOutputs(pf.outputsRef, run.metadata!.namespace!);
      }
      facts[id] = pf.fact;
      if (pf.fact.phase === 'Succeeded' && pf.fact.outputs && pf.cacheFingerprint) await this.recordInCache(run, id, pf.cacheFingerprint, pf.fact.outputs);
    }
    for (const [id, n] of Object.entries(previous.nodes ?? {})) {
      if (n.stopped && n.attempt) {
        stopped[id] = n;
        // The attempt the controller ended stands unless a pod of a later attempt exists.
        if (latest.has(id) && latest.get(id)!.attempt > n.attempt) continue;
        const fact = factFromStatusNode(n);
        if (fact) facts[id] = { ...fact, finishedAt: fact.finishedAt ?? new Date().toISOString() };
        await this.outputsByRef(id, n, facts, refs, run.metadata!.namespace!);
        continue;
      }
      if (n.pod && !podNames[id]) podNames[id] = n.pod;
      if (!latest.has(id)) await this.outputsByRef(id, n, facts, refs, run.metadata!.namespace!);
      // Recorded as started, but the pod is not in the cache: a lagging cache, or the pod was deleted.
      if (n.pod && n.attempt && (n.phase === 'Pending' || n.phase === 'Running') && !latest.has(id)) {
        // A pod we created moments ago is only late in the cache: no GET per pod (1,000 after a fan-out).
        if (this.recentlyCreated(run.metadata!.uid!, n.pod) || (await this.deps.kube.podExists(run.metadata!.namespace!, n.pod))) {
          facts[id] = { attempt: n.attempt, phase: n.phase };
          recheckAt = Date.now() + 1000;
        } else {
          const fact: ExecutionFact = { attempt: n.attempt, phase: 'Error', message: `pod ${n.pod} was deleted before it finished`, finishedAt: new Date().toISOString() };
          facts[id] = fact;
          stopped[id] = { ...n, phase: 'Error', message: fact.message, finishedAt: fact.finishedAt, stopped: true };
        }
      }
    }
    return { facts, podNames, refs, stopped, recheckAt };
  }

  /** A status fact's outputs too large for the status, from the S3 object its node names. */
  private async outputsByRef(id: string, n: StatusNode, facts: Record<string, ExecutionFact>, refs: Record<string, string>, ns: string): Promise<void> {
    const fact = facts[id];
    if (!n.outputsRef || !this.deps.store || !fact) return;
    refs[id] = n.outputsRef;
    fact.outputs = await this.loadOutputs(n.outputsRef, ns);
  }

  /** Once per fingerprint and process: the index write is idempotent, so a restart may repeat it harmlessly. */
  private async recordInCache(run: PipelineRunObject, nodeId: string, fingerprint: string, outputs: NodeOutputs): Promise<void> {
    const cache = this.deps.cacheFor?.(run.metadata!.namespace!);
    if (!cache || this.recorded.has(`${run.metadata!.namespace}/${fingerprint}`)) return;
    const meta = { pipeline: run.spec?.pipelineRef?.name ?? run.metadata!.name!, run: run.metadata!.name!, nodeId, component: nodeId, createdAt: new Date().toISOString() };
    try {
      await cache.record(fingerprint, outputs, meta);
      if (this.recorded.size > 10_000) this.recorded.clear();
      this.recorded.add(`${run.metadata!.namespace}/${fingerprint}`);
    } catch (err) {
      this.deps.logger.warn({ task: nodeId, err: (err as Error).message }, 'cannot record the task in the cache');
    }
  }

  private async loadOutputs(uri: string, ns: string): Promise<NodeOutputs> {
    // Only ever the run's own outputs.json or its namespace's cache entries: nothing of another tenant is read.
    if (!isOwnUri(uri, ns, this.deps.config.tenancy)) throw new Error(`outputs reference ${uri} is outside namespace ${ns}'s artifacts; not read`);
    const hit = this.outputs.get(uri);
    if (hit) return hit;
    const raw = await this.deps.store!.getJson<Partial<NodeOutputs> & { outputs?: NodeOutputs }>(uri);
    // A cache entry wraps the outputs; an outputs.json is them.
    const o: NodeOutputs = raw.outputs ?? { parameters: raw.parameters ?? {}, artifacts: raw.artifacts ?? {} };
    if (this.outputs.size > 5000) this.outputs.clear();
    this.outputs.set(uri, o);
    return o;
  }

  /** Creates and deletes pods; returns true when it recorded new facts (stops, rejected pods). */
  private async act(run: PipelineRunObject, pipeline: Pipeline, ctx: RunContext, result: PlanResult, observed: Awaited<ReturnType<Reconciler['observe']>>, timedOut: boolean, log: Logger, budget: { until: number; skipped: Set<string> }): Promise<boolean> {
    let changed = false;
    const spec = run.spec ?? {};
    const workspace = await this.ensureWorkspace(run, pipeline, result.launch, log);
    await eachLimited(result.launch, LAUNCH_CONCURRENCY, async (launch) => {
      // Past the pass's time budget the rest waits for the next pass (requeued at once).
      if (Date.now() > budget.until) {
        budget.skipped.add(launch.nodeId);
        return;
      }
      const component = pipeline.components[launch.componentName]!;
      const executor = pipeline.executors[launch.executorLabel];
      if (executor?.kind !== 'container') return;
      if (executor.platformOp) {
        await this.runPlatformOp(ctx, launch, executor.platformOp, observed, log);
        changed = true;
        return;
      }
      if (workspace && 'error' in workspace) {
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Error', workspace.error, launch.displayName);
        changed = true;
        return;
      }
      const refused = checkLaunchInputs(launch, ctx.namespace, this.deps.config.tenancy);
      if (refused) {
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Failed', formatDiagnostic(refused), launch.displayName);
        changed = true;
        return;
      }
      const cache = this.deps.cacheFor?.(ctx.namespace);
      if (launch.cacheFingerprint && cache) {
        const outputs = await cache.lookup(launch.cacheFingerprint).catch((err: unknown) => {
          log.warn({ task: launch.nodeId, err: (err as Error).message }, 'cache lookup failed; running the task');
          return undefined;
        });
        if (outputs) {
          this.recordStopped(observed, launch.nodeId, launch.attempt, 'Cached', `cached (${launch.cacheFingerprint.slice(0, 12)})`, launch.displayName);
          observed.facts[launch.nodeId]!.outputs = outputs;
          if (cache instanceof S3CacheIndex) observed.refs[launch.nodeId] = cache.uriFor(launch.cacheFingerprint);
          changed = true;
          return;
        }
      }
      let pod: V1Pod;
      try {
        pod = buildTaskPod({
          run: ctx,
          launch,
          component,
          executor,
          config: this.deps.config,
          grant: { key: this.deps.grantKey, nowSec: Math.floor((this.deps.now?.() ?? new Date()).getTime() / 1000) },
          ...(pipeline.platform.executors[launch.executorLabel] ? { platform: pipeline.platform.executors[launch.executorLabel] } : {}),
          ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
          ...(spec.podDefaults ? { podDefaults: spec.podDefaults } : {}),
          ...(workspace && 'claim' in workspace ? { workspaceClaim: workspace.claim } : {}),
        });
      } catch (err) {
        log.warn({ task: launch.nodeId, err: (err as Error).message }, 'cannot build task pod');
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Error', `cannot build the task's pod: ${(err as Error).message}`, launch.displayName);
        changed = true;
        return;
      }
      // Secret names from parameters are only known now.
      const secret = checkPodSecrets(pod, ctx.namespace, this.deps.config.tenancy);
      if (secret) {
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Failed', formatDiagnostic(secret), launch.displayName);
        changed = true;
        return;
      }
      const name = pod.metadata!.name!;
      observed.podNames[launch.nodeId] = name;
      try {
        const r = await this.deps.kube.createPod(pod);
        const mine = this.created.get(ctx.uid) ?? new Map<string, number>();
        this.created.set(ctx.uid, mine.set(name, Date.now()));
        log.info({ task: launch.nodeId, attempt: launch.attempt, pod: name, result: r }, 'task pod');
      } catch (err) {
        if (!(err instanceof RejectedError)) throw err;
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Error', rejectedPodMessage(err.message), launch.displayName);
        changed = true;
      }
      observed.facts[launch.nodeId] ??= { attempt: launch.attempt, phase: 'Pending' };
      if (observed.facts[launch.nodeId]!.attempt < launch.attempt) observed.facts[launch.nodeId] = { attempt: launch.attempt, phase: 'Pending' };
    });
    await Promise.all(
      result.stop.map(async (s) => {
        const pod = observed.podNames[s.nodeId];
        if (pod) await this.deps.kube.deletePod(ctx.namespace, pod);
        const attempt = observed.facts[s.nodeId]?.attempt ?? 1;
        const cancelled = spec.cancel === true || timedOut;
        this.recordStopped(observed, s.nodeId, attempt, cancelled ? 'Cancelled' : 'Failed', s.reason, s.nodeId);
        changed = true;
      }),
    );
    return changed;
  }

  /**
   * CreatePVC / DeletePVC, done by the controller itself (KFP's driver does the same): the result is recorded as
   * the attempt's outcome, with CreatePVC's `name` output. Idempotent: the claim name is deterministic, and a
   * claim that exists already counts as created only if this run made it.
   */
  private async runPlatformOp(ctx: RunContext, launch: LaunchRequest, op: PlatformOp, observed: Awaited<ReturnType<Reconciler['observe']>>, log: Logger): Promise<void> {
    const params = launch.inputs.parameters;
    const fail = (message: string): void => this.recordStopped(observed, launch.nodeId, launch.attempt, 'Failed', message, launch.displayName);
    try {
      if (op === 'createPvc') {
        const pvc = createPvcObject(params, ctx, { ...runLabels(ctx.name, ctx.uid), [LABEL_TASK]: labelValue(launch.taskName) });
        const r = await this.deps.kube.createPvc(pvc);
        if (r.result === 'exists' && r.labels[LABEL_RUN_UID] !== ctx.uid) {
          return fail(`PersistentVolumeClaim ${pvc.metadata.name} already exists in namespace ${ctx.namespace} and was not created by this run; choose another pvc_name, use pvc_name_suffix, or delete the old claim`);
        }
        log.info({ task: launch.nodeId, claim: pvc.metadata.name, result: r.result }, 'CreatePVC');
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Succeeded', `created PersistentVolumeClaim ${pvc.metadata.name}`, launch.displayName);
        observed.facts[launch.nodeId]!.outputs = { parameters: { name: pvc.metadata.name }, artifacts: {} };
      } else {
        const name = deletePvcName(params);
        const r = await this.deps.kube.deletePvc(ctx.namespace, name);
        log.info({ task: launch.nodeId, claim: name, result: r }, 'DeletePVC');
        this.recordStopped(observed, launch.nodeId, launch.attempt, 'Succeeded', r === 'deleted' ? `deleted PersistentVolumeClaim ${name}` : `PersistentVolumeClaim ${name} was already gone`, launch.displayName);
        observed.facts[launch.nodeId]!.outputs = { parameters: {}, artifacts: {} };
      }
    } catch (err) {
      if (err instanceof PlatformOpError) return fail(err.message);
      if (err instanceof RejectedError) return fail(`the API server refused ${op === 'createPvc' ? 'CreatePVC' : 'DeletePVC'}: ${err.message}`);
      throw err;
    }
  }

  /**
   * The run's workspace claim (dsl.PipelineConfig(workspace=...)), created before its first task pod and owned by
   * the run. Undefined when the pipeline has no workspace; an error when the claim cannot be made.
   */
  private async ensureWorkspace(run: PipelineRunObject, pipeline: Pipeline, launches: PlanResult['launch'], log: Logger): Promise<{ claim: string } | { error: string } | undefined> {
    const ws = workspaceConfig(pipeline.platform.pipelineConfig);
    if (!ws) return undefined;
    const ref = runRef(run);
    const claim = workspaceClaimName(ref);
    const podLaunch = (l: LaunchRequest): boolean => {
      const ex = pipeline.executors[l.executorLabel];
      return ex?.kind === 'container' && !ex.platformOp;
    };
    if (this.workspaces.has(ref.uid) || !launches.some(podLaunch)) return { claim };
    try {
      const owner = runOwnerReference(ref.name, ref.uid);
      const pvc = workspacePvcObject(ws, { name: claim, run: ref, defaults: this.deps.config.workspace, owner, labels: runLabels(ref.name, ref.uid) });
      const r = await this.deps.kube.createPvc(pvc);
      if (r.result === 'exists' && r.labels[LABEL_RUN_UID] !== ref.uid) {
        return { error: `cannot use the run's workspace: PersistentVolumeClaim ${claim} already exists and belongs to something else; delete it or rename the run` };
      }
      log.info({ claim, result: r.result }, 'run workspace');
      this.workspaces.add(ref.uid);
      return { claim };
    } catch (err) {
      if (err instanceof PlatformOpError) return { error: `cannot create the run's workspace: ${err.message}` };
      if (err instanceof RejectedError) return { error: `the API server refused the run's workspace claim ${claim}: ${err.message}` };
      throw err;
    }
  }

  /** The workspace lives as long as the run (as KFP's); the owner reference covers a controller that dies here. */
  private async releaseWorkspace(run: PipelineRunObject, pipeline: Pipeline, log: Logger): Promise<void> {
    if (!workspaceConfig(pipeline.platform.pipelineConfig)) return;
    const claim = workspaceClaimName(runRef(run));
    try {
      await this.deps.kube.deletePvc(run.metadata!.namespace!, claim);
    } catch (err) {
      log.warn({ claim, err: (err as Error).message }, 'cannot delete the run workspace; it goes when the run is deleted');
    }
  }

  private recordStopped(observed: Awaited<ReturnType<Reconciler['observe']>>, id: string, attempt: number, phase: 'Error' | 'Failed' | 'Cancelled' | 'Cached' | 'Succeeded', message: string, task: string): void {
    const finishedAt = new Date().toISOString();
    observed.facts[id] = { attempt, phase, message, finishedAt };
    observed.stopped[id] = { phase, kind: 'container', task, attempt, message, finishedAt, stopped: true };
  }

  private async finishInvalid(run: PipelineRunObject, previous: RunStatus, message: string, now: Date, reason: ReasonName = Reason.InvalidPipeline): Promise<ReconcileOutcome> {
    await this.failRun(run, previous, reason, message, now);
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
    const now = this.clock();
    const previous: RunStatus = typeof run.status === 'object' && run.status !== null ? run.status : {};
    if (c.kind === 'terminal') {
      log.warn({ reason: c.reason, err: c.message, cause: err instanceof Error ? err.stack : String(err) }, 'run failed: cannot be processed');
      await this.failRun(run, previous, c.reason, c.message, now);
      this.forget(uid);
      return;
    }
    const f = this.failing.get(uid) ?? { count: 0, since: now.getTime() };
    f.count++;
    this.failing.set(uid, f);
    if (c.dependency === 'S3') {
      // The outage's start survives a restart in the condition's transition time.
      const cond = previous.conditions?.find((x) => x.type === DEGRADED && x.status === 'True' && x.reason === Reason.S3Unavailable);
      const since = Math.min(f.since, cond ? Date.parse(cond.lastTransitionTime) || f.since : f.since);
      const deadline = this.deps.config.faults.s3OutageDeadlineMs;
      if (now.getTime() - since >= deadline) {
        const message = `S3 has been unreachable for ${formatDuration(now.getTime() - since)} (deadline ${formatDuration(deadline)}, PIPEWRIGHT_S3_OUTAGE_DEADLINE_SECONDS): task outputs cannot be read, so the run cannot finish; last error: ${c.message}`;
        log.error({ err: c.message }, 'S3 outage deadline exceeded: failing the run');
        await this.failRun(run, previous, Reason.S3OutageDeadlineExceeded, message, now);
        this.forget(uid);
        return;
      }
    }
    if (f.count >= this.deps.config.faults.failuresBeforeReport && f.reported !== c.reason) {
      await this.reportDegraded(run, previous, c, f.count, now).then(
        () => (f.reported = c.reason),
        (e: unknown) => log.debug({ err: String(e) }, 'cannot report the failure on the run'),
      );
    }
    throw err;
  }

  /** Condition Degraded=True (reason, what fails) on the run, and a Warning event, once per reason. */
  private async reportDegraded(run: PipelineRunObject, previous: RunStatus, c: Classified, count: number, now: Date): Promise<void> {
    const message = `${count} reconciles in a row failed, retrying with backoff: ${c.message}`;
    const prev = previous.conditions?.find((x) => x.type === DEGRADED);
    const cond: Condition = { type: DEGRADED, status: 'True', reason: c.reason, message: message.slice(0, 1000), lastTransitionTime: prev?.status === 'True' && prev.reason === c.reason ? prev.lastTransitionTime : now.toISOString() };
    const status: RunStatus = { ...previous, conditions: [...(previous.conditions ?? []).filter((x) => x.type !== DEGRADED), cond] };
    const rv = await this.deps.kube.writeRunStatus(run, status);
    if (rv) this.written.set(run.metadata!.uid!, { rv, until: Date.now() + STATUS_EXPECTATION_MS });
    this.events.record(() => this.deps.kube.event(run, 'Warning', c.reason, message).catch(() => undefined));
  }

  /** The run ends Failed with `reason`; its pods still running are stopped. Written once: a finished run is not reconciled again. */
  private async failRun(run: PipelineRunObject, previous: RunStatus, reason: ReasonName, message: string, now: Date): Promise<void> {
    const iso = now.toISOString();
    const startedAt = typeof previous.startedAt === 'string' ? previous.startedAt : iso;
    const status: RunStatus = {
      phase: 'Failed',
      progress: typeof previous.progress === 'string' ? previous.progress : '0/0',
      message: message.slice(0, 1000),
      startedAt,
      finishedAt: iso,
      duration: formatDuration(now.getTime() - (Date.parse(startedAt) || now.getTime())),
      ...(run.metadata?.generation !== undefined ? { observedGeneration: run.metadata.generation } : {}),
      conditions: runConditions('Failed', reason, message.slice(0, 1000), previous, iso, run.metadata?.generation),
    };
    // Node detail is kept when it is sound (it says what had run); a malformed status is replaced.
    if (reason !== Reason.InvalidRun && previous.nodes) status.nodes = previous.nodes;
    if (previous.retry) status.retry = previous.retry; // lifecycle (issue 15)
    if (reason !== Reason.InvalidRun && previous.nodesRef) {
      status.nodesRef = previous.nodesRef;
      if (previous.nodesSummary) status.nodesSummary = previous.nodesSummary;
    }
    for (const pod of this.deps.podsOfRun(run.metadata!.namespace!, run.metadata!.uid!)) {
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.name) await this.deps.kube.deletePod(run.metadata!.namespace!, pod.metadata.name);
    }
    // A conflict goes back to the queue (transient): the next attempt starts from the newer object.
    await this.deps.kube.writeRunStatus(run, status);
    this.events.record(() => this.deps.kube.event(run, 'Warning', reason, message).catch(() => undefined));
  }

  private emitEvents(run: PipelineRunObject, previous: RunStatus, status: RunStatus, log: Logger): void {
    for (const e of diffEvents(previous, status)) {
      this.events.record(() => this.deps.kube.event(run, e.type, e.reason, e.message).catch((err: unknown) => log.debug({ err: String(err) }, 'event not recorded')));
    }
  }
}
