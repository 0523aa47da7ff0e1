// Leader election, the loop and the Lease I/O. Decisions are made by the pure leader-election.ts; this file reads
// and writes the Lease, keeps the timers, and calls back when leadership starts and ends.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { pooledApiClient } from './api-client.js';
import type { LeaderElectionConfig } from './config.js';
import { decide, leaseSpecFor, microTime, observe, releasedSpec, type LeaseSpecOut, type LeaseView, type Observed } from './leader-election.js';

/** Someone else wrote the Lease since we read it (HTTP 409). */
export class LeaseConflictError extends Error {}

export interface LeaseApi {
  get(): Promise<LeaseView | undefined>;
  create(spec: LeaseSpecOut): Promise<LeaseView>;
  /** Replaces the spec if the Lease is still at resourceVersion; LeaseConflictError otherwise. */
  update(resourceVersion: string, spec: LeaseSpecOut): Promise<LeaseView>;
}

export interface ElectorCallbacks {
  /** Start the work (caches, queue, reconciles). A throw counts as losing leadership. */
  onStartedLeading(): Promise<void>;
  /** Stop the work. Called once after onStartedLeading, on loss or on stop(). */
  onStoppedLeading(): Promise<void>;
  /**
   * Leadership was lost (renew deadline passed, Lease taken by another, or the work failed to start): the work has
   * been stopped; the process should exit non-zero so Kubernetes restarts it as a fresh standby.
   */
  onLost(reason: string): void;
}

export interface ElectorDeps {
  config: LeaderElectionConfig;
  api: LeaseApi;
  logger: Logger;
  callbacks: ElectorCallbacks;
  /** Local monotonic ms, and wall time for the Lease's timestamps; injectable for tests. */
  now?: () => number;
  wall?: () => Date;
  random?: () => number;
}

const STOP_WORK_BOUND_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  /** Set once leadership is lost: this elector never campaigns again (the process is to exit). */
  private lost = false;
  private observed: Observed | undefined;
  /** The Lease as of our last read or successful write. */
  private lease: LeaseView | undefined;
  private lastHolder: string | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private sleeper: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private work: Promise<void> | undefined;
  /** When a Lease request last got an answer (a 409 counts: the API server was reached). */
  private lastContact: number | undefined;
  private readonly now: () => number;
  private readonly wall: () => Date;
  private readonly random: () => number;
  private readonly log: Logger;

  constructor(private readonly d: ElectorDeps) {
    this.now = d.now ?? (() => performance.now());
    this.wall = d.wall ?? (() => new Date());
    this.random = d.random ?? Math.random;
    this.log = d.logger.child({ lease: `${d.config.namespace}/${d.config.name}`, identity: d.config.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** A healthy standby: campaigning, and its last Lease request within a lease duration got an answer. */
  isHealthyFollower(): boolean {
    return !this.stopped && !this.lost && !this.leading && this.lastContact !== undefined && this.now() - this.lastContact < this.d.config.leaseDurationMs;
  }

  start(): void {
    this.log.info('leader election: trying to acquire the lease');
    this.loopDone = this.loop();
  }

  /** Graceful shutdown: stop campaigning; if leading, stop the work, then release the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper?.wake();
    await this.loopDone;
    if (!this.leading) return;
    this.leading = false;
    this.clearDeadline();
    await this.stopWork();
    await this.release();
  }

  private async loop(): Promise<void> {
    while (!this.stopped && !this.lost) {
      await this.tryOnce();
      if (this.stopped || this.lost) break;
      const c = this.d.config;
      // Standbys spread their tries (client-go's jitter factor 1.2); the leader renews every retry period.
      await this.sleep(this.leading ? c.retryPeriodMs : c.retryPeriodMs * (1 + 1.2 * this.random()));
    }
  }

  private async tryOnce(): Promise<void> {
    const c = this.d.config;
    try {
      await withTimeout(this.acquireOrRenew(), c.renewDeadlineMs, 'lease request');
      this.lastContact = this.now();
    } catch (err) {
      if (err instanceof LeaseConflictError) this.lastContact = this.now();
      if (err instanceof LeaseConflictError) this.log.debug('lease changed under us (409): another candidate wrote first');
      else this.log.warn({ err: err instanceof Error ? err.message : String(err), leading: this.leading }, this.leading ? 'lease renewal failed' : 'lease request failed');
    }
  }

  private async acquireOrRenew(): Promise<void> {
    const c = this.d.config;
    // The renew deadline counts from when this attempt began, not from when the write's answer came back: the
    // API server may have committed the write (and standbys started counting) long before a slow answer arrives.
    const began = this.now();
    const lease = await this.d.api.get();
    if (this.stopped || this.lost) return;
    const now = this.now();
    this.observed = observe(this.observed, lease, now);
    this.lease = lease;
    const decision = decide({ lease, observed: this.observed, now, identity: c.identity, leading: this.leading, leaseDurationMs: c.leaseDurationMs });
    switch (decision.kind) {
      case 'follow':
        if (decision.holder !== this.lastHolder) this.log.info({ leader: decision.holder, expiresInMs: Math.round(decision.expiresInMs) }, 'standby: waiting for the leader\'s lease to expire or be released');
        else this.log.debug({ leader: decision.holder, expiresInMs: Math.round(decision.expiresInMs) }, 'standby');
        this.lastHolder = decision.holder;
        return;
      case 'lost':
        return this.loseLeadership(`the lease is now held by ${decision.holder}`);
      default: {
        const spec = leaseSpecFor(decision, lease, c.identity, c.leaseDurationMs, microTime(this.wall()));
        const written = decision.kind === 'create' ? await this.d.api.create(spec) : await this.d.api.update(lease!.resourceVersion, spec);
        if (this.lost) return; // the deadline passed while the write was in flight
        this.lease = written;
        this.observed = observe(this.observed, written, this.now());
        this.lastHolder = c.identity;
        this.armDeadline(began);
        if (decision.kind === 'renew') {
          this.log.debug('lease renewed');
          return;
        }
        if (this.stopped) {
          // stop() came while we were taking the lease: hand it straight back.
          this.leading = true;
          return;
        }
        this.leading = true;
        this.log.info({ previous: decision.kind === 'acquire' ? decision.from || '(released)' : '(none)', transitions: spec.leaseTransitions }, 'became leader: starting the controller');
        this.work = this.d.callbacks.onStartedLeading();
        void this.work.catch((err: unknown) => this.loseLeadership(`the controller failed to start: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
  }

  /** A renewal must succeed within renewDeadline of the last one, whether requests fail or hang. */
  private armDeadline(began: number): void {
    this.clearDeadline();
    const ms = Math.max(0, began + this.d.config.renewDeadlineMs - this.now());
    this.deadline = setTimeout(() => void this.loseLeadership(`no renewal succeeded within ${this.d.config.renewDeadlineMs} ms`), ms);
    this.deadline.unref?.();
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  private async loseLeadership(reason: string): Promise<void> {
    if (!this.leading || this.lost || this.stopped) return;
    this.lost = true;
    this.leading = false;
    this.clearDeadline();
    this.sleeper?.wake();
    this.log.error({ reason }, 'leadership lost: stopping the controller');
    await this.stopWork();
    this.d.callbacks.onLost(reason);
  }

  private async stopWork(): Promise<void> {
    if (!this.work) return;
    const started = this.work;
    this.work = undefined;
    try {
      await withTimeout(started.catch(() => undefined).then(() => this.d.callbacks.onStoppedLeading()), STOP_WORK_BOUND_MS, 'stopping the controller');
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'stopping the controller');
    }
  }

  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.holderIdentity !== this.d.config.identity) return;
    try {
      await withTimeout(this.d.api.update(lease.resourceVersion, releasedSpec(lease, microTime(this.wall()))), this.d.config.renewDeadlineMs, 'lease release');
      this.log.info('lease released');
    } catch (err) {
      // A 409 means someone else has written it since: nothing of ours to release.
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'lease not released; a standby takes over when it expires');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeper = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeper = { timer, wake };
    });
  }
}

