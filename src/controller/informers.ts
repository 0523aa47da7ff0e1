// Watch caches for PipelineRuns and task pods. client-node 2.x's ListWatch re-lists on 410 Gone and reconnects
// after its 30 s client-side inactivity timeout (a silently stalled watch), but still stops on any other error
// (apiserver down, a failed list: cache.js doneHandler), so each cache restarts with backoff on errors. main.ts
// still re-lists every resyncSeconds as a level-triggered resync (not measured as unneeded: docs/adr/0001). With a list of namespaces there is one cache per namespace, each listing and
// watching only its own namespace, so RoleBindings in those namespaces are all the controller needs.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { pooledApiClient } from './api-client.js';
import { GROUP, LABEL_MANAGED_BY, RUN_PLURAL, VERSION } from './names.js';
import { PodIndex, runOwnerOf } from './pod-index.js';
import type { PipelineRunObject } from './types.js';

export interface ResilientCache<T extends k8s.KubernetesObject> {
  list(): ReadonlyArray<T>;
  get(name: string, namespace?: string): T | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stop and start again: a full re-list that repairs a stalled watch. */
  relist(): Promise<void>;
}

interface Handlers<T> {
  onChange: (obj: T) => void;
  onDelete: (obj: T) => void;
  /** Each full list, before its items are delivered as changes: the truth for this cache's scope. */
  onListed?: (items: T[]) => void;
}

