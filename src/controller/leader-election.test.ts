import fc from 'fast-check';
import { decide, leaseSpecFor, microTime, observe, releasedSpec, renewDeadlinePassed, type Decision, type LeaseView, type Observed } from './leader-election.js';
import { leaderElectionFromEnv } from './config.js';

const LD = 15_000;
const lease = (over: Partial<LeaseView> = {}): LeaseView => ({
  resourceVersion: '7', holderIdentity: 'other', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime: '2026-01-01T00:00:10.000000Z', leaseTransitions: 3, ...over,
});
const seen = (at: number, rv = '7'): Observed => ({ resourceVersion: rv, at });

describe('decide', () => {
  type Row = { name: string; l: LeaseView | undefined; observed: Observed | undefined; now: number; leading: boolean; expected: Decision };
  it.each<Row>([
    { name: 'no lease: create it', l: undefined, observed: undefined, now: 0, leading: false, expected: { kind: 'create' } },
    { name: 'held by another, seen 1 s ago: follow', l: lease(), observed: seen(1000), now: 2000, leading: false, expected: { kind: 'follow', holder: 'other', expiresInMs: 14_000 } },
    { name: 'held by another, seen exactly one duration ago: acquire', l: lease(), observed: seen(1000), now: 16_000, leading: false, expected: { kind: 'acquire', from: 'other' } },
    { name: 'released (empty holder): acquire at once', l: lease({ holderIdentity: '' }), observed: seen(1000), now: 1000, leading: false, expected: { kind: 'acquire', from: '' } },
    { name: 'no holder field: acquire at once', l: lease({ holderIdentity: undefined }), observed: seen(1000), now: 1000, leading: false, expected: { kind: 'acquire', from: '' } },
    { name: 'held by me while leading: renew', l: lease({ holderIdentity: 'me' }), observed: seen(0), now: 1, leading: true, expected: { kind: 'renew' } },
    { name: 'held by me but not leading (restart with the same identity): acquire', l: lease({ holderIdentity: 'me' }), observed: seen(0), now: 1, leading: false, expected: { kind: 'acquire', from: 'me' } },
    { name: 'leading, but another holder now: lost', l: lease({ holderIdentity: 'thief' }), observed: seen(0), now: 1, leading: true, expected: { kind: 'lost', holder: 'thief' } },
    { name: 'leading, lease released by someone: lost', l: lease({ holderIdentity: '' }), observed: seen(0), now: 1, leading: true, expected: { kind: 'lost', holder: '' } },
    { name: 'the lease\'s own duration counts (5 s)', l: lease({ leaseDurationSeconds: 5 }), observed: seen(0), now: 5000, leading: false, expected: { kind: 'acquire', from: 'other' } },
    { name: 'no duration in the lease: ours counts', l: lease({ leaseDurationSeconds: undefined }), observed: seen(0), now: 5000, leading: false, expected: { kind: 'follow', holder: 'other', expiresInMs: 10_000 } },
    { name: 'not observed at this version: count from now', l: lease({ resourceVersion: '8' }), observed: seen(0, '7'), now: 100_000, leading: false, expected: { kind: 'follow', holder: 'other', expiresInMs: 15_000 } },
  ])('$name', ({ l, observed, now, leading, expected }) => {
    expect(decide({ lease: l, observed, now, identity: 'me', leading, leaseDurationMs: LD })).toEqual(expected);
  });

  const arbLease = fc.record({
    resourceVersion: fc.integer({ min: 1, max: 5 }).map(String),
    holderIdentity: fc.constantFrom('', 'me', 'a', 'b'),
    leaseDurationSeconds: fc.integer({ min: 1, max: 60 }),
    acquireTime: fc.date({ noInvalidDate: true }).map(microTime),
    renewTime: fc.date({ noInvalidDate: true }).map(microTime),
    leaseTransitions: fc.nat(100),
  });

  it('never depends on the holder\'s timestamps (clock skew between machines cannot matter)', () => {
    const other = fc.record({ a: fc.date({ noInvalidDate: true }), r: fc.date({ noInvalidDate: true }), at: fc.nat(100_000), now: fc.nat(100_000), leading: fc.boolean() });
    fc.assert(fc.property(arbLease, other, (l, { a, r, at, now, leading }) => {
      const i = { observed: seen(at, l.resourceVersion), now, identity: 'me', leading, leaseDurationMs: LD };
      expect(decide({ ...i, lease: l })).toEqual(decide({ ...i, lease: { ...l, acquireTime: microTime(a), renewTime: microTime(r) } }));
    }));
  });

  it('a standby never takes a lease held by another before one full duration since it saw it change', () => {
    fc.assert(fc.property(arbLease, fc.nat(100_000), fc.nat(100_000), (l, at, elapsed) => {
      fc.pre(l.holderIdentity !== '' && l.holderIdentity !== 'me');
      const d = decide({ lease: l, observed: seen(at, l.resourceVersion), now: at + elapsed, identity: 'me', leading: false, leaseDurationMs: LD });
      expect(d.kind).toBe(elapsed >= l.leaseDurationSeconds * 1000 ? 'acquire' : 'follow');
    }));
  });

  it('a leader renews only a lease that names it, and never acquires', () => {
    fc.assert(fc.property(arbLease, fc.nat(100_000), (l, now) => {
      const d = decide({ lease: l, observed: seen(0, l.resourceVersion), now, identity: 'me', leading: true, leaseDurationMs: LD });
      expect(d.kind).toBe(l.holderIdentity === 'me' ? 'renew' : 'lost');
    }));
  });
});

