// Event aggregation as client-go's EventCorrelator does it: an event with the same involved object, type, reason
// and message as one sent recently bumps that Event's count and lastTimestamp (a PATCH) instead of adding a new
// Event object. Bounded: the least recently used keys are forgotten. Pure (time is passed in).

export interface SeenEvent {
  name: string;
  count: number;
  at: number;
}

export class EventCorrelator {
  private readonly seen = new Map<string, SeenEvent>();

  /** client-go keeps 4096 keys and aggregates within 10 minutes. */
  constructor(private readonly maxKeys = 4096, private readonly windowMs = 10 * 60_000) {}

  static key(uid: string, type: string, reason: string, message: string): string {
    return `${uid}\0${type}\0${reason}\0${message}`;
  }

  /** The Event to bump, when one was sent for the key within the window. */
  lookup(key: string, now: number): SeenEvent | undefined {
    const e = this.seen.get(key);
    if (!e) return undefined;
    if (now - e.at > this.windowMs) {
      this.seen.delete(key);
      return undefined;
    }
    return e;
  }

  /** After a create (count 1) or a successful bump. */
  remember(key: string, name: string, count: number, now: number): void {
    this.seen.delete(key);
    this.seen.set(key, { name, count, at: now });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
  }

  /** The Event is gone (expired by the API server's event TTL, or deleted): the next one is a create. */
  forget(key: string): void {
    this.seen.delete(key);
  }
}

/**
 * client-go's EventSourceObjectSpamFilter, for the task events of a run: a token bucket per run, `burst` at once,
 * then one per `refillMs`. A 1,000-task fan-out sent 2,000 TaskStarted/TaskSucceeded events: as many API writes as
 * its pods, in the same QPS bucket as their creations. The status lists every task; run events are not limited.
 * Bounded: the least recently used runs are forgotten. Pure (time is passed in).
 */
export class EventSpamFilter {
  private readonly buckets = new Map<string, { tokens: number; at: number; told: boolean }>();

  constructor(readonly burst = 100, readonly refillMs = 1000, private readonly maxKeys = 4096) {}

  /** 'send'; 'limited' for the first event the run's bucket refuses (say so once); then 'drop' until it refills. */
  take(uid: string, now: number): 'send' | 'limited' | 'drop' {
    const b = this.buckets.get(uid) ?? { tokens: this.burst, at: now, told: false };
    this.buckets.delete(uid);
    this.buckets.set(uid, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    const refill = Math.floor((now - b.at) / this.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refill);
      b.at = b.tokens === this.burst ? now : b.at + refill * this.refillMs;
    }
    if (b.tokens >= 1) {
      b.tokens--;
      return 'send';
    }
    if (b.told) return 'drop';
    b.told = true;
    return 'limited';
  }

  forget(uid: string): void {
    this.buckets.delete(uid);
  }
}
