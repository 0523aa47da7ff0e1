// Reconcile, stage 3 of 4: act. The only stage that changes the cluster or S3 for a run: task pods, PVCs (CreatePVC,
// DeletePVC, the run's workspace), pod deletions and the cache index. Every action is idempotent by deterministic
// name (AlreadyExists is success), so a controller killed at any instant repeats it harmlessly. What an action
// decides about a node (cached, refused, rejected, stopped) is added to the Observation for the plan to see.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { S3CacheIndex, type CacheIndex } from '../artifacts/cache-index.js';
import type { LaunchRequest, NodeOutputs, PlanResult } from '../engine/state.js';
import { createPvcName, createPvcObject, deletePvcName, missingStorageClassMessage, PlatformOpError, workspaceClaimName, workspaceClassSource, workspaceConfig, workspacePvcObject } from '../executor/pvc-ops.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import type { PlatformOp } from '../model/types.js';
import { eachLimited } from '../util/each-limited.js';
import { nowMs, type Clock } from './clock.js';
import type { ControllerConfig } from './config.js';
import type { Expectations } from './expectations.js';
import { MissingStorageClassError, RejectedError, type KubeOps } from './kube-ops.js';
import { LABEL_RUN_UID, LABEL_TASK, labelValue, runLabels, runOwnerReference, taskPodName } from './names.js';
import type { Handle, LaunchOutcome, PodLauncher } from './pod-launcher.js';
import { buildTaskPod } from './pod-spec.js';
import { rejectedPodMessage } from './pod-security.js';
import type { Observation } from './reconcile-observe.js';
import type { Pass } from './reconcile-plan.js';
import { checkLaunchInputs, checkPodSecrets } from './run-policy.js';
import type { PipelineRunObject } from './types.js';

export interface LauncherDeps {
  config: ControllerConfig;
  kube: KubeOps;
  podsOfRun: (namespace: string, uid: string) => V1Pod[];
  cacheFor?: (namespace: string) => CacheIndex;
  grantKey?: Buffer;
  expectations: Expectations;
  clock: Clock;
  /** Where pod creations go (one per process). */
  pods: PodLauncher;
}

/** What one act step did. */
export interface Acted {
  /** It added facts to the Observation (a node cached, refused, stopped): plan again before the status. */
  changed: boolean;
  /** Launches of the plan actually started (the rest waits for the next pass: the pass's time budget ran out). */
  launched: PlanResult['launch'];
  /** Some launches wait for the next pass. */
  skipped: boolean;
}

type Outcome = 'Error' | 'Failed' | 'Cancelled' | 'Cached' | 'Succeeded';

/** What a task pod is built from besides its launch. */
interface PodInputs {
  pipeline: Observation['pipeline'];
  ctx: Observation['ctx'];
  serviceAccountName?: string;
  podDefaults?: NonNullable<PipelineRunObject['spec']>['podDefaults'];
}

/** The act step records an attempt it ended or settled itself, so the next plan sees it. */
function noteStopped(obs: Observation, n: { id: string; attempt: number; task: string }, phase: Outcome, message: string, now: Date): void {
  const { id, attempt, task } = n;
  const finishedAt = now.toISOString();
  obs.facts[id] = { attempt, phase, message, finishedAt };
  obs.stopped[id] = { phase, kind: 'container', task, attempt, message, finishedAt, stopped: true };
}

const attemptOf = (l: LaunchRequest): { id: string; attempt: number; task: string } => ({ id: l.nodeId, attempt: l.attempt, task: l.displayName });

export class Launcher {
  /** Fingerprints this process already recorded in the cache index. */
  private readonly recorded = new Set<string>();
  /** Run uids whose workspace claim this process made sure of (a restart repeats one idempotent create). */
  private readonly workspaces = new Set<string>();

  constructor(private readonly deps: LauncherDeps) {}