const objKey = (o: k8s.KubernetesObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** What one cache lists and watches. */
interface Source<T extends k8s.KubernetesObject> {
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  watch: k8s.Watch;
  labelSelector?: string;
}

export function resilient<T extends k8s.KubernetesObject>(name: string, source: Source<T>, handlers: Handlers<T>, logger: Logger): ResilientCache<T> {
  let lw: k8s.ListWatch<T> | undefined;
  let stopped = false;
  let failures = 0;
  let lastErrorAt = 0;
  const retired = new WeakSet<k8s.ListWatch<T>>();
  const start = async (): Promise<void> => {
    stopped = false;
    // A new ListWatch starts empty: objects the previous one held that the fresh list lacks were deleted while
    // nobody watched, and no delete event will come for them.
    let before: T[] | undefined = [...(lw?.list() ?? [])];
    const list = async (): Promise<k8s.KubernetesListObject<T>> => {
      const l = await source.list();
      if (before) {
        const fresh = new Set(l.items.map(objKey));
        for (const o of before) if (!fresh.has(objKey(o))) handlers.onDelete(o);
        before = undefined;
      }
      handlers.onListed?.(l.items);
      return l;
    };
    const cur = new k8s.ListWatch<T>(source.path, source.watch, list, false, source.labelSelector);
    lw = cur;
    cur.on('add', handlers.onChange);
    cur.on('update', handlers.onChange);
    cur.on('delete', handlers.onDelete);

    cur.on('error', (err: unknown) => {
      if (stopped || lw !== cur || retired.has(cur)) return;
      // client-node emits 'connect' before each attempt, even failing ones: a watch that lived a minute resets the backoff.
      if (Date.now() - lastErrorAt > 60_000) failures = 0;
      lastErrorAt = Date.now();
      failures++;
      const delay = Math.min(200 * 2 ** Math.min(failures, 8), 30_000);
      // An aborted or timed-out watch is routine, unlike a real failure.
      const routine = ['AbortError', 'TimeoutError'].includes((err as { name?: string })?.name ?? '');
      logger[routine ? 'debug' : 'warn']({ cache: name, err: String(err), retryInMs: delay }, 'watch ended; restarting');
      setTimeout(() => {
        if (!stopped && lw === cur) void cur.start().catch(() => undefined);
      }, delay).unref();
    });
    await cur.start();
  };
  return {
    list: () => lw?.list() ?? [],
    get: (n, ns) => lw?.get(n, ns),
    start,
    stop: async () => {
      stopped = true;
      await lw?.stop();
    },
    relist: async () => {
      // The stopped watch may end with an error (node-fetch's "Premature close") before start() replaces it: that
      // ending is ours, not a failure to count or log.
      if (lw) retired.add(lw);
      await lw?.stop();
      if (!stopped) await start();
    },
  };
}

/** One cache per namespace seen as one; `undefined` is the cluster-wide cache. */
function union<T extends k8s.KubernetesObject>(parts: Map<string | undefined, ResilientCache<T>>): ResilientCache<T> {
  const all = [...parts.values()];
  const each = (f: (c: ResilientCache<T>) => Promise<void>): Promise<void> => Promise.all(all.map(f)).then(() => undefined);
  return {
    list: () => all.flatMap((c) => c.list()),
    get: (n, ns) => (parts.get(undefined) ?? (ns === undefined ? undefined : parts.get(ns)))?.get(n, ns),
    start: () => each((c) => c.start()),
    stop: () => each((c) => c.stop()),
    relist: () => each((c) => c.relist()),
  };
}

/**
 * What the controller keeps of a task pod: its metadata without managedFields, its status, and of its spec only the
 * claim volumes (a pod pending on a claim is reported with that claim's own state, reconcile-observe.ts). Nothing
 * else reads a cached pod's spec (facts come from the status, ownership from the metadata), and the spec is most of a
 * task pod: dropping it keeps a 10,000-pod run's cache within the controller's memory budget (docs/performance.md).
 * Of the status, only what observe.ts and run-gc.ts read: the phase and its words, the scheduler's refusal, and each
 * container's name and state (not its image, IDs, counters or addresses, repeated in every one of 10,000 pods).
 */
export function slimPod<T>(obj: T): T {
  const pod = obj as k8s.V1Pod | undefined;
  if (pod && typeof pod === 'object') {
    const claims = (pod.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim);
    delete pod.spec;
    if (claims.length) pod.spec = { containers: [], volumes: claims };
    if (pod.metadata) delete pod.metadata.managedFields;
    if (pod.status) pod.status = slimStatus(pod.status);
  }
  return obj;
}

function slimStatus(s: k8s.V1PodStatus): k8s.V1PodStatus {
  const out: k8s.V1PodStatus = {};
  if (s.phase) out.phase = s.phase;
  if (s.reason) out.reason = s.reason;
  if (s.message) out.message = s.message;
  const unscheduled = s.conditions?.filter((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled?.length) out.conditions = unscheduled;
  const containers = (list: k8s.V1ContainerStatus[] | undefined): k8s.V1ContainerStatus[] | undefined =>
    list?.map((c) => ({ name: c.name, ...(c.state ? { state: c.state } : {}) }) as k8s.V1ContainerStatus);
  const init = containers(s.initContainerStatuses);
  if (init) out.initContainerStatuses = init;
  const main = containers(s.containerStatuses);
  if (main) out.containerStatuses = main;
  return out;
}

/** A watch whose objects pass through `see` before the cache stores them (as client-go's informer transform). */
class SeeingWatch extends k8s.Watch {
  constructor(kc: k8s.KubeConfig, private readonly see: (phase: string, obj: unknown) => void) {
    super(kc);
  }

  override watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    return super.watch(path, queryParams, (phase, apiObj, watchObj) => {
      if (phase !== 'ERROR' && phase !== 'BOOKMARK' && apiObj && typeof apiObj === 'object') this.see(phase, apiObj);
      callback(phase, apiObj, watchObj);
    }, done);
  }
}

/**
 * One spec object per run and generation. Every status write comes back as a new version of the run, each with its
 * own parsed copy of the spec (a 10,000-task spec is megabytes of objects); the API server bumps
 * metadata.generation on every spec change, so versions of one generation share the first one's spec.
 */
export class SpecSharing {
  private readonly specs = new Map<string, { generation: number | undefined; spec: unknown }>();

  share<T extends { metadata?: k8s.V1ObjectMeta; spec?: unknown }>(obj: T): T {
    const uid = obj.metadata?.uid;
    if (!uid || obj.spec === undefined) return obj;
    const kept = this.specs.get(uid);
    if (kept && kept.generation !== undefined && kept.generation === obj.metadata?.generation) obj.spec = kept.spec as T['spec'];
    else this.specs.set(uid, { generation: obj.metadata?.generation, spec: obj.spec });
    return obj;
  }

  forget(uid: string | undefined): void {
    if (uid) this.specs.delete(uid);
  }

  /** After a list: only the runs listed are kept (a deletion missed while the watch was down is not left behind). */
  retain(items: readonly { metadata?: k8s.V1ObjectMeta }[]): void {
    const live = new Set(items.map((o) => o.metadata?.uid));
    for (const uid of this.specs.keys()) if (!live.has(uid)) this.specs.delete(uid);
  }
}

export interface Caches {
  runs: ResilientCache<PipelineRunObject>;
  pods: ResilientCache<k8s.V1Pod>;
  /** Pods of one run: in its namespace, owned by its uid (kept from watch events, so no scan per reconcile). */
  podsOfRun(namespace: string, uid: string): k8s.V1Pod[];
}

export interface CacheCallbacks {
  /** Sees every version of a run the cache receives, in order, before the run is queued. */
  onRun?: (run: PipelineRunObject) => void;
  /** A run left the cache (deleted, or found gone by a re-list). */
  onRunDeleted?: (run: PipelineRunObject) => void;
}

/** `namespaces` empty: one cluster-wide cache each for runs and pods; otherwise one per namespace. */
export function makeCaches(kc: k8s.KubeConfig, namespaces: readonly string[], enqueue: (key: string) => void, logger: Logger, callbacks: CacheCallbacks = {}): Caches {
  const core = pooledApiClient(kc, k8s.CoreV1Api);
  const custom = pooledApiClient(kc, k8s.CustomObjectsApi);
  const sharing = new SpecSharing();
  const runWatch = new SeeingWatch(kc, (phase, run) => {
    if (phase === 'DELETED') sharing.forget((run as PipelineRunObject).metadata?.uid);
    else sharing.share(run as PipelineRunObject);
  });
  const podWatch = new SeeingWatch(kc, (_phase, pod) => slimPod(pod));
  const selector = `${LABEL_MANAGED_BY}=pipewright`;
  const index = new PodIndex();
  const scopes: (string | undefined)[] = namespaces.length > 0 ? [...new Set(namespaces)] : [undefined];

  const runs = new Map<string | undefined, ResilientCache<PipelineRunObject>>();
  const pods = new Map<string | undefined, ResilientCache<k8s.V1Pod>>();
  const onPod = (pod: k8s.V1Pod, deleted: boolean): void => {
    if (deleted) index.remove(pod);
    else index.upsert(pod);
    const owner = runOwnerOf(pod);
    if (owner) enqueue(`${pod.metadata?.namespace}/${owner.name}`);
  };
  for (const ns of scopes) {
    const where = ns === undefined ? 'all namespaces' : ns;
    const runsPath = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${RUN_PLURAL}` : `/apis/${GROUP}/${VERSION}/${RUN_PLURAL}`;
    const listRuns = async (): Promise<k8s.KubernetesListObject<PipelineRunObject>> => {
      const l = (await (ns
        ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: RUN_PLURAL })
        : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL }))) as k8s.KubernetesListObject<PipelineRunObject>;
      // One sharing table for every scope: keep what other scopes hold, drop only this scope's runs not listed.
      if (!ns) sharing.retain(l.items);
      l.items.forEach((r) => sharing.share(r));
      return l;
    };
    runs.set(ns, resilient(`pipelineruns (${where})`, { path: runsPath, list: listRuns, watch: runWatch }, {
      onChange: (r) => {
        callbacks.onRun?.(r);
        enqueue(objKey(r));
      },
      onDelete: (r) => callbacks.onRunDeleted?.(r),
    }, logger));

    const podsPath = ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods';
    const listPods = async (): Promise<k8s.V1PodList> => {
      const l = await (ns ? core.listNamespacedPod({ namespace: ns, labelSelector: selector }) : core.listPodForAllNamespaces({ labelSelector: selector }));
      l.items.forEach(slimPod);
      return l;
    };
    pods.set(ns, resilient(`pods (${where})`, { path: podsPath, list: listPods, watch: podWatch, labelSelector: selector }, {
      onChange: (p) => onPod(p, false),
      onDelete: (p) => onPod(p, true),
      onListed: (items) => index.replace(ns, items),
    }, logger));
  }
  return { runs: union(runs), pods: union(pods), podsOfRun: (namespace, uid) => index.podsOf(namespace, uid) };
}
