// Coalesced status writes: at most one write of a run per interval (PIPEWRIGHT_STATUS_INTERVAL_MS), the first
// change after a quiet spell at once. Only for changes the pods can tell again (a task started, running, done):
// a pass whose change only the status can hold, or that ends the run or changes its phase, writes at once
// (reconcile.ts decides). Nothing is lost by waiting: the pass that was held back asks to be requeued when the
// interval is over, and that pass plans from the pods again. A restart forgets this (one early write).
// All runs together write at most PIPEWRIGHT_STATUS_WRITES_PER_SEC of these: with many runs active each run's interval
// stretches (200 runs of 10-task chains wrote 5,553 statuses in 55 s, more of the API server's writes than the pods'
// own; at 50 a second the same runs ended 22% sooner). The default, 10, keeps the API server out of saturation at
// the cluster's pod throughput: at 50 it spent 11% of its CPU on our status writes and answered everything late
// (docs/performance.md, "The API server's own profile").
import { nowMs, type Clock } from './clock.js';

export class StatusThrottle {
  /** By run uid: when its status was last written. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
    /** Coalesced writes per second of all runs together (0: no bound). */
    private readonly perSec = 0,
  ) {}

  /** The interval of each run now: the configured one, longer when the runs with a status written are many. */
  get currentIntervalMs(): number {
    return this.perSec > 0 ? Math.max(this.intervalMs, (this.last.size * 1000) / this.perSec) : this.intervalMs;
  }

  /** How long a change of run `uid` that may wait should wait (ms); 0: write now. */
  waitMs(uid: string): number {
    const at = this.last.get(uid);
    if (at === undefined || this.intervalMs <= 0) return 0;
    return Math.max(0, at + this.currentIntervalMs - nowMs(this.clock));
  }

  wrote(uid: string): void {
    this.last.set(uid, nowMs(this.clock));
  }

  forget(uid: string): void {
    this.last.delete(uid);
  }
}
