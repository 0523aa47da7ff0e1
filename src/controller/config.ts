// Controller configuration, parsed once from the environment into a frozen object and passed in.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { tenancyFromEnv, type TenancyConfig } from '../artifacts/tenancy.js';
import { accessModes } from '../executor/pvc-ops.js';
import { limitsFromEnv, type Limits } from '../model/limits.js';
import { lifecycleFromEnv } from './lifecycle-config.js';
import type { GcDefaults } from './run-gc.js';

export interface S3Settings {
  endpoint: string;
  port?: number;
  useSSL: boolean;
  region: string;
  bucket: string;
  /**
   * The S3 address as task pods reach it (PIPEWRIGHT_S3_TASK_ENDPOINT, `http(s)://host[:port]`), when it differs
   * from the controller's: presigned URLs are signed for this host.
   */
  taskEndpoint?: { endPoint: string; port?: number; useSSL: boolean };
}

export interface HttpSettings {
  /** PIPEWRIGHT_HTTP_PORT: health, readiness and the artifact gateway; 0 = any free port. */
  port: number;
  /**
   * PIPEWRIGHT_GATEWAY_URL: the gateway as task pods reach it. Unset with port 0 (tests, a controller on the
   * node itself): http://127.0.0.1:<bound port>.
   */
  gatewayUrl?: string;
}

export interface ControllerConfig {
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  workers: number;
  /** Image for the inputs/outputs containers beside the user's container. */
  image: string;
  imagePullPolicy?: string;
  s3: S3Settings;
  http: HttpSettings;
  /** e.g. minio://pipewright/v2/artifacts */
  pipelineRoot: string;
  /** Full re-list period, a guard against watches that silently stop. */
  resyncSeconds: number;
  /** Largest output value (JSON bytes) kept in a run's status; larger outputs are referenced in S3. */
  statusValueLimit: number;
  /** The per-run workspace claim (dsl.PipelineConfig(workspace=...)) before the pipeline's pvcSpecPatch. */
  workspace: { storageClassName?: string; accessModes: string[] };
  /** Lease-based leader election among replicas; absent when disabled (the default outside the Deployment). */
  leaderElection?: LeaderElectionConfig;
  /** What a namespace's runs may read and write, and which Secrets they may not name (src/artifacts/tenancy.ts). */
  tenancy: TenancyConfig;
  /** Bounds on pipeline size and cost (PIPEWRIGHT_MAX_*, model/limits.ts); the defaults when absent. */
  limits?: Limits;
  /** How faults are met: timeouts, deadlines and per-pass budgets (see faultsFromEnv). */
  faults: FaultSettings;
  /** How hard the controller drives the API server (see clientFromEnv). */
  client: ClientSettings;
  /** Run clean-up defaults: TTL after the end, pod GC strategy (lifecycle-config.ts); a run's spec wins. */
  lifecycle?: GcDefaults;
}

export interface FaultSettings {
  /**
   * A task pod pending with a problem (an unbindable claim, no node fits, an image that cannot be pulled) this
   * long fails its task with that problem; 0: never. A run's spec.pendingTimeout wins.
   */
  pendingDeadlineSeconds: number;
  /** Longest a shutdown waits for reconciles in flight. */
  drainMs: number;
  /** Longest one S3 request may stay silent (no byte either way) before it is abandoned. */
  s3RequestTimeoutMs: number;
  /** Retries of a failed idempotent S3 request, with exponential backoff, inside one reconcile. */
  s3Retries: number;
  /** How long a run may wait for an unreachable S3 server before it fails. */
  s3OutageDeadlineMs: number;
  /** Consecutive transient failures of a run's reconcile before its status and an event say so. */
  failuresBeforeReport: number;
  /** Most task pods launched (or cache hits recorded) in one reconcile pass; the rest follow in the next. */
  launchesPerPass: number;
  /** Soft limit on one pass's time in launches: past it, the pass records what it did and requeues at once. */
  passBudgetMs: number;
  /** A run's next pass starts at the earliest this many times its last pass's duration after it (0: at once): a
   * 10,000-task run's pod events cannot keep the event loop busy with its passes, a 10-task run waits ~1 ms. */
  passSpacing: number;
  /** Most loop-iteration nodes whose detail the status keeps inline; the rest are counted (full detail in S3). */
  statusNodeLimit: number;
}

