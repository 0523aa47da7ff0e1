// Wires the controller: caches → work queue → reconciler, plus periodic re-list as a guard against stalled watches.
// With leader election on, all of that starts only in the replica that holds the Lease.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { S3ArtifactStore } from '../artifacts/s3.js';
import { s3ConfigFromEnv } from '../artifacts/s3-config.js';
import { S3CacheIndex } from '../artifacts/cache-index.js';
import type { ControllerConfig } from './config.js';
import { makeCaches } from './informers.js';
import { kubeOps, type KubeOps } from './kube-ops.js';
import { kubeLeaseApi, LeaderElector, type LeaseApi } from './leader-elector.js';
import { WorkQueue } from './queue.js';
import { Reconciler } from './reconcile.js';

export interface ControllerHandle {
  /** Stops the work; with leader election, also releases the Lease if held (a standby takes over at once). */
  stop(): Promise<void>;
  /** The work queue while this process leads (always, without leader election); undefined in a standby. */
  readonly queue: WorkQueue | undefined;
  /** True without leader election; otherwise whether this process holds the Lease. */
  isLeader(): boolean;
}

export interface ControllerHooks {
  /** Each reconcile's duration (benchmarks); calls that only wait for the run cache to show our own write are not reported. */
  onReconciled?: (ms: number, key: string) => void;
  /**
   * Leadership was lost and the work stopped. Default: exit the process with status 1 so Kubernetes restarts it
   * (client-go's advice: a process that may have missed events must not keep running as a standby).
   */
  onLeadershipLost?: (reason: string) => void;
  /** Tests: wrap the controller's API writes (e.g. to measure every status write). */
  wrapKubeOps?: (ops: KubeOps) => KubeOps;
  /** Tests: wrap the Lease API (e.g. to make renewals fail). */
  wrapLeaseApi?: (api: LeaseApi) => LeaseApi;
}

interface Work {
  stop(): Promise<void>;
  queue: WorkQueue;
}

export async function startController(kc: k8s.KubeConfig, config: ControllerConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env, hooks: ControllerHooks = {}): Promise<ControllerHandle> {
  const le = config.leaderElection;
  if (!le) {
    const work = await startWork(kc, config, logger, env, hooks);
    return { queue: work.queue, stop: () => work.stop(), isLeader: () => true };
  }
  let work: Work | undefined;
  const api = kubeLeaseApi(kc, le);
  const elector = new LeaderElector({
    config: le,
    api: hooks.wrapLeaseApi ? hooks.wrapLeaseApi(api) : api,
    logger,
    callbacks: {
      onStartedLeading: async () => {
        work = await startWork(kc, config, logger, env, hooks);
      },
      onStoppedLeading: async () => {
        const w = work;
        work = undefined;
        await w?.stop();
      },
      onLost: hooks.onLeadershipLost ?? ((reason) => {
        logger.fatal({ reason }, 'exiting: leadership lost');
        process.exit(1);
      }),
    },
  });
  elector.start();
  return {
    get queue() {
      return work?.queue;
    },
    isLeader: () => elector.isLeader(),
    stop: () => elector.stop(),
  };
}

async function startWork(kc: k8s.KubeConfig, config: ControllerConfig, logger: Logger, env: NodeJS.ProcessEnv, hooks: ControllerHooks): Promise<Work> {
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
    store = new S3ArtifactStore(s3ConfigFromEnv(env), { requestTimeoutMs: config.faults.s3RequestTimeoutMs, retries: config.faults.s3Retries });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'no S3 credentials: outputs larger than a termination message cannot be read');
  }
  const reconciler = new Reconciler({
    config,
    logger,
    kube: hooks.wrapKubeOps ? hooks.wrapKubeOps(kubeOps(kc)) : kubeOps(kc),
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
      // Reconciles in flight finish (bounded) before the caches they read go away.
      await queue.stop(config.faults.drainMs);
      await Promise.all([caches.runs.stop(), caches.pods.stop()]);
      // Events still being sent get a moment to go out.
      await Promise.race([reconciler.events.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}
