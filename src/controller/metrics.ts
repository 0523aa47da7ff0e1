// Prometheus metrics (prom-client). Two registries: the process's own (served by every replica: gateway requests,
// leadership, Node.js process figures) and the work's (reconciles, queue, runs, tasks, pods, S3), which exists
// only while this replica leads, so that a standby never reports stale or zero work series.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RUN_PHASES } from '../engine/state.js';
import type { RunStatus } from './status.js';
import { own } from '../util/own.js';

export const METRIC_PREFIX = 'pipewright_';

/** Seconds; reconciles are mostly milliseconds, task pods seconds to hours. */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TASK_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

let shared: Registry | undefined;

/** Node.js process figures, collected once per process (several controllers run in one test process). */
function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: METRIC_PREFIX });
  }
  return shared;
}

export class ProcessMetrics {
  readonly registry = new Registry();
  readonly gatewayRequests = new Counter({
    name: `${METRIC_PREFIX}gateway_requests_total`,
    help: 'Artifact gateway requests by route (download, upload) and HTTP status code.',
    labelNames: ['route', 'code'] as const,
    registers: [this.registry],
  });
  /** Failed object-store calls; the reconciler's are counted only while leading, the gateway's in every replica. */
  readonly s3Errors = new Counter({ name: `${METRIC_PREFIX}s3_errors_total`, help: 'Failed object-store calls made by the controller, by component (reconciler, gateway) and operation (a missing object is not an error).', labelNames: ['component', 'operation'] as const, registers: [this.registry] });
  readonly leader = new Gauge({ name: `${METRIC_PREFIX}leader`, help: '1 while this replica holds the leader Lease (or runs without leader election).', registers: [this.registry] });
  private work: WorkMetrics | undefined;

  private readonly process: Registry | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) this.process = processRegistry();
  }

  /** Registers the work's metrics (called when this replica starts leading); `runs` lists the run cache. */
  startWork(sources: WorkSources): WorkMetrics {
    this.work = new WorkMetrics(sources, this.s3Errors);
    this.leader.set(1);
    return this.work;
  }

  stopWork(): void {
    this.work = undefined;
    this.leader.set(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition: the process's series, then the work's while leading. */
  async text(): Promise<string> {
    const parts = [await this.registry.metrics()];
    if (this.work) parts.push(await this.work.registry.metrics());
    if (this.process) parts.push(await this.process.metrics());
    return parts.join('\n');
  }
}

export interface WorkSources {
  /** The runs in the cache, for the runs-by-phase gauge (read at scrape time). */
  runs: () => readonly { status?: RunStatus }[];
  queueDepth: () => number;
}

export type ReconcileResult = 'success' | 'requeue' | 'error';

export class WorkMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: `${METRIC_PREFIX}reconcile_total`, help: 'Reconciles by result: success, requeue (asked to run again later), error (retried with backoff).', labelNames: ['result'] as const, registers: [this.registry] });
  readonly reconcileSeconds = new Histogram({ name: `${METRIC_PREFIX}reconcile_duration_seconds`, help: 'Time spent in one reconcile.', labelNames: ['result'] as const, buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly queueWaitSeconds = new Histogram({ name: `${METRIC_PREFIX}workqueue_wait_seconds`, help: 'How long a key waited in the work queue before a worker took it.', buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly taskSeconds = new Histogram({ name: `${METRIC_PREFIX}task_duration_seconds`, help: 'Wall time of finished task attempts (pod start to end) by final phase.', labelNames: ['phase'] as const, buckets: TASK_BUCKETS, registers: [this.registry] });
  readonly podsCreated = new Counter({ name: `${METRIC_PREFIX}pods_created_total`, help: 'Task pod creations by result: created, exists (already there: a retried reconcile), rejected (refused by the API server).', labelNames: ['result'] as const, registers: [this.registry] });

  constructor(sources: WorkSources, private readonly s3ErrorCounter: Counter<'component' | 'operation'>) {
    new Gauge({
      name: `${METRIC_PREFIX}workqueue_depth`,
      help: 'Keys waiting in the work queue.',
      registers: [this.registry],
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}runs`,
      help: 'PipelineRuns in the controller cache by phase (Pending includes runs not yet seen by a reconcile).',
      labelNames: ['phase'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of RUN_PHASES) this.set({ phase: p }, 0);
        for (const r of sources.runs()) this.inc({ phase: r.status?.phase ?? 'Pending' });
      },
    });
  }

  s3Error(operation: string): void {
    this.s3ErrorCounter.inc({ component: 'reconciler', operation });
  }

  reconciled(result: ReconcileResult, ms: number): void {
    this.reconciles.inc({ result });
    this.reconcileSeconds.observe({ result }, ms / 1000);
  }

  /** Task attempts that finished between two statuses of a run (status writes are the one place both are known). */
  statusWritten(previous: RunStatus, next: RunStatus): void {
    for (const [id, n] of Object.entries(next.nodes ?? {})) {
      const before = own(previous.nodes, id);
      // An attempt the controller ended (cancel, timeout) keeps no startedAt in its new status: the previous one has it.
      const startedAt = n.startedAt ?? (before?.attempt === n.attempt ? before?.startedAt : undefined);
      if (n.kind !== 'container' || !startedAt || !n.finishedAt) continue;
      if (before?.finishedAt && before.attempt === n.attempt) continue;
      const s = (Date.parse(n.finishedAt) - Date.parse(startedAt)) / 1000;
      if (Number.isFinite(s) && s >= 0) this.taskSeconds.observe({ phase: n.phase }, s);
    }
  }
}

/** Wraps an object so that each rejected method call is counted (by method name) unless `ignore` says otherwise. */
export function countingErrors<T extends object>(target: T, onError: (method: string) => void, ignore: (err: unknown) => boolean = () => false): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const v = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown).apply(obj, args);
        if (r instanceof Promise) {
          return r.catch((err: unknown) => {
            if (!ignore(err)) onError(prop);
            throw err;
          });
        }
        return r;
      };
    },
  });
}
