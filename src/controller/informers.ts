// Watch caches for PipelineRuns and task pods. client-node's ListWatch re-lists on 410 Gone but stops on any
// other error and has been seen to stall silently, so each cache restarts with backoff on errors and is
// re-listed periodically.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { pooledApiClient } from './api-client.js';
import { GROUP, LABEL_MANAGED_BY, LABEL_RUN_UID, RUN_PLURAL, VERSION } from './names.js';
import type { PipelineRunObject } from './types.js';

export interface ResilientCache<T extends k8s.KubernetesObject> {
  list(): ReadonlyArray<T>;
  get(name: string, namespace?: string): T | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stop and start again: a full re-list that repairs a stalled watch. */
  relist(): Promise<void>;
}

function resilient<T extends k8s.KubernetesObject>(
  name: string,
  make: () => k8s.ListWatch<T>,
  handlers: { onChange: (obj: T) => void; onDelete: (obj: T) => void },
  logger: Logger,
): ResilientCache<T> {
  let lw: k8s.ListWatch<T> | undefined;
  let stopped = false;
  let failures = 0;
  let lastErrorAt = 0;
  const start = async (): Promise<void> => {
    stopped = false;
    const cur = make();
    lw = cur;
    cur.on('add', handlers.onChange);
    cur.on('update', handlers.onChange);
    cur.on('delete', handlers.onDelete);

    cur.on('error', (err: unknown) => {
      if (stopped || lw !== cur) return;
      // client-node emits 'connect' before each attempt, even failing ones: a watch that lived a minute resets the backoff.
      if (Date.now() - lastErrorAt > 60_000) failures = 0;
      lastErrorAt = Date.now();
      failures++;
      const delay = Math.min(200 * 2 ** Math.min(failures, 8), 30_000);
      // client-node ends long watches by aborting them: routine, unlike a real failure.
      const routine = (err as { name?: string })?.name === 'AbortError';
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
      await lw?.stop();
      if (!stopped) await start();
    },
  };
}

export interface Caches {
  runs: ResilientCache<PipelineRunObject>;
  pods: ResilientCache<k8s.V1Pod>;
  /** Pods of one run, by run uid (kept from watch events, so no scan per reconcile). */
  podsOfRun(uid: string): k8s.V1Pod[];
}

/** onRun sees every version of a run the cache receives, in order, before the run is queued. */
export function makeCaches(kc: k8s.KubeConfig, namespace: string | undefined, enqueue: (key: string) => void, logger: Logger, onRun?: (run: PipelineRunObject) => void): Caches {
  const core = pooledApiClient(kc, k8s.CoreV1Api);
  const custom = pooledApiClient(kc, k8s.CustomObjectsApi);
  const watch = new k8s.Watch(kc);
  const selector = `${LABEL_MANAGED_BY}=pipewright`;
  const byRun = new Map<string, Map<string, k8s.V1Pod>>();
  const runKey = (o: k8s.KubernetesObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

  const runsPath = namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${RUN_PLURAL}` : `/apis/${GROUP}/${VERSION}/${RUN_PLURAL}`;
  const listRuns = (): Promise<k8s.KubernetesListObject<PipelineRunObject>> =>
    (namespace
      ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: RUN_PLURAL })
      : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL })) as Promise<k8s.KubernetesListObject<PipelineRunObject>>;
  const runs = resilient('pipelineruns', () => new k8s.ListWatch(runsPath, watch, listRuns, false), { onChange: (r) => { onRun?.(r); enqueue(runKey(r)); }, onDelete: () => undefined }, logger);

  const podsPath = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  const listPods = (): Promise<k8s.V1PodList> =>
    namespace ? core.listNamespacedPod({ namespace, labelSelector: selector }) : core.listPodForAllNamespaces({ labelSelector: selector });
  const onPod = (pod: k8s.V1Pod, deleted: boolean): void => {
    const uid = pod.metadata?.labels?.[LABEL_RUN_UID];
    const name = pod.metadata?.name;
    if (!uid || !name) return;
    let m = byRun.get(uid);
    if (deleted) {
      m?.delete(name);
      if (m && m.size === 0) byRun.delete(uid);
    } else {
      if (!m) byRun.set(uid, (m = new Map()));
      m.set(name, pod);
    }
    const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === 'PipelineRun');
    if (owner) enqueue(`${pod.metadata?.namespace}/${owner.name}`);
  };
  const pods = resilient(
    'pods',
    () => new k8s.ListWatch(podsPath, watch, listPods, false, selector),
    { onChange: (p) => onPod(p, false), onDelete: (p) => onPod(p, true) },
    logger,
  );
  return { runs, pods, podsOfRun: (uid) => [...(byRun.get(uid)?.values() ?? [])] };
}
