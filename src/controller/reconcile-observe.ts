// Reconcile, stage 1 of 4: observe. Reads only (the caches, the Pipeline a run names, outputs and node detail in
// S3) and says what is: the run as stored, its pipeline, and one fact per node from its pods and its status.
import type { V1Pod } from '@kubernetes/client-node';
import { ArtifactNotFoundError, type ArtifactStore } from '../artifacts/store.js';
import { isOwnUri } from '../artifacts/tenancy.js';
import type { ExecutionFact, NodeOutputs } from '../engine/state.js';
import { PipelineError, formatDiagnostic } from '../model/diagnostics.js';
import type { JsonValue, Pipeline } from '../model/types.js';
import { nowMs, type Clock } from './clock.js';
import type { ControllerConfig } from './config.js';
import { Reason, TerminalError } from './errors.js';
import type { Expectations } from './expectations.js';
import type { KubeOps } from './kube-ops.js';
import { factFromPod, type PodFact } from './observe.js';
import { taskPodName } from './names.js';
import type { PodLauncher } from './pod-launcher.js';
import { claimCause, unboundClaimMessage, type ClaimState } from '../executor/pvc-ops.js';
import { pipelineFromSource } from './pipeline-source.js';
import type { Admission } from './reconcile-plan.js';
import { forgetEarlierRounds } from './run-retry.js';
import { checkRunShape } from './run-shape.js';
import { factFromStatusNode, factsFromStatus, type RunStatus, type StatusNode } from './status.js';
import type { NodeDocs } from './status-nodes.js';
import type { PipelineRunObject } from './types.js';
import type { RunContext } from '../engine/state.js';
import { dict } from '../util/own.js';

/** The run itself, before its pods are looked at. */
export interface RunObservation {
  run: PipelineRunObject;
  /** The status as stored. */
  stored: RunStatus;
  /** The stored status with every node, also those kept only at nodesRef. */
  previous: RunStatus;
  /** The run's pipeline, or why it cannot be read (the run fails with that message). */
  pipeline: Pipeline | { invalid: string };
}

/** Everything a pass knows about an admitted run. The act step adds the outcomes it produced (stopped nodes). */
export interface Observation extends Omit<RunObservation, 'pipeline'> {
  pipeline: Pipeline;
  arguments: Record<string, JsonValue>;
  ctx: RunContext;
  /** The run's pods, as the cache shows them. */
  pods: V1Pod[];
  /** Per node, the latest attempt's fact: from its pod, from an attempt the controller ended, or from the status. */
  facts: Record<string, ExecutionFact>;
  /** Per node, the pod of its latest attempt. */
  podNames: Record<string, string>;
  /** Per node, where its outputs too large for the status are in S3. */
  refs: Record<string, string>;
  /** Nodes whose attempt the controller ended itself (cancel, timeout, rejected pod, a pod deleted under it). */
  stopped: Record<string, StatusNode>;
  /** A pod the status names is missing from the cache but exists: look again then (ms since epoch). */
  recheckAt?: number;
  /** Succeeded pods whose outputs belong in the namespace's cache index (the act step records them). */
  toCache: { nodeId: string; fingerprint: string; outputs: NodeOutputs }[];
}

export interface ObserverDeps {
  config: ControllerConfig;
  kube: KubeOps;
  podsOfRun: (namespace: string, uid: string) => V1Pod[];
  store?: ArtifactStore;
  nodeDocs?: NodeDocs;
  expectations: Expectations;
  clock: Clock;
  /** Pod creations handed over by earlier passes (pod-launcher.ts). */
  launches?: PodLauncher;
}