/** PIPEWRIGHT_DRAIN_SECONDS, PIPEWRIGHT_S3_TIMEOUT_SECONDS, PIPEWRIGHT_S3_RETRIES, PIPEWRIGHT_S3_OUTAGE_DEADLINE_SECONDS,
 * PIPEWRIGHT_FAILURES_BEFORE_REPORT, PIPEWRIGHT_LAUNCHES_PER_PASS, PIPEWRIGHT_PASS_BUDGET_MS, PIPEWRIGHT_PASS_SPACING, PIPEWRIGHT_STATUS_NODE_LIMIT. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): FaultSettings {
  return {
    drainMs: seconds(env.PIPEWRIGHT_DRAIN_SECONDS, 10) * 1000,
    s3RequestTimeoutMs: seconds(env.PIPEWRIGHT_S3_TIMEOUT_SECONDS, 10) * 1000,
    s3Retries: env.PIPEWRIGHT_S3_RETRIES === '0' ? 0 : int(env.PIPEWRIGHT_S3_RETRIES, 2),
    s3OutageDeadlineMs: seconds(env.PIPEWRIGHT_S3_OUTAGE_DEADLINE_SECONDS, 600) * 1000,
    failuresBeforeReport: int(env.PIPEWRIGHT_FAILURES_BEFORE_REPORT, 3),
    launchesPerPass: int(env.PIPEWRIGHT_LAUNCHES_PER_PASS, 1000),
    passBudgetMs: int(env.PIPEWRIGHT_PASS_BUDGET_MS, 2000),
    passSpacing: env.PIPEWRIGHT_PASS_SPACING === '0' ? 0 : int(env.PIPEWRIGHT_PASS_SPACING, 2),
    statusNodeLimit: int(env.PIPEWRIGHT_STATUS_NODE_LIMIT, 2000),
    // 0 turns it off (a cluster autoscaler that takes long to add a node).
    pendingDeadlineSeconds: env.PIPEWRIGHT_PENDING_DEADLINE_SECONDS === '0' ? 0 : int(env.PIPEWRIGHT_PENDING_DEADLINE_SECONDS, 600),
  };
}

export interface ClientSettings {
  /** Requests per second to the API server, sustained (a token bucket shared by the whole process). */
  qps: number;
  /** Requests that may go at once after a quiet spell. */
  burst: number;
  /** Pod creations in flight per reconcile pass (and events in flight); the QPS bucket paces them. */
  launchConcurrency: number;
  /** Least time between two status writes of one run, unless the write ends the run, changes its phase or
   * records what only the status can hold (a cache hit, a refused or stopped task): the rest are coalesced. */
  statusIntervalMs: number;
  /** Coalesced status writes per second of all runs together (0: no bound): many active runs stretch each one's interval. */
  statusWritesPerSec: number;
  /** How long a pass waits for the pods it handed to the launcher (pod-launcher.ts) before it records the run
   * without them (0: not at all); creations still in flight finish in the background. */
  launchWaitMs: number;
}

/** PIPEWRIGHT_KUBE_QPS, PIPEWRIGHT_KUBE_BURST, PIPEWRIGHT_LAUNCH_CONCURRENCY, PIPEWRIGHT_LAUNCH_WAIT_MS,
 * PIPEWRIGHT_STATUS_INTERVAL_MS (0 writes every change at once), PIPEWRIGHT_STATUS_WRITES_PER_SEC. Defaults from bench/controller.ts on the test cluster: see docs/performance.md. */
