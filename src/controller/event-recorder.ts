// Kubernetes events are best effort, as client-go's recorder treats them: sent in the background, a few at a time,
// never holding up a reconcile (a fan-out's 1,000 TaskStarted events used to be awaited inside it). When more than
// `maxPending` wait, new ones are dropped and counted, as client-go drops them when its queue is full.
// Pod creations go first: while `holdWhile()` says creations wait their turn, events wait too (they share the API
// server and the QPS bucket with them; a fan-out's first 100 task events were a tenth of its creation burst's requests).
const HOLD_RECHECK_MS = 50;

export class EventRecorder {
  private readonly pending: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private recheck: ReturnType<typeof setTimeout> | undefined;
  dropped = 0;

  constructor(
    private readonly concurrency: number,
    private readonly maxPending: number,
    private readonly onDrop?: (dropped: number) => void,
    private readonly holdWhile?: () => boolean,
  ) {}

  record(send: () => Promise<void>): void {
    if (this.pending.length >= this.maxPending) {
      this.dropped++;
      this.onDrop?.(this.dropped);
      return;
    }
    this.pending.push(send);
    this.pump();
  }

  /** Resolves when nothing is waiting or being sent (tests, shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.pending.length > 0 && this.holdWhile?.()) {
      this.recheck ??= setTimeout(() => {
        this.recheck = undefined;
        this.pump();
      }, HOLD_RECHECK_MS);
      this.recheck.unref?.();
      return;
    }
    while (this.inFlight < this.concurrency && this.pending.length > 0) {
      const send = this.pending.shift()!;
      this.inFlight++;
      void send()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
    if (this.inFlight === 0 && this.pending.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }
}