export class Observer {
  /** Parsed pipelines by run uid: a run's spec is immutable, so this is a cache, not state. */
  private readonly pipelines = new Map<string, Pipeline>();
  /** Large outputs fetched from S3 by URI (immutable objects). */
  private readonly outputs = new Map<string, NodeOutputs>();
  // A pass reads every pod and node of its run, though few changed since the last pass: what is read from an object
  // is kept by the object's identity (the caches replace an object on every change, never edit it in place).
  /** Run objects whose shape was checked. */
  private readonly shapeChecked = new WeakSet<PipelineRunObject>();
  /** What each pod says, by pod object. */
  private readonly podFacts = new WeakMap<V1Pod, PodFact | null>();
  /** Pod names of status nodes' attempts, by node object. */
  private readonly podNames = new WeakMap<StatusNode, string>();
  /** Facts of a status's nodes, by the status's nodes object. */
  private readonly nodeFacts = new WeakMap<Record<string, StatusNode>, Record<string, ExecutionFact>>();

  constructor(private readonly deps: ObserverDeps) {}

  forget(uid: string): void {
    this.pipelines.delete(uid);
  }

  /** The run, its whole stored status and its pipeline. Throws TerminalError for a run of the wrong shape. */
  async run(run: PipelineRunObject): Promise<RunObservation> {
    if (!this.shapeChecked.has(run)) {
      checkRunShape(run);
      this.shapeChecked.add(run);
    }
    const stored: RunStatus = run.status ?? {};
    const loaded: RunStatus = stored.nodesRef ? { ...stored, nodes: await this.allNodes(run.metadata!.uid!, stored) } : stored;
    // A run retried in place: the nodes of earlier rounds that did not succeed run again (run-retry.ts).
    const previous: RunStatus = stored.retry ? { ...loaded, nodes: forgetEarlierRounds(loaded.nodes, stored.retry.attemptBase)! } : loaded;
    try {
      return { run, stored, previous, pipeline: await this.pipelineFor(run) };
    } catch (err) {
      if (!(err instanceof PipelineError)) throw err;
      return { run, stored, previous, pipeline: { invalid: err.diagnostics.map(formatDiagnostic).join('; ') } };
    }
  }

  /** Facts from the pods (latest attempt per node), from attempts the controller ended, and from finished nodes whose pods are gone. */
  async pods(seen: RunObservation, admitted: Extract<Admission, { ok: true }>): Promise<Observation> {
    const { run, previous } = seen;
    const uid = run.metadata!.uid!;
    const ns = run.metadata!.namespace!;
    const pods = this.deps.podsOfRun(ns, uid);
    const { pipeline, arguments: args, ctx } = admitted;
    const obs: Observation = { ...seen, pipeline, arguments: args, ctx, pods, facts: this.factsOfNodes(previous.nodes), podNames: dict(), refs: dict(), stopped: dict(), toCache: [] };
    const { facts, podNames } = obs;
    const latest = new Map<string, PodFact>();
    for (const pod of pods) {
      this.deps.expectations.podSeen(uid, pod.metadata?.name ?? '');
      const pf = this.factOf(pod);
      if (!pf) continue;
      const cur = latest.get(pf.nodeId);
      if (!cur || cur.attempt < pf.attempt) latest.set(pf.nodeId, pf);
    }
    for (const [id, pf] of latest) {
      podNames[id] = pf.podName;
      const prev = facts[id];
      if (prev && prev.attempt > pf.attempt) continue;
      if (pf.outputsRef && this.deps.store) {
        obs.refs[id] = pf.outputsRef;
        pf.fact.outputs = await this.loadOutputs(pf.outputsRef, ns);
      }
      // "unbound immediate PersistentVolumeClaims", or "persistentvolumeclaim "x" not found" from a scheduler whose
      // cache had not seen the claim yet: either way the claims' own state says more.
      if (pf.fact.phase === 'Pending' && pf.fact.message && /persistentvolumeclaim/i.test(pf.fact.message)) {
        pf.fact.message = await this.claimsMessage(pods.find((p) => p.metadata?.name === pf.podName), ns, pf.fact.message);
      }
      facts[id] = pf.fact;
      if (pf.fact.phase === 'Succeeded' && pf.fact.outputs && pf.cacheFingerprint) obs.toCache.push({ nodeId: id, fingerprint: pf.cacheFingerprint, outputs: pf.fact.outputs });
    }
    await this.statusFacts(obs, latest);
    this.launchFacts(obs);
    return obs;
  }