export function clientFromEnv(env: NodeJS.ProcessEnv): ClientSettings {
  const interval = env.PIPEWRIGHT_STATUS_INTERVAL_MS === '0' ? 0 : int(env.PIPEWRIGHT_STATUS_INTERVAL_MS, 500);
  return {
    qps: seconds(env.PIPEWRIGHT_KUBE_QPS, 200),
    burst: int(env.PIPEWRIGHT_KUBE_BURST, 400),
    launchConcurrency: int(env.PIPEWRIGHT_LAUNCH_CONCURRENCY, 64),
    statusIntervalMs: interval,
    statusWritesPerSec: env.PIPEWRIGHT_STATUS_WRITES_PER_SEC === '0' ? 0 : seconds(env.PIPEWRIGHT_STATUS_WRITES_PER_SEC, 10),
    launchWaitMs: int(env.PIPEWRIGHT_LAUNCH_WAIT_MS, 0),
  };
}

export const LEASE_NAME = 'pipewright-leader-election';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  /** Unique per process: the pod's name, or hostname + random suffix. */
  identity: string;
  /** How long a standby waits, after it last saw the Lease change, before taking it over. */
  leaseDurationMs: number;
  /** The leader stops (and the process exits) when no renewal succeeded for this long. */
  renewDeadlineMs: number;
  /** Between attempts to acquire or renew. */
  retryPeriodMs: number;
}

