// Pod creations of every run, off the reconcile pass: one queue per controller process, at most
// PIPEWRIGHT_LAUNCH_CONCURRENCY in flight, each request paced by the process's QPS bucket (kube-ops.ts). A pass hands
// its launches over and waits for them only PIPEWRIGHT_LAUNCH_WAIT_MS; what is still in flight then finishes here,
// and a refusal or a failure requeues the run. A pass therefore lasts as long as its own CPU work, not as long as
// the API server takes for 1,000 creations.
//
// Safe to kill at any instant: pod names are deterministic and AlreadyExists counts as created, and a run's status
// names a pod only once its creation was answered (reconcile-act.ts), so a launch lost here is planned again.
// A hint in memory, like expectations.ts: what is queued or in flight, and the outcomes no pass has taken yet.
import type { Expectations } from './expectations.js';

/** How one launch ended: the pod exists, or the launch was settled without one (refused, cannot be built). */
export type LaunchOutcome = { kind: 'created'; result: 'created' | 'exists' } | { kind: 'settled'; phase: 'Error' | 'Failed'; message: string };

/** One launch handed to the launcher. `create` builds and creates the pod; a transient failure is thrown. */
export interface LaunchJob {
  uid: string;
  /** The run's queue key (namespace/name): requeued when an outcome waits for a pass. */
  key: string;
  nodeId: string;
  /** The task's display name (for the status of a settled launch). */
  task: string;
  attempt: number;
  pod: string;
  create: () => Promise<LaunchOutcome>;
}

/** A job's state as the pass that handed it over sees it. */
export interface Handle {
  readonly job: LaunchJob;
  /** Set once the job ended: its outcome, or the (transient) error it failed with. */
  done?: { outcome: LaunchOutcome } | { error: unknown };
  /** The pass stopped waiting: the outcome is kept for the next pass (and the run requeued). */
  detached: boolean;
  /** Dropped before it was sent (its run was forgotten or the task stopped). */
  cancelled?: boolean;
  settled: Promise<void>;
}

/** A launch that ended without a pod, as the next pass records it. */
export interface Settled {
  nodeId: string;
  task: string;
  attempt: number;
  phase: 'Error' | 'Failed';
  message: string;
}

interface RunState {
  /** Queued or in flight, by pod name. */
  pending: Map<string, Handle>;
  /** Settled launches no pass took yet, by pod name (kept until the run is forgotten: a held-back status write
   * must find them again in the next pass). */
  settled: Map<string, Settled>;
  /** The first transient failure of a detached launch: the next pass fails with it (backoff, Degraded). */
  error?: unknown;
}

export interface PodLauncherOptions {
  concurrency: number;
  expectations: Expectations;
  /** The run has an outcome waiting for a pass. */
  requeue?: (key: string) => void;
}

