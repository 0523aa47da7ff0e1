// Leader election, the pure part: given the Lease as last read, when this process first saw that version of it,
// the local clock and who we are, decide what to do. No I/O, no clock, no logger; the loop is in leader-elector.ts.
//
// Semantics follow client-go's tools/leaderelection:
// - Expiry is judged by the LOCAL clock from the moment this process saw the Lease's resourceVersion change, never
//   by comparing the holder's renewTime with our clock (the two machines' clocks may disagree). A process that
//   starts and finds a Lease held by someone else therefore waits one full lease duration before taking it.
// - An empty holderIdentity means the holder released the Lease on shutdown: take it at once.
// - Writes carry the resourceVersion that was read; a 409 means someone else wrote first (lost the race).
// One difference: a leader that reads the Lease and finds another holder steps down at once ('lost') instead of
// waiting for its renew deadline to pass, so two processes never both believe they lead for longer than a retry.

/** What is read of a coordination.k8s.io/v1 Lease. Times are MicroTime strings as the API server returns them. */
export interface LeaseView {
  resourceVersion: string;
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** The spec this process writes. */
export interface LeaseSpecOut {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** When (local monotonic ms) this process first saw the Lease at this resourceVersion. */
export interface Observed {
  resourceVersion: string;
  at: number;
}

export interface DecideInput {
  /** The Lease as just read; undefined when it does not exist. */
  lease: LeaseView | undefined;
  /** From observe(): when this version of the Lease was first seen. */
  observed: Observed | undefined;
  /** Local monotonic clock, ms (same clock as observed.at). */
  now: number;
  identity: string;
  /** Whether this process currently leads. */
  leading: boolean;
  /** Our lease duration, used when the Lease does not say its own. */
  leaseDurationMs: number;
}

export type Decision =
  /** No Lease: create it with us as holder. */
  | { kind: 'create' }
  /** Free (released) or expired, or naming us while we do not lead (a restart with the same identity): take it. */
  | { kind: 'acquire'; from: string }
  /** We hold it: renew. */
  | { kind: 'renew' }
  /** Someone else holds a lease that has not expired: follow them, try again later. */
  | { kind: 'follow'; holder: string; expiresInMs: number }
  /** We were leading, but the Lease now names someone else: stop leading. */
  | { kind: 'lost'; holder: string };

/** Tracks when the Lease last changed, by resourceVersion, on the local clock. */
export function observe(prev: Observed | undefined, lease: LeaseView | undefined, now: number): Observed | undefined {
  if (!lease) return undefined;
  if (prev && prev.resourceVersion === lease.resourceVersion) return prev;
  return { resourceVersion: lease.resourceVersion, at: now };
}

export function decide(i: DecideInput): Decision {
  if (!i.lease) return { kind: 'create' };
  const holder = i.lease.holderIdentity ?? '';
  if (holder === i.identity) return i.leading ? { kind: 'renew' } : { kind: 'acquire', from: holder };
  if (i.leading) return { kind: 'lost', holder };
  if (holder === '') return { kind: 'acquire', from: '' };
  const durationMs = i.lease.leaseDurationSeconds && i.lease.leaseDurationSeconds > 0 ? i.lease.leaseDurationSeconds * 1000 : i.leaseDurationMs;
  // Not observed yet (should not happen after observe()): count from now, the conservative choice.
  const since = i.observed && i.observed.resourceVersion === i.lease.resourceVersion ? i.observed.at : i.now;
  const expiresInMs = since + durationMs - i.now;
  if (expiresInMs > 0) return { kind: 'follow', holder, expiresInMs };
  return { kind: 'acquire', from: holder };
}

/** The spec to write for a create, acquire or renew decision. `wallNow` is a MicroTime string. */
export function leaseSpecFor(decision: Decision, prev: LeaseView | undefined, identity: string, leaseDurationMs: number, wallNow: string): LeaseSpecOut {
  const leaseDurationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  const transitions = prev?.leaseTransitions ?? 0;
  switch (decision.kind) {
    case 'create':
      return { holderIdentity: identity, leaseDurationSeconds, acquireTime: wallNow, renewTime: wallNow, leaseTransitions: 0 };
    case 'acquire': {
      // Taking over from someone else (or from nobody, after a release) is a transition; re-taking our own is not.
      const changed = decision.from !== identity;
      return {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: !changed && prev?.acquireTime ? prev.acquireTime : wallNow,
        renewTime: wallNow,
        leaseTransitions: changed ? transitions + 1 : transitions,
      };
    }
    case 'renew':
      return { holderIdentity: identity, leaseDurationSeconds, acquireTime: prev?.acquireTime ?? wallNow, renewTime: wallNow, leaseTransitions: transitions };
    default:
      throw new Error(`no lease write for decision ${decision.kind}`);
  }
}

/** Released on graceful shutdown: no holder and a 1 s duration, so a standby takes over on its next try. */
export function releasedSpec(prev: LeaseView, wallNow: string): LeaseSpecOut {
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: wallNow, renewTime: wallNow, leaseTransitions: prev.leaseTransitions ?? 0 };
}

/** RFC 3339 with microseconds, as the API server's MicroTime expects (JavaScript dates carry milliseconds). */
export function microTime(d: Date): string {
  return `${d.toISOString().slice(0, -1)}000Z`;
}

/** The leader stops leading when no renewal has succeeded for the renew deadline. */
export function renewDeadlinePassed(lastRenewedAt: number, now: number, renewDeadlineMs: number): boolean {
  return now - lastRenewedAt >= renewDeadlineMs;
}