  /** factFromPod, once per pod object; a copy, as the pass adds to it (outputs read by reference, a claim's words). */
  private factOf(pod: V1Pod): PodFact | undefined {
    let pf = this.podFacts.get(pod);
    if (pf === undefined) this.podFacts.set(pod, (pf = factFromPod(pod) ?? null));
    return pf ? { ...pf, fact: { ...pf.fact } } : undefined;
  }

  /** factsFromStatus, once per status; copies, as the pass replaces and adds to them. */
  private factsOfNodes(nodes: Record<string, StatusNode> | undefined): Record<string, ExecutionFact> {
    if (!nodes) return dict();
    let facts = this.nodeFacts.get(nodes);
    if (!facts) this.nodeFacts.set(nodes, (facts = factsFromStatus(nodes)));
    const out = dict<ExecutionFact>();
    for (const id in facts) out[id] = { ...facts[id]! };
    return out;
  }

  /**
   * Creations an earlier pass handed to the launcher: one queued or in flight is started as far as the plan is
   * concerned (its pod is not named: it may not exist yet); one refused since settles its attempt.
   */
  private launchFacts(obs: Observation): void {
    const launches = this.deps.launches;
    if (!launches) return;
    const { facts, stopped } = obs;
    for (const h of launches.pending(obs.ctx.uid)) {
      const { nodeId, attempt } = h.job;
      const f = facts[nodeId];
      if (!f || f.attempt < attempt) facts[nodeId] = { attempt, phase: 'Pending' };
    }
    for (const s of launches.settledOf(obs.ctx.uid)) {
      const f = facts[s.nodeId];
      if (f && (f.attempt > s.attempt || (f.attempt === s.attempt && f.phase !== 'Pending'))) continue;
      const finishedAt = this.deps.clock().toISOString();
      facts[s.nodeId] = { attempt: s.attempt, phase: s.phase, message: s.message, finishedAt };
      stopped[s.nodeId] = { phase: s.phase, kind: 'container', task: s.task, attempt: s.attempt, message: s.message, finishedAt, stopped: true };
    }
  }

  /** The pod name of the attempt a status node records (a hash: kept by node object, as the status is read often). */
  private attemptPod(run: string, uid: string, id: string, n: StatusNode): string {
    let name = this.podNames.get(n);
    if (name === undefined) this.podNames.set(n, (name = taskPodName(run, uid, id, n.attempt!)));
    return name;
  }

  /** A pod waiting on claims: what those claims say about themselves before the scheduler's words. */
  private async claimsMessage(pod: V1Pod | undefined, ns: string, scheduler: string): Promise<string> {
    const names = (pod?.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => !!n).slice(0, 8);
    try {
      const claims = await Promise.all(names.map(async (name): Promise<ClaimState> => {
        const c = await this.deps.kube.readPvc(ns, name);
        if (!c) return { name, missing: true };
        const a = c.metadata?.annotations ?? {};
        const provisioner = a['volume.kubernetes.io/storage-provisioner'] ?? a['volume.beta.kubernetes.io/storage-provisioner'];
        // The events say why (a missing class, a provisioner's error); without them, the claim's state still helps.
        const cause = c.status?.phase === 'Bound' ? undefined : claimCause(await this.deps.kube.claimEvents(ns, name).catch(() => []));
        return { name, ...(c.status?.phase ? { phase: c.status.phase } : {}), ...(c.spec?.storageClassName ? { storageClassName: c.spec.storageClassName } : {}), ...(provisioner ? { provisioner } : {}), ...(cause ? { cause } : {}) };
      }));
      return unboundClaimMessage(claims, ns, scheduler) ?? scheduler;
    } catch {
      return scheduler; // the scheduler's words still say what is wrong
    }
  }

