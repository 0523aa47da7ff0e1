// Wires the controller: caches → work queue → reconciler, plus periodic re-list as a guard against stalled watches.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { S3ArtifactStore } from '../artifacts/s3.js';
import { s3ConfigFromEnv } from '../artifacts/s3-config.js';
import { S3CacheIndex } from '../artifacts/cache-index.js';
import type { ControllerConfig } from './config.js';
import { makeCaches } from './informers.js';
import { kubeOps } from './kube-ops.js';
import { WorkQueue } from './queue.js';
import { Reconciler } from './reconcile.js';

export interface ControllerHandle {
  stop(): Promise<void>;
  queue: WorkQueue;
}

export interface ControllerHooks {
  /** Each reconcile's duration (benchmarks); calls that only wait for the run cache to show our own write are not reported. */
  onReconciled?: (ms: number, key: string) => void;
}

export async function startController(kc: k8s.KubeConfig, config: ControllerConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env, hooks: ControllerHooks = {}): Promise<ControllerHandle> {
  const namespace = config.namespaces.length === 1 ? config.namespaces[0] : undefined;
  const watched = (key: string): boolean => config.namespaces.length === 0 || config.namespaces.includes(key.split('/')[0]!);
  // The queue's handler and the caches' callbacks refer to each other; both run only after start().
  const queue: WorkQueue = new WorkQueue((key) => reconciler.reconcile(key), {
    workers: config.workers,
    maxBackoffMs: 60_000,
    onError: (key, err, retryInMs) => logger.error({ run: key, err: err instanceof Error ? err.message : String(err), retryInMs }, 'reconcile failed'),
  });
  const caches = makeCaches(kc, namespace, (key) => watched(key) && queue.add(key), logger, (run) => reconciler.runSeen(run));
  let store: S3ArtifactStore | undefined;
  try {
    store = new S3ArtifactStore(s3ConfigFromEnv(env));
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'no S3 credentials: outputs larger than a termination message cannot be read');
  }
  const reconciler = new Reconciler({
    config,
    logger,
    kube: kubeOps(kc),
    getRun: (ns, name) => caches.runs.get(name, ns),
    podsOfRun: (uid) => caches.podsOfRun(uid),
    // Task outputs are cached in the same bucket as the artifacts, keyed by fingerprint (as the local runner does).
    ...(store ? { store, cache: new S3CacheIndex(store, config.pipelineRoot) } : {}),
    ...(hooks.onReconciled ? { onReconciled: hooks.onReconciled } : {}),
  });
  await caches.pods.start();
  await caches.runs.start();
  const enqueueAll = (): void => {
    for (const r of caches.runs.list()) queue.add(`${r.metadata?.namespace}/${r.metadata?.name}`);
  };
  enqueueAll();
  const resync = setInterval(() => {
    void Promise.all([caches.pods.relist(), caches.runs.relist()])
      .catch((err: unknown) => logger.warn({ err: String(err) }, 're-list failed'))
      .finally(enqueueAll);
  }, config.resyncSeconds * 1000);
  resync.unref();
  logger.info({ namespaces: config.namespaces.length ? config.namespaces : 'all', workers: config.workers }, 'controller started');
  return {
    queue,
    async stop() {
      clearInterval(resync);
      queue.stop();
      await Promise.all([caches.runs.stop(), caches.pods.stop()]);
      // Events still being sent get a moment to go out.
      await Promise.race([reconciler.events.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}