  forget(uid: string): void {
    this.workspaces.delete(uid);
    this.deps.pods.forget(uid);
  }

  /** Records finished outputs in the cache, then creates the pass's pods and claims and deletes the pods to stop. */
  async act(obs: Observation, pass: Pass, log: Logger): Promise<Acted> {
    const { result, timedOut } = pass;
    const spec = obs.run.spec ?? {};
    let changed = false;
    // A creation handed over by an earlier pass failed (API server): this pass fails with it, for the backoff.
    const failed = this.deps.pods.takeError(obs.ctx.uid);
    if (failed !== undefined) throw failed;
    for (const c of obs.toCache) await this.recordInCache(obs.run, c.nodeId, c.fingerprint, c.outputs, log);
    const until = nowMs(this.deps.clock) + this.deps.config.faults.passBudgetMs;
    const skipped = new Set<string>();
    const workspace = await this.ensureWorkspace(obs, result.launch, log);
    // Pods go to the launcher (pod-launcher.ts: launch concurrency, QPS bucket); cache lookups and platform ops
    // run here, a few at a time.
    const handed: [LaunchRequest, Handle][] = [];
    await eachLimited(result.launch, this.deps.config.client.launchConcurrency, async (launch) => {
      // Past the pass's time budget the rest waits for the next pass (requeued at once).
      if (nowMs(this.deps.clock) > until) {
        skipped.add(launch.nodeId);
        return;
      }
      const r = await this.launch(obs, launch, workspace, log);
      if (r === true) changed = true;
      else if (r) handed.push([launch, r]);
    });
    await this.waitFor(handed.map(([, h]) => h));
    if (this.settle(obs, handed, log)) changed = true;
    await Promise.all(
      result.stop.map(async (s) => {
        await this.stopPending(obs, s.nodeId);
        const pod = obs.podNames[s.nodeId];
        if (pod) await this.deps.kube.deletePod(obs.ctx.namespace, pod);
        const attempt = obs.facts[s.nodeId]?.attempt ?? 1;
        const cancelled = spec.cancel === true || timedOut;
        noteStopped(obs, { id: s.nodeId, attempt, task: s.nodeId }, cancelled ? 'Cancelled' : 'Failed', s.reason, this.deps.clock());
        changed = true;
      }),
    );
    return { changed, launched: result.launch.filter((l) => !skipped.has(l.nodeId)), skipped: skipped.size > 0 };
  }

