// Wires the controller: caches → work queue → reconciler, plus periodic re-list as a guard against stalled watches.
// With leader election on, all of that starts only in the replica that holds the Lease.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { grantKey } from '../artifacts/grant.js';
import { ArtifactNotFoundError, S3ArtifactStore } from '../artifacts/s3.js';
import { parseArtifactUri } from '../artifacts/uri.js';
import { s3ConfigFromEnv, type S3Config } from '../artifacts/s3-config.js';
import { S3CacheIndex } from '../artifacts/cache-index.js';
import { isOwnUri } from '../artifacts/tenancy.js';
import { ArtifactGateway, minioGatewayStore } from './artifact-gateway.js';
import type { ControllerConfig } from './config.js';
import { startHttpServer, type HttpServerHandle } from './http-server.js';
import { configureLimits } from '../model/limits.js';
import { makeCaches } from './informers.js';
import { kubeOps, RejectedError, type KubeOps } from './kube-ops.js';
import { kubeLeaseApi, LeaderElector, type LeaseApi } from './leader-elector.js';
import { countingErrors, ProcessMetrics, type WorkMetrics } from './metrics.js';
import { pipelineValidator } from './pipeline-status.js';
import { passSpacingMs, WorkQueue, type ReconcileOutcome } from './queue.js';
import { RateLimiter } from './rate-limit.js';
import { Reconciler } from './reconcile.js';
import { deleteRunOp, RunGc, setFinalizersOp } from './run-gc-reconciler.js';
import { RecurringRuns } from './recurring-reconciler.js';
import type { PipelineRunObject } from './types.js';
import { systemClock } from './clock.js';

export interface ControllerHandle {
  /** Stops the work; with leader election, also releases the Lease if held (a standby takes over at once). */
  stop(): Promise<void>;
  /** The work queue while this process leads (always, without leader election); undefined in a standby. */
  readonly queue: WorkQueue | undefined;
  /** True without leader election; otherwise whether this process holds the Lease. */
  isLeader(): boolean;
  /** The bound port of the HTTP server (health, readiness, artifact gateway). */
  readonly httpPort: number;
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
  /** Tests: awaited after the work starts and before its caches list (readiness while caches sync). */
  beforeCacheSync?: () => Promise<void>;
  /** Tests: the HTTP server is listening (before the work starts). */
  onHttpListening?: (port: number) => void;
  /** Default: a new registry with Node.js process metrics. */
  metrics?: ProcessMetrics;
}

interface Work {
  stop(): Promise<void>;
  queue: WorkQueue;
  /** The caches listed and the first reconciles queued. */
  synced: boolean;
}

interface Artifacts {
  s3?: S3Config;
  /** Signs task pods' grants; absent without S3 credentials (then no task pod can be built). */
  key?: Buffer;
}

function artifactsFromEnv(env: NodeJS.ProcessEnv, logger: Logger): Artifacts {
  let s3: S3Config | undefined;
  try {
    s3 = s3ConfigFromEnv(env);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'no S3 credentials: no artifact gateway, and outputs larger than a termination message cannot be read');
  }
  const key = env.PIPEWRIGHT_GRANT_KEY || s3 ? grantKey({ grantKey: env.PIPEWRIGHT_GRANT_KEY, s3SecretKey: s3?.credentials.secretKey }) : undefined;
  return { ...(s3 ? { s3 } : {}), ...(key ? { key } : {}) };
}

/**
 * The buckets the controller writes to (the configured one and the pipeline root's), created when missing: a fresh
 * MinIO has none, and every task's upload would fail later. A bucket that cannot be created stops the start with
 * its name and the fix.
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Retries f while S3 cannot be reached at all (a server starting beside the controller, e.g. the chart's bundled
 * one), up to waitMs; any answer from S3, such as a credential error, fails at once.
 */
