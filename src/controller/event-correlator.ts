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