  /** Waits for the handed-over creations at most PIPEWRIGHT_LAUNCH_WAIT_MS; the rest go on without the pass. */
  private async waitFor(handles: Handle[]): Promise<void> {
    const waitMs = this.deps.config.client.launchWaitMs;
    if (handles.length === 0 || waitMs <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(handles.map((h) => h.settled)), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  /**
   * What the creations answered in time: a created pod is named in the status, a refused one settles its task.
   * One still in flight is left to the launcher: the status does not name its pod (a restart plans it again and
   * AlreadyExists counts as created) and the plan counts it as started (observe). True when a task was settled.
   */
  private settle(obs: Observation, handed: [LaunchRequest, Handle][], log: Logger): boolean {
    let settled = false;
    let error: { err: unknown } | undefined;
    for (const [launch, h] of handed) {
      const { done } = h;
      if (!done) {
        this.deps.pods.detach(h);
        this.started(obs, launch);
        continue;
      }
      if ('error' in done) {
        error ??= { err: done.error };
        continue;
      }
      if (done.outcome.kind === 'settled') {
        noteStopped(obs, attemptOf(launch), done.outcome.phase, done.outcome.message, this.deps.clock());
        settled = true;
        continue;
      }
      obs.podNames[launch.nodeId] = h.job.pod;
      this.started(obs, launch);
      log.info({ task: launch.nodeId, attempt: launch.attempt, pod: h.job.pod, result: done.outcome.result }, 'task pod');
    }
    if (error) throw error.err;
    return settled;
  }

  /** The attempt is started as far as the next plan is concerned. */
  private started(obs: Observation, launch: LaunchRequest): void {
    const f = obs.facts[launch.nodeId];
    if (!f || f.attempt < launch.attempt) obs.facts[launch.nodeId] = { attempt: launch.attempt, phase: 'Pending' };
  }

  /** A task stopped while its creation waits in the launcher: dropped there, or deleted once created. */
  private async stopPending(obs: Observation, nodeId: string): Promise<void> {
    for (const h of this.deps.pods.pending(obs.ctx.uid)) {
      if (h.job.nodeId !== nodeId) continue;
      this.deps.pods.cancel(h);
      await h.settled;
      if (h.done && 'outcome' in h.done && h.done.outcome.kind === 'created') obs.podNames[nodeId] ??= h.job.pod;
    }
  }

  /**
   * One launch: a platform op, a cache hit or a refusal settled here (true), a pod created earlier (false), or a
   * pod handed to the launcher (its handle).
   */
  private async launch(obs: Observation, launch: LaunchRequest, workspace: Workspace, log: Logger): Promise<boolean | Handle> {
    const { pipeline, ctx } = obs;
    const note = (phase: Outcome, message: string): true => {
      noteStopped(obs, attemptOf(launch), phase, message, this.deps.clock());
      return true;
    };
    const executor = pipeline.executors[launch.executorLabel];
    if (executor?.kind !== 'container') return false;
    if (executor.platformOp) {
      await this.runPlatformOp(obs, launch, executor.platformOp, log);
      return true;
    }
    if (workspace && 'error' in workspace) return note(workspace.phase ?? 'Error', workspace.error);
    const refused = checkLaunchInputs(launch, ctx.namespace, this.deps.config.tenancy);
    if (refused) return note('Failed', formatDiagnostic(refused));
    if (await this.cached(obs, launch, log)) return true;
    const name = taskPodName(ctx.name, ctx.uid, launch.nodeId, launch.attempt);
    // Created by an earlier pass whose status write was coalesced, and not in the pod cache yet: no second POST.
    if (this.deps.expectations.recentlyCreated(ctx.uid, name)) {
      obs.podNames[launch.nodeId] = name;
      obs.facts[launch.nodeId] = { attempt: launch.attempt, phase: 'Pending' };
      return false;
    }
    // What the pod is built from, and only that: a launch may wait in the launcher while later passes run, and the
    // pass's observation (every pod and node of the run) must not be kept alive by it.
    const spec = obs.run.spec ?? {};
    const podInputs: PodInputs = { pipeline, ctx, ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}), ...(spec.podDefaults ? { podDefaults: spec.podDefaults } : {}) };
    return this.deps.pods.submit({ uid: ctx.uid, key: `${ctx.namespace}/${ctx.name}`, nodeId: launch.nodeId, task: launch.displayName, attempt: launch.attempt, pod: name, create: () => this.createPod(podInputs, launch, workspace, log) });
  }

