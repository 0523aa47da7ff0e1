// A work queue keyed by `namespace/name`, in the manner of client-go's: de-duplicated, one reconcile per key
// at a time, per-key exponential backoff on errors, delayed adds for deadlines, N workers.

export type ReconcileOutcome = { requeueAfterMs?: number } | void;

/** Node's timers hold a signed 32-bit delay: anything longer (or not a number) fires after 1 ms. A longer wait
 * is cut to this; the reconcile it triggers computes the rest again and asks for a new delay. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function clampDelay(ms: number): number {
  return ms < MAX_TIMER_MS ? ms : MAX_TIMER_MS;
}

/** The longest a run's next pass is held back by spacing. */
export const MAX_PASS_SPACING_MS = 1000;

/**
 * How long after a pass of `busyMs` a run's next pass may start: `factor` times the pass (0 turns spacing off), and
 * the longest spacing while the run's own launches wait in the launcher (pod-launcher.ts): a pass could start
 * nothing sooner then (its launches would queue behind them) and only takes CPU from the creations. A 1,000-leaf
 * fan-out made a hundred passes over every node during its creations, on the CPU the API server needed for them.
 */
export function passSpacingMs(busyMs: number, factor: number, launchesWaiting: boolean): number {
  if (factor === 0) return 0;
  return launchesWaiting ? MAX_PASS_SPACING_MS : Math.min(busyMs * factor, MAX_PASS_SPACING_MS);
}

export interface QueueOptions {
  workers: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
  /**
   * How long after a reconcile of a key that took `busyMs` the key's next reconcile may start (events meanwhile
   * wait for it, merged into one). Keeps a large run, whose every pass costs time, from taking the event loop from
   * every other run while its pods change hundreds of times a second.
   */
  spacing?: (busyMs: number, key: string) => number;
  /** A worker took the key after it waited `waitedMs` in the queue (metrics). */
  onDequeue?: (key: string, waitedMs: number) => void;
  /** Time source and timers, injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Queued keys and when they were added. */
  private readonly queued = new Map<string, number>();
  private readonly active = new Set<string>();
  /** Keys added while being processed: run once more afterwards. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, number>();
  /** Keys that may not run again before this time (spacing). */
  private readonly notBefore = new Map<string, number>();
  private readonly handles = new Set<{ unref?: () => void; ref?: () => void }>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (key: string) => Promise<ReconcileOutcome>,
    private readonly opts: QueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const nb = this.notBefore.get(key);
    if (nb !== undefined) {
      const wait = nb - Date.now();
      if (wait > 0) return this.addAfter(key, wait);
      this.notBefore.delete(key);
    }
    this.queued.set(key, Date.now());
    this.queue.push(key);
    this.pump();
  }

  /** Adds the key after a delay; an earlier pending delay for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    ms = clampDelay(ms);
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing !== undefined && existing <= due) return;
    this.timers.set(key, due);
    const setTimer = this.opts.setTimer ?? ((fn, t) => setTimeout(fn, t));
    const t = setTimer(() => {
      this.handles.delete(t);
      if (this.timers.get(key) === due) this.timers.delete(key);
      this.add(key);
    }, ms);
    this.handles.add(t);
    t.unref?.();
  }

  get length(): number {
    return this.queue.length;
  }

  /**
   * Refuses new work (adds, delayed adds, queued keys) and resolves once the reconciles in flight have finished,
   * or after `drainMs`, whichever comes first: a shutdown neither cuts a reconcile between its pod creations and
   * its status write (the next leader would redo nothing wrong, but it costs a conflict) nor hangs on a stuck one.
   */
  async stop(drainMs = 10_000): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    for (const t of this.handles) clearTimeout(t as unknown as ReturnType<typeof setTimeout>);
    this.handles.clear();
    this.timers.clear();
    this.notBefore.clear();
    if (this.running === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Reconciles running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.opts.workers && this.queue.length > 0) {
      const key = this.queue.shift()!;
      const addedAt = this.queued.get(key);
      this.queued.delete(key);
      if (addedAt !== undefined) this.opts.onDequeue?.(key, Date.now() - addedAt);
      this.active.add(key);
      this.running++;
      void this.process(key);
    }
    if (this.running === 0 && (this.queue.length === 0 || this.stopped)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  private async process(key: string): Promise<void> {
    const started = Date.now();
    try {
      const outcome = await this.handler(key);
      this.failures.delete(key);
      if (outcome && outcome.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const base = this.opts.baseBackoffMs ?? 5;
      const delay = Math.min(base * 2 ** (n - 1), this.opts.maxBackoffMs ?? 60_000);
      this.opts.onError?.(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      const rest = this.opts.spacing?.(Date.now() - started, key) ?? 0;
      if (rest >= 1) this.notBefore.set(key, Date.now() + rest);
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