async function untilReachable(f: () => Promise<void>, waitMs: number, onRetry: (err: string) => void): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try { await f(); return; } catch (e) {
      const code = (e as { code?: string }).code;
      if (!code || !UNREACHABLE.has(code) || Date.now() + delay > deadline) throw e;
      onRetry(`${code}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function ensureBuckets(s3: S3Config, pipelineRoot: string, logger: Logger, waitMs = 30_000): Promise<void> {
  const store = new S3ArtifactStore(s3);
  const where = `${s3.useSSL ? 'https' : 'http'}://${s3.endpoint}${s3.port ? `:${s3.port}` : ''}`;
  let rootBucket: string | undefined;
  try { rootBucket = parseArtifactUri(pipelineRoot).bucket; } catch { /* tenancy rejects a bad root with its own message */ }
  for (const bucket of [...new Set([s3.bucket, ...(rootBucket ? [rootBucket] : [])])]) {
    try {
      await untilReachable(() => store.ensureBucket(bucket), waitMs, (err) => logger.warn({ endpoint: where, err }, 'S3 not reachable yet; retrying'));
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new Error(`S3 bucket "${bucket}" at ${where} could not be found or created (${err.code ?? 'error'}: ${err.message ?? String(e)}). `
        + `Create it (mc mb <alias>/${bucket}, or aws s3 mb s3://${bucket}) or allow the controller's credential s3:CreateBucket; `
        + 'check the endpoint and the credentials in the controller\'s Secret (PIPEWRIGHT_S3_ENDPOINT, PIPEWRIGHT_S3_BUCKET; chart: s3.endpoint, s3.bucket, s3.secret.name)');
    }
    logger.info({ bucket, endpoint: where }, 'S3 bucket ready');
  }
}

export async function startController(kc: k8s.KubeConfig, baseConfig: ControllerConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env, hooks: ControllerHooks = {}): Promise<ControllerHandle> {
  if (baseConfig.limits) configureLimits(baseConfig.limits);
  const artifacts = artifactsFromEnv(env, logger);
  if (artifacts.s3) await ensureBuckets(artifacts.s3, baseConfig.pipelineRoot, logger);
  const metrics = hooks.metrics ?? new ProcessMetrics();
  const le = baseConfig.leaderElection;
  let work: Work | undefined;
  const election: { elector?: LeaderElector } = {};
  // Ready: the leader once its caches synced; a standby while it reaches the Lease (it serves the gateway and can
  // take over). Without S3 settings no task pod could be served, so no replica is ready.
  const ready = (): boolean => {
    if (artifacts.s3 === undefined || artifacts.key === undefined) return false;
    const { elector } = election;
    if (!elector || elector.isLeader()) return work?.synced === true;
    return elector.isHealthyFollower();
  };
  // Every replica serves the gateway and /metrics: pods reach whichever one the Service picks, leader or not.
  const http: HttpServerHandle = await startHttpServer({
    port: baseConfig.http.port,
    log: logger.child({ component: 'http' }),
    ...(artifacts.s3 && artifacts.key ? { gateway: new ArtifactGateway({ key: artifacts.key, store: countingErrors(minioGatewayStore(artifacts.s3, baseConfig.s3, { requestTimeoutMs: baseConfig.faults.s3RequestTimeoutMs, retries: baseConfig.faults.s3Retries }), (op) => metrics.s3Errors.inc({ component: 'gateway', operation: op })) }) } : {}),
    ready,
    metrics,
  });
  hooks.onHttpListening?.(http.port);
  const config: ControllerConfig = Object.freeze({ ...baseConfig, http: { ...baseConfig.http, gatewayUrl: baseConfig.http.gatewayUrl ?? `http://127.0.0.1:${http.port}` } });
  if (!le) {
    try {
      work = await startWork(kc, config, logger, artifacts, hooks, metrics);
    } catch (e) {
      await http.close();
      throw e;
    }
    const w = work;
    return { queue: w.queue, stop: async () => { await w.stop(); await http.close(); }, isLeader: () => true, httpPort: http.port };
  }
  const api = kubeLeaseApi(kc, le);
  const elector = new LeaderElector({
    config: le,
    api: hooks.wrapLeaseApi ? hooks.wrapLeaseApi(api) : api,
    logger,
    callbacks: {
      onStartedLeading: async () => {
        work = await startWork(kc, config, logger, artifacts, hooks, metrics);
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
  election.elector = elector;
  elector.start();
  const e = elector;
  return {
    get queue() {
      return work?.queue;
    },
    isLeader: () => e.isLeader(),
    stop: async () => {
      await e.stop();
      await http.close();
    },
    httpPort: http.port,
  };
}

/** The controller's API writes, counted: pods created by result, task durations from each status written. */
function measuredKube(kube: KubeOps, m: WorkMetrics): KubeOps {
  return {
    ...kube,
    async createPod(pod) {
      try {
        const r = await kube.createPod(pod);
        m.podsCreated.inc({ result: r });
        return r;
      } catch (err) {
        m.podsCreated.inc({ result: err instanceof RejectedError ? 'rejected' : 'error' });
        throw err;
      }
    },
    async writeRunStatus(run, status) {
      const rv = await kube.writeRunStatus(run, status);
      m.statusWritten(run.status ?? {}, status);
      return rv;
    },
  };
}

async function timed(m: WorkMetrics, reconcile: () => Promise<ReconcileOutcome>): Promise<ReconcileOutcome> {
  const started = Date.now();
  try {
    const outcome = await reconcile();
    m.reconciled(outcome && outcome.requeueAfterMs !== undefined ? 'requeue' : 'success', Date.now() - started);
    return outcome;
  } catch (err) {
    m.reconciled('error', Date.now() - started);
    throw err;
  }
}

// eslint-disable-next-line max-params
async function startWork(kc: k8s.KubeConfig, config: ControllerConfig, logger: Logger, artifacts: Artifacts, hooks: ControllerHooks, metrics: ProcessMetrics): Promise<Work> {
  const watched = (key: string): boolean => config.namespaces.length === 0 || config.namespaces.includes(key.split('/')[0]!);
  // The queue's handler and the caches' callbacks refer to each other; both run only after start().
  const queue: WorkQueue = new WorkQueue((key) => timed(m, () => reconciler.reconcile(key)), {
    workers: config.workers,
    maxBackoffMs: 60_000,
    // A pass's duration includes its waits (API server, S3): never more than MAX_PASS_SPACING_MS between passes.
    spacing: (busyMs, key) => passSpacingMs(busyMs, config.faults.passSpacing, reconciler.launches.queuedFor(key) > 0),
    onError: (key, err, retryInMs) => logger.error({ run: key, err: err instanceof Error ? err.message : String(err), retryInMs }, 'reconcile failed'),
    onDequeue: (_key, ms) => m.queueWaitSeconds.observe(ms / 1000),
  });
  // lifecycle (issue 15): clean-up (pod GC, history, TTL) on a queue of its own, fed by the same watches.
  const gcQueue = new WorkQueue((key) => gc.reconcile(key), {
    workers: 2,
    maxBackoffMs: 60_000,
    onError: (key, err, retryInMs) => logger.warn({ run: key, err: err instanceof Error ? err.message : String(err), retryInMs }, 'run clean-up failed'),
  });
  const enqueue = (key: string): void => {
    if (!watched(key)) return;
    queue.add(key);
    gcQueue.add(key);
    const [ns, name] = key.split('/') as [string, string];
    recurring.runChanged(caches.runs.get(name, ns));
  };
  const recurring = new RecurringRuns({
    kc, namespaces: config.namespaces, logger,
    runs: () => caches.runs.list(),
    event: (rr, type, reason, message) => eventOps.event(rr as PipelineRunObject, type, reason, message),
  });
  // One token bucket (PIPEWRIGHT_KUBE_QPS / _BURST) for every request this process makes on behalf of runs.
  const limiter = new RateLimiter(config.client);
  const eventOps = kubeOps(kc, limiter);
  const caches = makeCaches(kc, config.namespaces, enqueue, logger, {
    onRun: (run) => reconciler.runSeen(run),
    onRunDeleted: (run) => {
      if (run.metadata?.uid) reconciler.forget(run.metadata.uid);
    },
  });
  // Only the leader's work registers these series; a standby serves the process's own.
  const m = metrics.startWork({ runs: () => caches.runs.list(), queueDepth: () => queue.length });
  // A missing object (cache miss) is an answer, not an S3 error.
  const store = artifacts.s3 ? countingErrors(new S3ArtifactStore(artifacts.s3, { requestTimeoutMs: config.faults.s3RequestTimeoutMs, retries: config.faults.s3Retries }), (op) => m.s3Error(op), (err) => err instanceof ArtifactNotFoundError) : undefined;
  // Artifact deletion talks to S3 itself (no error counting as "missing"): a dead S3 must show as failures.
  const artifactStore = artifacts.s3 ? new S3ArtifactStore(artifacts.s3, { requestTimeoutMs: config.faults.s3RequestTimeoutMs, retries: config.faults.s3Retries }) : undefined;
  const reconciler = new Reconciler({
    config,
    logger,
    now: systemClock,
    kube: measuredKube(hooks.wrapKubeOps ? hooks.wrapKubeOps(kubeOps(kc, limiter)) : kubeOps(kc, limiter), m),
    getRun: (ns, name) => caches.runs.get(name, ns),
    podsOfRun: (namespace, uid) => caches.podsOfRun(namespace, uid),
    // Task outputs are cached in the same bucket as the artifacts, keyed by fingerprint (as the local runner does).
    // One index per namespace, in its prefix; an entry naming anything outside it is a miss.
    ...(store ? { store, cacheFor: (ns: string) => new S3CacheIndex(store, config.pipelineRoot, ns, (uri) => isOwnUri(uri, ns, config.tenancy)) } : {}),
    ...(artifacts.key ? { grantKey: artifacts.key } : {}),
    ...(hooks.onReconciled ? { onReconciled: hooks.onReconciled } : {}),
    requeue: (key) => queue.add(key),
  });
  const gc = new RunGc({
    logger,
    kube: { ...kubeOps(kc, limiter), deleteRun: deleteRunOp(kc), setFinalizers: setFinalizersOp(kc) },
    getRun: (ns, name) => caches.runs.get(name, ns),
    podsOfRun: (namespace, uid) => caches.podsOfRun(namespace, uid),
    defaults: config.lifecycle ?? { ttl: {}, podGC: 'Never' },
    ...(store ? { history: { store, pipelineRoot: config.pipelineRoot } } : {}),
    ...(artifactStore ? { artifacts: { store: artifactStore, pipelineRoot: config.pipelineRoot, own: (uri: string, ns: string) => isOwnUri(uri, ns, config.tenancy) } } : {}),
  });
  const pipelines = pipelineValidator(kc, config.namespaces, logger);
  await hooks.beforeCacheSync?.();
  await caches.pods.start();
  await caches.runs.start();
  await pipelines.start();
  // Without the RecurringRun CRD (an older install) everything else still runs; each re-list tries again.
  await recurring.start().catch((err: unknown) => logger.warn({ err: String(err) }, 'cannot watch RecurringRuns: apply crds/pipewright.dev_recurringruns.yaml'));
  const enqueueAll = (): void => {
    for (const r of caches.runs.list()) enqueue(`${r.metadata?.namespace}/${r.metadata?.name}`);
  };
  enqueueAll();
  const resync = setInterval(() => {
    void Promise.all([caches.pods.relist(), caches.runs.relist(), pipelines.relist(), recurring.relist().catch(() => undefined)])
      .catch((err: unknown) => logger.warn({ err: String(err) }, 're-list failed'))
      .finally(enqueueAll);
  }, config.resyncSeconds * 1000);
  resync.unref();
  logger.info({ namespaces: config.namespaces.length ? config.namespaces : 'all', workers: config.workers }, 'controller started');
  return {
    queue,
    synced: true,
    async stop() {
      metrics.stopWork();
      clearInterval(resync);
      // Reconciles in flight finish (bounded) before the caches they read go away.
      await Promise.all([queue.stop(config.faults.drainMs), gcQueue.stop(config.faults.drainMs), recurring.stop(config.faults.drainMs)]);
      await reconciler.launches.stop(config.faults.drainMs);
      await Promise.all([caches.runs.stop(), caches.pods.stop(), pipelines.stop()]);
      // Events still being sent get a moment to go out.
      await Promise.race([reconciler.events.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}