  /** Builds and creates the task's pod (in the launcher). Refusals settle the task; API server trouble is thrown. */
  private async createPod(inputs: PodInputs, launch: LaunchRequest, workspace: Workspace, log: Logger): Promise<LaunchOutcome> {
    const { pipeline, ctx, serviceAccountName, podDefaults } = inputs;
    const component = pipeline.components[launch.componentName]!;
    const executor = pipeline.executors[launch.executorLabel];
    if (executor?.kind !== 'container') throw new Error(`executor ${launch.executorLabel} is not a container`);
    let pod: V1Pod;
    try {
      pod = buildTaskPod({
        run: ctx,
        launch,
        component,
        executor,
        config: this.deps.config,
        grant: { key: this.deps.grantKey, nowSec: Math.floor(nowMs(this.deps.clock) / 1000) },
        ...(pipeline.platform.executors[launch.executorLabel] ? { platform: pipeline.platform.executors[launch.executorLabel] } : {}),
        ...(serviceAccountName ? { serviceAccountName } : {}),
        ...(podDefaults ? { podDefaults } : {}),
        ...(workspace && 'claim' in workspace ? { workspaceClaim: workspace.claim } : {}),
      });
    } catch (err) {
      log.warn({ task: launch.nodeId, err: (err as Error).message }, 'cannot build task pod');
      return { kind: 'settled', phase: 'Error', message: `cannot build the task's pod: ${(err as Error).message}` };
    }
    // Secret names from parameters are only known now.
    const secret = checkPodSecrets(pod, ctx.namespace, this.deps.config.tenancy);
    if (secret) return { kind: 'settled', phase: 'Failed', message: formatDiagnostic(secret) };
    try {
      return { kind: 'created', result: await this.deps.kube.createPod(pod) };
    } catch (err) {
      if (!(err instanceof RejectedError)) throw err;
      return { kind: 'settled', phase: 'Error', message: rejectedPodMessage(err.message) };
    }
  }

  /** A launch whose outputs the namespace's cache index has: recorded as Cached, no pod. */
  private async cached(obs: Observation, launch: LaunchRequest, log: Logger): Promise<boolean> {
    const cache = this.deps.cacheFor?.(obs.ctx.namespace);
    if (!launch.cacheFingerprint || !cache) return false;
    const outputs = await cache.lookup(launch.cacheFingerprint).catch((err: unknown) => {
      log.warn({ task: launch.nodeId, err: (err as Error).message }, 'cache lookup failed; running the task');
      return undefined;
    });
    if (!outputs) return false;
    noteStopped(obs, attemptOf(launch), 'Cached', `cached (${launch.cacheFingerprint.slice(0, 12)})`, this.deps.clock());
    obs.facts[launch.nodeId]!.outputs = outputs;
    if (cache instanceof S3CacheIndex) obs.refs[launch.nodeId] = cache.uriFor(launch.cacheFingerprint);
    return true;
  }

  /**
   * CreatePVC / DeletePVC, done by the controller itself (KFP's driver does the same): the result is recorded as
   * the attempt's outcome, with CreatePVC's `name` output. Idempotent: the claim name is deterministic, and a
   * claim that exists already counts as created only if this run made it.
   */
  private async runPlatformOp(obs: Observation, launch: LaunchRequest, op: PlatformOp, log: Logger): Promise<void> {
    const { ctx } = obs;
    const params = launch.inputs.parameters;
    const note = (phase: Outcome, message: string): void => noteStopped(obs, attemptOf(launch), phase, message, this.deps.clock());
    try {
      if (op === 'createPvc') {
        const pvc = createPvcObject(params, ctx, { ...runLabels(ctx.name, ctx.uid), [LABEL_TASK]: labelValue(launch.taskName) });
        const r = await this.deps.kube.createPvc(pvc);
        if (r.result === 'exists' && r.labels[LABEL_RUN_UID] !== ctx.uid) {
          return note('Failed', `PersistentVolumeClaim ${pvc.metadata.name} already exists in namespace ${ctx.namespace} and was not created by this run; choose another pvc_name, use pvc_name_suffix, or delete the old claim`);
        }
        log.info({ task: launch.nodeId, claim: pvc.metadata.name, result: r.result }, 'CreatePVC');
        note('Succeeded', `created PersistentVolumeClaim ${pvc.metadata.name}`);
        obs.facts[launch.nodeId]!.outputs = { parameters: { name: pvc.metadata.name }, artifacts: {} };
      } else {
        const name = deletePvcName(params);
        const r = await this.deps.kube.deletePvc(ctx.namespace, name);
        log.info({ task: launch.nodeId, claim: name, result: r }, 'DeletePVC');
        note('Succeeded', r === 'deleted' ? `deleted PersistentVolumeClaim ${name}` : `PersistentVolumeClaim ${name} was already gone`);
        obs.facts[launch.nodeId]!.outputs = { parameters: {}, artifacts: {} };
      }
    } catch (err) {
      if (err instanceof PlatformOpError) return note('Failed', err.message);
      if (err instanceof MissingStorageClassError) {
        return note('Failed', missingStorageClassMessage({ kind: 'createPvc', name: createPvcName(params, ctx.name), storageClass: err.storageClass }));
      }
      if (err instanceof RejectedError) return note('Failed', `the API server refused ${op === 'createPvc' ? 'CreatePVC' : 'DeletePVC'}: ${err.message}`);
      throw err;
    }
  }