describe('observe', () => {
  it('keeps the first sighting of a resourceVersion and restarts the clock when it changes', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('1', '2', '3'), fc.nat(1000)), { minLength: 1, maxLength: 30 }), (reads) => {
      let o: Observed | undefined;
      let t = 0;
      let since = 0;
      let prevRv: string | undefined;
      for (const [rv, dt] of reads) {
        t += dt;
        o = observe(o, lease({ resourceVersion: rv }), t);
        if (rv !== prevRv) since = t;
        prevRv = rv;
        expect(o).toEqual({ resourceVersion: rv, at: since });
      }
    }));
  });

  it('forgets a deleted lease', () => {
    expect(observe(seen(5), undefined, 10)).toBeUndefined();
  });
});

describe('lease specs', () => {
  const now = '2026-02-02T00:00:00.000000Z';
  it('create: we hold it, no transitions yet', () => {
    expect(leaseSpecFor({ kind: 'create' }, undefined, 'me', 15_000, now)).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 });
  });
  it('renew keeps acquireTime and transitions', () => {
    expect(leaseSpecFor({ kind: 'renew' }, lease({ holderIdentity: 'me' }), 'me', 15_000, now)).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: now, leaseTransitions: 3 });
  });
  it('taking over from another (or from a release) counts one transition', () => {
    expect(leaseSpecFor({ kind: 'acquire', from: 'other' }, lease(), 'me', 15_000, now)).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 4 });
    expect(leaseSpecFor({ kind: 'acquire', from: '' }, lease({ holderIdentity: '' }), 'me', 15_000, now).leaseTransitions).toBe(4);
  });
  it('re-taking our own lease after a restart is not a transition', () => {
    expect(leaseSpecFor({ kind: 'acquire', from: 'me' }, lease({ holderIdentity: 'me' }), 'me', 15_000, now)).toMatchObject({ acquireTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 3 });
  });
  it('durations below a second round up (the API takes whole seconds)', () => {
    expect(leaseSpecFor({ kind: 'create' }, undefined, 'me', 300, now).leaseDurationSeconds).toBe(1);
    expect(leaseSpecFor({ kind: 'create' }, undefined, 'me', 1500, now).leaseDurationSeconds).toBe(2);
  });
  it('follow and lost write nothing', () => {
    expect(() => leaseSpecFor({ kind: 'follow', holder: 'x', expiresInMs: 1 }, lease(), 'me', 15_000, now)).toThrow();
  });
  it('release: no holder, 1 s, transitions kept', () => {
    expect(releasedSpec(lease({ holderIdentity: 'me' }), now)).toEqual({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 3 });
  });
  it('MicroTime has six fractional digits', () => {
    expect(microTime(new Date('2026-03-04T05:06:07.089Z'))).toBe('2026-03-04T05:06:07.089000Z');
  });
  it('renew deadline', () => {
    expect(renewDeadlinePassed(1000, 10_999, 10_000)).toBe(false);
    expect(renewDeadlinePassed(1000, 11_000, 10_000)).toBe(true);
  });
});

