// Expectations, as kube-controller-manager's ReplicaSet controller keeps them: what this process wrote that the
// watch caches may not show yet. Only hints about cache lag; losing them (restart) costs a conflict or a GET.
import { nowMs, type Clock } from './clock.js';

/** How long an expectation (our own write not yet in a cache) is trusted before the cache is believed instead. */
export const EXPECTATION_MS = 30_000;
const STATUS_EXPECTATION_MS = 5_000;

export class Expectations {
  /** By run uid: the resourceVersion of our last status write, until the run cache has delivered it. */
  private readonly written = new Map<string, { rv: string; until: number }>();
  /** By run uid: pods this process created (name → when), until the pod cache shows them. */
  private readonly created = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Clock) {}

  forget(uid: string): void {
    this.written.delete(uid);
    this.created.delete(uid);
  }

  /** Our status write of `uid` at resourceVersion `rv`, expected in the run cache soon. */
  statusWritten(uid: string, rv: string): void {
    this.written.set(uid, { rv, until: nowMs(this.clock) + STATUS_EXPECTATION_MS });
  }

  /** The run cache delivered a version of the run. */
  runSeen(uid: string, resourceVersion: string | undefined): void {
    const w = this.written.get(uid);
    if (w && resourceVersion === w.rv) this.written.delete(uid);
  }

  /**
   * How long to wait for the cache to deliver our last status write before writing from it again (0: now). A
   * write from an older version would lose to a conflict; a pass meanwhile acts but does not write (reconcile.ts).
   */
  statusWaitMs(uid: string, resourceVersion: string | undefined): number {
    const w = this.written.get(uid);
    if (!w) return 0;
    const wait = w.until - nowMs(this.clock);
    if (resourceVersion !== w.rv && wait > 0) return wait;
    this.written.delete(uid);
    return 0;
  }

  podCreated(uid: string, pod: string): void {
    const mine = this.created.get(uid) ?? new Map<string, number>();
    this.created.set(uid, mine.set(pod, nowMs(this.clock)));
  }

  /** The pod cache shows `pod`: no need to expect it any longer. */
  podSeen(uid: string, pod: string): void {
    const mine = this.created.get(uid);
    if (mine?.size) mine.delete(pod);
  }

  /** A pod we created moments ago is only late in the cache (no GET per pod after a fan-out). */
  recentlyCreated(uid: string, pod: string): boolean {
    const at = this.created.get(uid)?.get(pod);
    return at !== undefined && nowMs(this.clock) - at < EXPECTATION_MS;
  }
}