  /**
   * The run's workspace claim (dsl.PipelineConfig(workspace=...)), created before its first task pod and owned by
   * the run. Undefined when the pipeline has no workspace; an error when the claim cannot be made.
   */
  private async ensureWorkspace(obs: Observation, launches: PlanResult['launch'], log: Logger): Promise<Workspace> {
    const { pipeline, ctx } = obs;
    const ws = workspaceConfig(pipeline.platform.pipelineConfig);
    if (!ws) return undefined;
    const ref = { name: ctx.name, namespace: ctx.namespace, uid: ctx.uid };
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
      if (err instanceof MissingStorageClassError) {
        // The pipeline's (or operator's) setting, not the infrastructure: Failed, as a bad CreatePVC input is.
        return { phase: 'Failed', error: missingStorageClassMessage({ kind: 'workspace', name: claim, storageClass: err.storageClass, source: workspaceClassSource(ws) }) };
      }
      if (err instanceof RejectedError) return { error: `the API server refused the run's workspace claim ${claim}: ${err.message}` };
      throw err;
    }
  }

  /** After the status that finished the run is written: the workspace lives as long as the run (as KFP's); the
   * owner reference covers a controller that dies here. */
  async runFinished(obs: Observation, log: Logger): Promise<void> {
    if (!workspaceConfig(obs.pipeline.platform.pipelineConfig)) return;
    const claim = workspaceClaimName({ name: obs.ctx.name, namespace: obs.ctx.namespace, uid: obs.ctx.uid });
    try {
      await this.deps.kube.deletePvc(obs.ctx.namespace, claim);
    } catch (err) {
      log.warn({ claim, err: (err as Error).message }, 'cannot delete the run workspace; it goes when the run is deleted');
    }
  }

  /** A run that fails as a whole: its pods still running are stopped. */
  async stopRunningPods(run: PipelineRunObject): Promise<void> {
    const ns = run.metadata!.namespace!;
    for (const pod of this.deps.podsOfRun(ns, run.metadata!.uid!)) {
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.name) await this.deps.kube.deletePod(ns, pod.metadata.name);
    }
  }

  /** Once per fingerprint and process: the index write is idempotent, so a restart may repeat it harmlessly. */
  private async recordInCache(run: PipelineRunObject, nodeId: string, fingerprint: string, outputs: NodeOutputs, log: Logger): Promise<void> {
    const ns = run.metadata!.namespace!;
    const cache = this.deps.cacheFor?.(ns);
    if (!cache || this.recorded.has(`${ns}/${fingerprint}`)) return;
    const meta = { pipeline: run.spec?.pipelineRef?.name ?? run.metadata!.name!, run: run.metadata!.name!, nodeId, component: nodeId, createdAt: this.deps.clock().toISOString() };
    try {
      await cache.record(fingerprint, outputs, meta);
      if (this.recorded.size > 10_000) this.recorded.clear();
      this.recorded.add(`${ns}/${fingerprint}`);
    } catch (err) {
      log.warn({ task: nodeId, err: (err as Error).message }, 'cannot record the task in the cache');
    }
  }
}

type Workspace = { claim: string } | { error: string; phase?: Outcome } | undefined;