// A model of candidates sharing one Lease with optimistic concurrency. Reads may be stale when the write comes;
// a leader stops when no write succeeded for the renew deadline. Whatever the interleaving and timing, no two
// candidates lead at once.
describe('safety under any interleaving', () => {
  const RD = 10_000;
  type Cand = { id: string; view: LeaseView | undefined; observed: Observed | undefined; leading: boolean; lastWrite: number; dead: boolean };
  it('at most one leader at any time', () => {
    const op = fc.record({ c: fc.nat(2), kind: fc.constantFrom('read', 'write', 'read', 'release'), advance: fc.nat(9000) });
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      let store: LeaseView | undefined;
      let rv = 0;
      let t = 0;
      const cands: Cand[] = ['a', 'b', 'c'].map((id) => ({ id, view: undefined, observed: undefined, leading: false, lastWrite: 0, dead: false }));
      const write = (c: Cand, spec: ReturnType<typeof releasedSpec>): boolean => {
        if ((c.view?.resourceVersion ?? '') !== (store?.resourceVersion ?? '')) return false; // 409
        store = { resourceVersion: String(++rv), ...spec };
        c.view = store;
        c.observed = observe(c.observed, store, t);
        return true;
      };
      for (const o of ops) {
        t += o.advance;
        for (const c of cands) if (c.leading && renewDeadlinePassed(c.lastWrite, t, RD)) Object.assign(c, { leading: false, dead: true });
        const c = cands[o.c]!;
        if (c.dead) continue;
        if (o.kind === 'read') {
          c.view = store;
          c.observed = observe(c.observed, store, t);
        } else if (o.kind === 'release') {
          if (c.leading && c.view && write(c, releasedSpec(c.view, microTime(new Date(t))))) Object.assign(c, { leading: false, dead: true });
        } else {
          const d = decide({ lease: c.view, observed: c.observed, now: t, identity: c.id, leading: c.leading, leaseDurationMs: LD });
          if (d.kind === 'lost') Object.assign(c, { leading: false, dead: true });
          else if (d.kind !== 'follow' && write(c, leaseSpecFor(d, c.view, c.id, LD, microTime(new Date(t))))) Object.assign(c, { leading: true, lastWrite: t });
        }
        expect(cands.filter((x) => x.leading).length).toBeLessThanOrEqual(1);
      }
    }), { numRuns: 500 });
  });
});

describe('leader election configuration', () => {
  it('is off unless PIPEWRIGHT_LEADER_ELECT is true', () => {
    expect(leaderElectionFromEnv({})).toBeUndefined();
    expect(leaderElectionFromEnv({ PIPEWRIGHT_LEADER_ELECT: 'false' })).toBeUndefined();
  });
  it('defaults: the pod\'s namespace and name, 15 s / 10 s / 2 s', () => {
    expect(leaderElectionFromEnv({ PIPEWRIGHT_LEADER_ELECT: 'true', POD_NAME: 'pw-0', POD_NAMESPACE: 'ops' })).toEqual({
      namespace: 'ops', name: 'pipewright-leader-election', identity: 'pw-0', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000,
    });
  });
  it('without a pod: pipewright-system and hostname + random suffix; overrides from the environment', () => {
    const c = leaderElectionFromEnv({ PIPEWRIGHT_LEADER_ELECT: 'true', PIPEWRIGHT_LEADER_ELECTION_NAMESPACE: 'le', PIPEWRIGHT_LEASE_DURATION_SECONDS: '3', PIPEWRIGHT_RENEW_DEADLINE_SECONDS: '2', PIPEWRIGHT_RETRY_PERIOD_SECONDS: '0.5' }, 'abcd');
    expect(c).toMatchObject({ namespace: 'le', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
    expect(c?.identity).toMatch(/_abcd$/);
    expect(leaderElectionFromEnv({ PIPEWRIGHT_LEADER_ELECT: 'true' })?.namespace).toBe('pipewright-system');
  });
  it('refuses durations that would let two leaders overlap', () => {
    expect(() => leaderElectionFromEnv({ PIPEWRIGHT_LEADER_ELECT: 'true', PIPEWRIGHT_LEASE_DURATION_SECONDS: '10' })).toThrow(/must be greater/);
    expect(() => leaderElectionFromEnv({ PIPEWRIGHT_LEADER_ELECT: 'true', PIPEWRIGHT_RETRY_PERIOD_SECONDS: '9' })).toThrow(/must be greater/);
  });
});
