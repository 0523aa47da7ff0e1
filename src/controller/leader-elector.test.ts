// The election loop against an in-memory Lease with the API server's optimistic concurrency (resourceVersion, 409).
import { pino } from 'pino';
import { LeaderElector, LeaseConflictError, type LeaseApi } from './leader-elector.js';
import type { LeaderElectionConfig } from './config.js';
import type { LeaseSpecOut, LeaseView } from './leader-election.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class MemoryLease {
  lease: LeaseView | undefined;
  private rv = 0;
  writes = 0;
  put(spec: LeaseSpecOut): LeaseView {
    this.writes++;
    this.lease = { resourceVersion: String(++this.rv), ...spec };
    return { ...this.lease };
  }
  api(): LeaseApi {
    return {
      get: async () => (this.lease ? { ...this.lease } : undefined),
      create: async (spec) => {
        if (this.lease) throw new LeaseConflictError('exists');
        return this.put(spec);
      },
      update: async (rv, spec) => {
        if (this.lease?.resourceVersion !== rv) throw new LeaseConflictError('conflict');
        return this.put(spec);
      },
    };
  }
}

const config = (identity: string): LeaderElectionConfig => ({ namespace: 'ns', name: 'lease', identity, leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 50 });

const running: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

function candidate(identity: string, api: LeaseApi, lines: string[] = []) {
  const events: string[] = [];
  const lost: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
  const e = new LeaderElector({
    config: config(identity), api, logger,
    callbacks: {
      onStartedLeading: async () => void events.push('started'),
      onStoppedLeading: async () => void events.push('stopped'),
      onLost: (reason) => {
        events.push('lost');
        lost.push(reason);
      },
    },
  });
  running.push(e);
  return { e, events, lost, lines };
}

async function until(what: string, f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('LeaderElector', () => {
  it('one of two candidates leads; the other waits and says for whom; stop() releases and the other takes over at once', async () => {
    const mem = new MemoryLease();
    const linesB: string[] = [];
    const a = candidate('a', mem.api());
    const b = candidate('b', mem.api(), linesB);
    a.e.start();
    await until('a leads', () => a.e.isLeader());
    b.e.start();
    await sleep(300);
    expect([a.e.isLeader(), b.e.isLeader()]).toEqual([true, false]);
    expect(b.events).toEqual([]);
    const waiting = linesB.map((l) => JSON.parse(l) as { msg: string; leader?: string }).find((l) => l.msg.startsWith('standby'));
    expect(waiting?.leader).toBe('a');
    const writesBefore = mem.writes;
    await sleep(200);
    expect(mem.writes).toBeGreaterThan(writesBefore); // renewing every retry period

    const stoppedAt = Date.now();
    await a.e.stop();
    expect(a.events).toEqual(['started', 'stopped']);
    expect(mem.lease?.holderIdentity).toBe('');
    await until('b leads', () => b.e.isLeader());
    expect(Date.now() - stoppedAt).toBeLessThan(600); // well within a lease duration: the release was seen
    expect(mem.lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 }); // a → b
    expect(a.lost).toEqual([]);
    await b.e.stop();
  });

  it('a standby takes over an abandoned lease only after one full lease duration of seeing it unchanged', async () => {
    const mem = new MemoryLease();
    // Renewed "in the future" by the holder's clock: irrelevant, only our observation counts.
    mem.put({ holderIdentity: 'gone', leaseDurationSeconds: 1, acquireTime: '2099-01-01T00:00:00.000000Z', renewTime: '2099-01-01T00:00:00.000000Z', leaseTransitions: 5 });
    const b = candidate('b', mem.api());
    const t0 = Date.now();
    b.e.start();
    await until('b leads', () => b.e.isLeader());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(mem.lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 6 });
    await b.e.stop();
  });

  it('when renewals fail, the leader stops the work within the renew deadline and calls its exit callback', async () => {
    const mem = new MemoryLease();
    let failing = false;
    const api = mem.api();
    const flaky: LeaseApi = { ...api, update: (rv, spec) => (failing ? Promise.reject(new Error('connection refused')) : api.update(rv, spec)) };
    const a = candidate('a', flaky);
    a.e.start();
    await until('a leads', () => a.e.isLeader());
    failing = true;
    const t0 = Date.now();
    await until('lost', () => a.lost.length > 0);
    expect(Date.now() - t0).toBeLessThan(600);
    expect(a.e.isLeader()).toBe(false);
    expect(a.events).toEqual(['started', 'stopped', 'lost']);
    expect(a.lost[0]).toMatch(/no renewal succeeded/);
    await a.e.stop();
  });

  it('a renewal that hangs counts as failing', async () => {
    const mem = new MemoryLease();
    let hang = false;
    const api = mem.api();
    const a = candidate('a', { ...api, get: () => (hang ? new Promise<never>(() => undefined) : api.get()) });
    a.e.start();
    await until('a leads', () => a.e.isLeader());
    hang = true;
    await until('lost', () => a.lost.length > 0);
    expect(a.events).toEqual(['started', 'stopped', 'lost']);
  });

  it('a leader whose lease is overwritten by another holder steps down at its next try', async () => {
    const mem = new MemoryLease();
    const a = candidate('a', mem.api());
    a.e.start();
    await until('a leads', () => a.e.isLeader());
    mem.put({ holderIdentity: 'thief', leaseDurationSeconds: 15, acquireTime: 'x', renewTime: 'x', leaseTransitions: 9 });
    await until('lost', () => a.lost.length > 0, 300);
    expect(a.lost[0]).toMatch(/held by thief/);
    expect(a.events).toEqual(['started', 'stopped', 'lost']);
    await a.e.stop();
    expect(mem.lease?.holderIdentity).toBe('thief'); // nothing released that was not ours
  });

  it('work that fails to start counts as lost leadership', async () => {
    const mem = new MemoryLease();
    const lost: string[] = [];
    const e = new LeaderElector({
      config: config('a'), api: mem.api(), logger: pino({ level: 'silent' }),
      callbacks: { onStartedLeading: async () => { throw new Error('cannot list runs'); }, onStoppedLeading: async () => undefined, onLost: (r) => void lost.push(r) },
    });
    e.start();
    await until('lost', () => lost.length > 0);
    expect(lost[0]).toMatch(/cannot list runs/);
    await e.stop();
  });

  it('stop() of a standby writes nothing', async () => {
    const mem = new MemoryLease();
    const a = candidate('a', mem.api());
    const b = candidate('b', mem.api());
    a.e.start();
    await until('a leads', () => a.e.isLeader());
    b.e.start();
    await sleep(100);
    await b.e.stop();
    expect(mem.lease?.holderIdentity).toBe('a');
    expect(b.events).toEqual([]);
    await a.e.stop();
  });
});