function int(v: string | undefined, fallback: number): number {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function seconds(v: string | undefined, fallback: number): number {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** PIPEWRIGHT_LEADER_ELECT=true turns it on (the Deployment and the chart set it); off otherwise. */
export function leaderElectionFromEnv(env: NodeJS.ProcessEnv, suffix = randomBytes(4).toString('hex')): LeaderElectionConfig | undefined {
  if (!['true', '1', 'yes'].includes((env.PIPEWRIGHT_LEADER_ELECT ?? '').toLowerCase())) return undefined;
  const le: LeaderElectionConfig = {
    namespace: env.PIPEWRIGHT_LEADER_ELECTION_NAMESPACE || env.POD_NAMESPACE || 'pipewright-system',
    // One Lease per installation: two Helm releases in one namespace must not elect a single leader.
    name: env.PIPEWRIGHT_LEASE_NAME || LEASE_NAME,
    identity: env.POD_NAME || `${hostname()}_${suffix}`,
    leaseDurationMs: seconds(env.PIPEWRIGHT_LEASE_DURATION_SECONDS, 15) * 1000,
    renewDeadlineMs: seconds(env.PIPEWRIGHT_RENEW_DEADLINE_SECONDS, 10) * 1000,
    retryPeriodMs: seconds(env.PIPEWRIGHT_RETRY_PERIOD_SECONDS, 2) * 1000,
  };
  // As client-go requires: a standby must not take over while the leader may still be renewing, and the leader
  // must get more than one try within its deadline.
  if (le.leaseDurationMs <= le.renewDeadlineMs) throw new Error(`PIPEWRIGHT_LEASE_DURATION_SECONDS (${le.leaseDurationMs / 1000}) must be greater than PIPEWRIGHT_RENEW_DEADLINE_SECONDS (${le.renewDeadlineMs / 1000})`);
  if (le.renewDeadlineMs <= 1.2 * le.retryPeriodMs) throw new Error(`PIPEWRIGHT_RENEW_DEADLINE_SECONDS (${le.renewDeadlineMs / 1000}) must be greater than 1.2 × PIPEWRIGHT_RETRY_PERIOD_SECONDS (${le.retryPeriodMs / 1000})`);
  return Object.freeze(le);
}

/** Where runs' artifacts and histories go: PIPEWRIGHT_PIPELINE_ROOT, else minio://<bucket>/v2/artifacts (as KFP). */
export function pipelineRootFromEnv(env: NodeJS.ProcessEnv): string {
  return env.PIPEWRIGHT_PIPELINE_ROOT ?? `minio://${env.PIPEWRIGHT_S3_BUCKET ?? 'pipewright'}/v2/artifacts`;
}

export function configFromEnv(env: NodeJS.ProcessEnv): ControllerConfig {
  const bucket = env.PIPEWRIGHT_S3_BUCKET ?? 'pipewright';
  const host = env.PIPEWRIGHT_S3_ENDPOINT ?? 'minio.pipewright-system.svc';
  const port = env.PIPEWRIGHT_S3_PORT ?? (env.PIPEWRIGHT_S3_ENDPOINT ? undefined : '9000');
  const s3: S3Settings = {
    endpoint: host,
    useSSL: env.PIPEWRIGHT_S3_USE_SSL === 'true',
    region: env.PIPEWRIGHT_S3_REGION ?? 'us-east-1',
    bucket,
  };
  if (port) s3.port = Number(port);
  const pipelineRoot = pipelineRootFromEnv(env);
  if (env.PIPEWRIGHT_S3_TASK_ENDPOINT) s3.taskEndpoint = taskEndpoint(env.PIPEWRIGHT_S3_TASK_ENDPOINT);
  const config: ControllerConfig = {
    namespaces: (env.PIPEWRIGHT_NAMESPACES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    workers: int(env.PIPEWRIGHT_WORKERS, 4),
    image: env.PIPEWRIGHT_IMAGE ?? 'ghcr.io/pipewright/pipewright:0.1.0',
    s3,
    http: httpFromEnv(env),
    pipelineRoot,
    resyncSeconds: int(env.PIPEWRIGHT_RESYNC_SECONDS, 300),
    statusValueLimit: int(env.PIPEWRIGHT_STATUS_VALUE_LIMIT, 1024),
    limits: limitsFromEnv(env),
    faults: faultsFromEnv(env),
    client: clientFromEnv(env),
    lifecycle: lifecycleFromEnv(env),
    workspace: {
      // Checked here: a typo would otherwise only show when the first run with a workspace is refused its claim.
      accessModes: accessModes((env.PIPEWRIGHT_WORKSPACE_ACCESS_MODES || 'ReadWriteOnce').split(',').map((s) => s.trim()).filter(Boolean), 'PIPEWRIGHT_WORKSPACE_ACCESS_MODES'),
      ...(env.PIPEWRIGHT_WORKSPACE_STORAGE_CLASS ? { storageClassName: env.PIPEWRIGHT_WORKSPACE_STORAGE_CLASS } : {}),
    },
    // The controller's own Secrets (its S3 credentials, an explicit grant key) are never a pipeline's to name.
    tenancy: tenancyFromEnv(env, pipelineRoot, [env.PIPEWRIGHT_S3_SECRET || 'pipewright-s3', ...(env.PIPEWRIGHT_GRANT_KEY_SECRET ? [env.PIPEWRIGHT_GRANT_KEY_SECRET] : [])]),
  };
  if (env.PIPEWRIGHT_IMAGE_PULL_POLICY) config.imagePullPolicy = env.PIPEWRIGHT_IMAGE_PULL_POLICY;
  const leaderElection = leaderElectionFromEnv(env);
  if (leaderElection) config.leaderElection = leaderElection;
  return Object.freeze(config);
}

function taskEndpoint(raw: string): NonNullable<S3Settings['taskEndpoint']> {
  const m = /^(https?):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(raw.trim());
  if (!m) throw new Error(`PIPEWRIGHT_S3_TASK_ENDPOINT="${raw}" is not http(s)://host[:port] (the S3 address as task pods reach it)`);
  const port = m[3] ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`PIPEWRIGHT_S3_TASK_ENDPOINT="${raw}": ${port} is not a TCP port`);
  return { endPoint: m[2]!, useSSL: m[1] === 'https', ...(port !== undefined ? { port } : {}) };
}

function httpFromEnv(env: NodeJS.ProcessEnv): HttpSettings {
  const raw = env.PIPEWRIGHT_HTTP_PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PIPEWRIGHT_HTTP_PORT="${raw}" is not a TCP port (0 = any free port)`);
  const url = env.PIPEWRIGHT_GATEWAY_URL?.trim();
  if (url) {
    if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new Error(`PIPEWRIGHT_GATEWAY_URL="${url}" is not http(s)://host[:port] (e.g. http://pipewright-controller.pipewright-system.svc:8080)`);
    return { port, gatewayUrl: url.replace(/\/$/, '') };
  }
  if (port === 0) return { port };
  return { port, gatewayUrl: `http://pipewright-controller.${env.POD_NAMESPACE || 'pipewright-system'}.svc:${port}` };
}