  /** Facts of nodes from the status: attempts the controller ended, finished nodes whose pods are gone, and
   * started nodes whose pods the cache does not show (late, or deleted under us). */
  private async statusFacts(obs: Observation, latest: Map<string, PodFact>): Promise<void> {
    const { facts, podNames, stopped } = obs;
    const uid = obs.ctx.uid;
    const nowIso = (): string => this.deps.clock().toISOString();
    // Latest attempt per node still queued or in flight in the launcher (one look, not one per node).
    const inLauncher = new Map<string, number>();
    for (const h of this.deps.launches?.pending(uid) ?? []) inLauncher.set(h.job.nodeId, Math.max(h.job.attempt, inLauncher.get(h.job.nodeId) ?? 0));
    for (const [id, n] of Object.entries(obs.previous.nodes ?? {})) {
      if (n.stopped && n.attempt) {
        stopped[id] = n;
        // The attempt the controller ended stands unless a pod of a later attempt exists.
        if (latest.has(id) && latest.get(id)!.attempt > n.attempt) continue;
        const fact = factFromStatusNode(n);
        if (fact) facts[id] = { ...fact, finishedAt: fact.finishedAt ?? nowIso() };
        if (n.outputsRef) await this.outputsByRef(id, n, obs);
        continue;
      }
      if (n.pod && !podNames[id]) podNames[id] = n.pod;
      if (!latest.has(id) && n.outputsRef) await this.outputsByRef(id, n, obs);
      // Recorded as started, but the pod is not in the cache: a lagging cache, or the pod was deleted. (The
      // attempt's own pod, unless its creation still waits in the launcher: launchFacts.)
      if (n.pod && n.attempt && (n.phase === 'Pending' || n.phase === 'Running') && !latest.has(id) && (inLauncher.get(id) ?? 0) < n.attempt) {
        await this.podNotCached(obs, id, n, n.attempt, n.phase);
      }
    }
  }

  /** A started node whose pod the cache does not show: late in the cache (still started), or deleted (Error). */
  private async podNotCached(obs: Observation, id: string, n: StatusNode, attempt: number, phase: 'Pending' | 'Running'): Promise<void> {
    const { uid, namespace, name } = obs.ctx;
    // The attempt's own pod name (a status written before reconcile-plan.ts dropped stale names may carry an
    // earlier attempt's).
    const pod = this.attemptPod(name, uid, id, n);
    // A pod we created moments ago is only late in the cache: no GET per pod (1,000 after a fan-out).
    if (this.deps.expectations.recentlyCreated(uid, pod) || (await this.deps.kube.podExists(namespace, pod))) {
      obs.facts[id] = { attempt, phase };
      obs.podNames[id] = pod;
      obs.recheckAt = nowMs(this.deps.clock) + 1000;
      return;
    }
    const fact: ExecutionFact = { attempt, phase: 'Error', message: `pod ${pod} was deleted before it finished`, finishedAt: this.deps.clock().toISOString() };
    obs.facts[id] = fact;
    obs.stopped[id] = { ...n, phase: 'Error', message: fact.message, finishedAt: fact.finishedAt, stopped: true };
  }

  /** Every node of a status cut to size, from the object at nodesRef; a missing object is the run's end. */
  async allNodes(uid: string, stored: RunStatus): Promise<Record<string, StatusNode>> {
    if (!this.deps.nodeDocs) throw new TerminalError(Reason.NodeDetailMissing, `status.nodesRef is ${stored.nodesRef} but this controller has no S3 access to read it`);
    try {
      return await this.deps.nodeDocs.allNodes(uid, stored);
    } catch (err) {
      if (err instanceof ArtifactNotFoundError) throw new TerminalError(Reason.NodeDetailMissing, `the run's node detail at ${stored.nodesRef} is gone, so finished tasks cannot be told from tasks to run; create the run again`, { cause: err });
      throw err;
    }
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

  /** A status fact's outputs too large for the status, from the S3 object its node names. */
  private async outputsByRef(id: string, n: StatusNode, obs: Observation): Promise<void> {
    const fact = obs.facts[id];
    if (!n.outputsRef || !this.deps.store || !fact) return;
    obs.refs[id] = n.outputsRef;
    fact.outputs = await this.loadOutputs(n.outputsRef, obs.ctx.namespace);
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
}