function code(err: unknown): number | undefined {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

function view(l: k8s.V1Lease): LeaseView {
  const s = l.spec ?? {};
  const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : v instanceof Date ? microTime(v) : String(v));
  const v: LeaseView = { resourceVersion: l.metadata?.resourceVersion ?? '' };
  if (s.holderIdentity !== undefined) v.holderIdentity = s.holderIdentity;
  if (s.leaseDurationSeconds !== undefined) v.leaseDurationSeconds = s.leaseDurationSeconds;
  if (s.leaseTransitions !== undefined) v.leaseTransitions = s.leaseTransitions;
  const acquire = str(s.acquireTime);
  const renew = str(s.renewTime);
  if (acquire) v.acquireTime = acquire;
  if (renew) v.renewTime = renew;
  return v;
}

function body(c: LeaderElectionConfig, spec: LeaseSpecOut, resourceVersion?: string): k8s.V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: c.name, namespace: c.namespace, ...(resourceVersion ? { resourceVersion } : {}), labels: { 'app.kubernetes.io/name': 'pipewright' } },
    // MicroTime strings go out unchanged (the client's serializer passes values of this type through).
    spec: { ...spec, acquireTime: spec.acquireTime as unknown as k8s.V1MicroTime, renewTime: spec.renewTime as unknown as k8s.V1MicroTime },
  };
}

/** The Lease through the coordination.k8s.io/v1 API; get/create/update only, as the Role allows. */
export function kubeLeaseApi(kc: k8s.KubeConfig, c: LeaderElectionConfig): LeaseApi {
  const api = pooledApiClient(kc, k8s.CoordinationV1Api);
  const conflict = (err: unknown): never => {
    if (code(err) === 409) throw new LeaseConflictError('lease was changed by another writer');
    throw err;
  };
  return {
    async get() {
      try {
        return view(await api.readNamespacedLease({ name: c.name, namespace: c.namespace }));
      } catch (err) {
        if (code(err) === 404) return undefined;
        throw err;
      }
    },
    async create(spec) {
      return view(await api.createNamespacedLease({ namespace: c.namespace, body: body(c, spec) }).catch(conflict));
    },
    async update(resourceVersion, spec) {
      return view(await api.replaceNamespacedLease({ name: c.name, namespace: c.namespace, body: body(c, spec, resourceVersion) }).catch(conflict));
    },
  };
}
