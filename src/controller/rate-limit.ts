// A token bucket for the controller's requests to the API server, as client-go's (QPS and burst): every write
// and GET of the process takes a token, watches do not. One bucket per process, shared by all its clients, so
// the API server sees one steady client however many runs are launching at once.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimit {
  /** Tokens per second (sustained requests per second); Infinity turns the limit off. */
  qps: number;
  /** Most tokens held: requests that may go at once after a quiet spell. */
  burst: number;
}

export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  /** How long the caller must wait for its token (ms), the token being taken now. 0: go. */
  reserve(): number {
    if (!Number.isFinite(this.limit.qps)) return 0;
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.last) * this.limit.qps) / 1000);
    this.last = t;
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // In debt: this request goes once the bucket has refilled what it owes (so waiting requests are spaced 1/qps
    // apart, not woken together).
    return (-this.tokens * 1000) / this.limit.qps;
  }

  /** Resolves when the caller may send its request. */
  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait);
  }
}

/** Every method of `ops` takes a token before it runs. */
export function rateLimited<T extends object>(ops: T, limiter: RateLimiter): T {
  const out = {} as T;
  for (const k of Object.keys(ops) as (keyof T)[]) {
    const f = ops[k];
    out[k] = (typeof f === 'function' ? async (...args: unknown[]) => {
      await limiter.take();
      return (f as (...a: unknown[]) => unknown).apply(ops, args);
    } : f) as T[keyof T];
  }
  return out;
}