export class PodLauncher {
  private readonly runs = new Map<string, RunState>();
  private readonly queue: Handle[] = [];
  /** Queued (not yet sent) launches per run key. */
  private readonly queuedByKey = new Map<string, number>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: PodLauncherOptions) {}

  /** Queues a launch, or returns the one already queued or in flight for the same pod. */
  submit(job: LaunchJob): Handle {
    const run = this.state(job.uid);
    const existing = run.pending.get(job.pod);
    if (existing) return existing;
    let resolve!: () => void;
    const settled = new Promise<void>((r) => (resolve = r));
    const h: Handle & { resolve: () => void } = { job, detached: false, settled, resolve };
    if (this.stopped) {
      // A process that stopped leading sends nothing more; the next leader plans the launch again.
      h.cancelled = true;
      resolve();
      return h;
    }
    run.pending.set(job.pod, h);
    this.queue.push(h);
    this.count(job.key, 1);
    this.pump();
    return h;
  }

  /** Launches of run `uid` queued or in flight (the plan counts them as started, the status does not name their pods). */
  pending(uid: string): Iterable<Handle> {
    return this.runs.get(uid)?.pending.values() ?? [];
  }

  /**
   * Launches of the run (queue key) still waiting for their turn. While there are any, a new launch of the run
   * would go behind them: a pass can start nothing sooner (main.ts spaces its passes out meanwhile).
   */
  queuedFor(key: string): number {
    return this.queuedByKey.get(key) ?? 0;
  }

  /** Launches of run `uid` settled without a pod after their pass stopped waiting. */
  settledOf(uid: string): Iterable<Settled> {
    return this.runs.get(uid)?.settled.values() ?? [];
  }

  /** The transient failure of a detached launch of run `uid`, once. */
  takeError(uid: string): unknown {
    const run = this.runs.get(uid);
    const err = run?.error;
    if (run) delete run.error;
    return err;
  }

  /** The run ended or went away: its queued launches are dropped, those in flight finish unrecorded. */
  forget(uid: string): void {
    const run = this.runs.get(uid);
    if (!run) return;
    for (const h of run.pending.values()) this.cancel(h);
    this.runs.delete(uid);
  }

  /** Drops `h` if it was not sent yet (then it settles at once, with no outcome). */
  cancel(h: Handle): void {
    const i = this.queue.indexOf(h);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.count(h.job.key, -1);
    h.cancelled = true;
    const run = this.runs.get(h.job.uid);
    if (run?.pending.get(h.job.pod) === h) run.pending.delete(h.job.pod);
    (h as Handle & { resolve: () => void }).resolve();
    this.pump();
  }

  /**
   * Sends nothing more (leadership lost, shutdown): queued launches are dropped (nothing of them is in any status),
   * and this resolves once those in flight are answered or after `drainMs`.
   */
  async stop(drainMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const h of [...this.queue]) this.cancel(h);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
  }

  /** Queued (not yet sent), all runs. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queued and in flight, all runs. */
  get size(): number {
    return this.queue.length + this.running;
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private count(key: string, by: 1 | -1): void {
    const n = (this.queuedByKey.get(key) ?? 0) + by;
    if (n > 0) this.queuedByKey.set(key, n);
    else this.queuedByKey.delete(key);
  }

  private state(uid: string): RunState {
    let s = this.runs.get(uid);
    if (!s) this.runs.set(uid, (s = { pending: new Map(), settled: new Map() }));
    return s;
  }

  private pump(): void {
    while (this.running < Math.max(1, this.opts.concurrency) && this.queue.length > 0) {
      const h = this.queue.shift()! as Handle & { resolve: () => void };
      this.count(h.job.key, -1);
      this.running++;
      void this.run(h);
    }
    if (this.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((f) => f());
    }
  }

  private async run(h: Handle & { resolve: () => void }): Promise<void> {
    const { job } = h;
    try {
      const outcome = await job.create();
      if (outcome.kind === 'created') this.opts.expectations.podCreated(job.uid, job.pod);
      h.done = { outcome };
    } catch (error) {
      h.done = { error };
    }
    this.running--;
    // (A run forgotten meanwhile, or submitted again since, keeps nothing of this job.)
    const run = this.runs.get(job.uid);
    const mine = run?.pending.get(job.pod) === h;
    if (mine) run!.pending.delete(job.pod);
    h.resolve();
    // A pass still waiting takes the outcome itself; otherwise it is kept for the next pass.
    if (h.detached && mine) this.keep(run!, h);
    this.pump();
  }

  /** Stops waiting for `h`: its outcome goes to the next pass of its run. */
  detach(h: Handle): void {
    if (h.done) return;
    h.detached = true;
  }

  private keep(run: RunState, h: Handle): void {
    const { job } = h;
    const d = h.done!;
    if ('error' in d) {
      run.error ??= d.error;
      this.opts.requeue?.(job.key);
    } else if (d.outcome.kind === 'settled') {
      run.settled.set(job.pod, { nodeId: job.nodeId, task: job.task, attempt: job.attempt, phase: d.outcome.phase, message: d.outcome.message });
      this.opts.requeue?.(job.key);
    }
    // Created: the pod watch brings the run back when the cache shows it.
  }
}
