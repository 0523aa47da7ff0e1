// Coalesced status writes: at most one write of a run per interval (PIPEWRIGHT_STATUS_INTERVAL_MS), the first
// change after a quiet spell at once. Only for changes the pods can tell again (a task started, running, done):
// a pass whose change only the status can hold, or that ends the run or changes its phase, writes at once
// (reconcile.ts decides). Nothing is lost by waiting: the pass that was held back asks to be requeued when the
// interval is over, and that pass plans from the pods again. A restart forgets this (one early write).
import { nowMs, type Clock } from './clock.js';

export class StatusThrottle {
  /** By run uid: when its status was last written. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  /** How long a change of run `uid` that may wait should wait (ms); 0: write now. */
  waitMs(uid: string): number {
    const at = this.last.get(uid);
    if (at === undefined || this.intervalMs <= 0) return 0;
    return Math.max(0, at + this.intervalMs - nowMs(this.clock));
  }

  wrote(uid: string): void {
    this.last.set(uid, nowMs(this.clock));
  }

  forget(uid: string): void {
    this.last.delete(uid);
  }
}
