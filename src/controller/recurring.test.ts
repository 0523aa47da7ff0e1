import { planRecurring, runNameFor, scheduleOf, type OwnedRun } from './recurring.js';
import type { RecurringRunObject, RecurringRunSpec } from './recurring-types.js';

const T = (s: string): number => Date.parse(s);
const CREATED = '2026-01-01T00:00:30Z';
function rr(spec: Partial<RecurringRunSpec>, status: RecurringRunObject['status'] = {}): RecurringRunObject {
  return {
    metadata: { name: 'nightly', namespace: 'ns', uid: 'rr-1', generation: 2, creationTimestamp: new Date(CREATED) },
    spec: { runTemplate: { spec: { pipelineRef: { name: 'p' } } }, ...spec },
    status,
  };
}
const names = (p: ReturnType<typeof planRecurring>): string[] => p.create.map((c) => c.scheduledTime.slice(11, 19));
const minute = { schedule: '* * * * *' };

describe('RecurringRun schedules', () => {
  it('reads cron with a time zone, and intervals', () => {
    const berlin = scheduleOf(rr({ schedule: '0 9 * * *', timeZone: 'Europe/Berlin' }));
    expect('next' in berlin && new Date(berlin.next(T('2026-07-01T00:00:00Z'))!).toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect('next' in berlin && new Date(berlin.next(T('2026-01-10T00:00:00Z'))!).toISOString()).toBe('2026-01-10T08:00:00.000Z');
    const every = scheduleOf(rr({ interval: '10m' }));
    expect('next' in every && every.text).toBe('every 10m');
    expect('next' in every && new Date(every.next(T(CREATED))!).toISOString()).toBe('2026-01-01T00:10:30.000Z');
    const from = scheduleOf(rr({ interval: '1h', startTime: '2026-01-02T00:00:00Z' }));
    expect('next' in from && new Date(from.next(T(CREATED))!).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('names the field and the fix when the schedule cannot be read', () => {
    expect(scheduleOf(rr({ schedule: 'every day' }))).toEqual({ invalid: expect.stringContaining('spec.schedule "every day" is not a cron expression') });
    expect(scheduleOf(rr({ schedule: '* * * * *', timeZone: 'Mars/Olympus' }))).toEqual({ invalid: expect.stringContaining('spec.timeZone "Mars/Olympus" is not an IANA time zone') });
    expect(scheduleOf(rr({ interval: '0s' }))).toEqual({ invalid: expect.stringContaining('spec.interval "0s" is not a positive duration') });
    const p = planRecurring(rr({ schedule: 'nope' }), [], T('2026-01-01T00:05:00Z'));
    expect(p.create).toEqual([]);
    expect(p.status.message).toContain('spec.schedule "nope"');
  });
});

describe('planRecurring', () => {
  it('makes the run of each slot once, with a deterministic name, and says when to come back', () => {
    const p = planRecurring(rr(minute), [], T('2026-01-01T00:01:10Z'));
    expect(p.create).toEqual([{ name: runNameFor('nightly', T('2026-01-01T00:01:00Z')), scheduledTime: '2026-01-01T00:01:00.000Z' }]);
    expect(p.create[0]!.name).toBe('nightly-1767225660');
    expect(p.status).toMatchObject({ lastScheduleTime: '2026-01-01T00:01:00.000Z', nextScheduleTime: '2026-01-01T00:02:00.000Z', lastRunName: 'nightly-1767225660', active: ['nightly-1767225660'], scheduleText: 'cron * * * * * (UTC)', observedGeneration: 2 });
    expect(p.wakeAt).toBe(T('2026-01-01T00:02:00Z'));
    // The same pass again (a crash before the status write): the run exists, nothing new.
    const again = planRecurring(rr(minute), [{ name: 'nightly-1767225660', phase: 'Running' }], T('2026-01-01T00:01:10Z'));
    expect(again.create).toEqual([]);
    expect(again.status.lastScheduleTime).toBe('2026-01-01T00:01:00.000Z');
  });

  it('after downtime, catch-up on makes every missed slot, off only the latest', () => {
    const status = { lastScheduleTime: '2026-01-01T00:01:00Z' };
    const now = T('2026-01-01T00:04:30Z');
    expect(names(planRecurring(rr(minute, status), [], now))).toEqual(['00:02:00', '00:03:00', '00:04:00']);
    expect(names(planRecurring(rr({ ...minute, catchup: false }, status), [], now))).toEqual(['00:04:00']);
  });

  it('Forbid skips the slots that came while a run was active, but the latest runs late once it ends (as a CronJob); Replace cancels it and runs only the latest slot', () => {
    const status = { lastScheduleTime: '2026-01-01T00:01:00Z' };
    const made = T('2026-01-01T00:01:00.300Z');
    const running: OwnedRun[] = [{ name: 'nightly-1767225660', phase: 'Running', createdAt: made }];
    const forbid = (owned: OwnedRun[], now: string, extra: Partial<RecurringRunSpec> = {}) => planRecurring(rr({ ...minute, concurrencyPolicy: 'Forbid', ...extra }, status), owned, T(now));
    const busy = forbid(running, '2026-01-01T00:03:30Z');
    expect(busy.create).toEqual([]);
    expect(busy.skipped).toEqual(['2026-01-01T00:02:00.000Z']);
    expect(busy.status).toMatchObject({ lastScheduleTime: '2026-01-01T00:02:00.000Z', nextScheduleTime: '2026-01-01T00:03:00.000Z' });
    expect(busy.status.message).toBe('the slot of 2026-01-01T00:03:00.000Z waits for nightly-1767225660 to finish (concurrencyPolicy Forbid)');
    expect(busy.wakeAt).toBe(T('2026-01-01T00:04:00Z'));
    // It ended at 00:03:40: the slot that waited runs now, late.
    const ended: OwnedRun[] = [{ ...running[0]!, phase: 'Succeeded', finishedAt: T('2026-01-01T00:03:40Z') }];
    const late = forbid(ended, '2026-01-01T00:03:45Z');
    expect([names(late), late.skipped]).toEqual([['00:03:00'], ['2026-01-01T00:02:00.000Z']]);
    // With catch-up off only the latest slot is due: the same outcome.
    expect(names(forbid(ended, '2026-01-01T00:03:45Z', { catchup: false }))).toEqual(['00:03:00']);
    const replace = planRecurring(rr({ ...minute, concurrencyPolicy: 'Replace' }, status), running, T('2026-01-01T00:03:30Z'));
    expect(replace.cancel).toEqual(['nightly-1767225660']);
    expect(names(replace)).toEqual(['00:03:00']);
    expect(replace.status.active).toEqual(['nightly-1767225780']);
  });

  it('Forbid after downtime with no run active: catch-up on runs every missed slot, one at a time; off only the latest', () => {
    const status = { lastScheduleTime: '2026-01-01T00:01:00Z' };
    const done: OwnedRun = { name: 'nightly-1767225660', phase: 'Succeeded', createdAt: T('2026-01-01T00:01:00.300Z'), finishedAt: T('2026-01-01T00:01:20Z') };
    const forbid = (owned: OwnedRun[], now: string, st: RecurringRunObject['status'] = status, extra: Partial<RecurringRunSpec> = {}) => planRecurring(rr({ ...minute, concurrencyPolicy: 'Forbid', ...extra }, st), owned, T(now));
    const first = forbid([done], '2026-01-01T00:04:30Z');
    expect([names(first), first.skipped, first.status.lastScheduleTime]).toEqual([['00:02:00'], [], '2026-01-01T00:02:00.000Z']);
    expect(first.status.message).toContain('waits for nightly-1767225720 to finish');
    // Next pass, the run just made not in the cache yet (only its creation time known): the backlog waits, nothing skipped.
    const second = forbid([done, { name: 'nightly-1767225720', createdAt: T('2026-01-01T00:04:30Z') }], '2026-01-01T00:04:31Z', first.status);
    expect([second.create, second.skipped]).toEqual([[], []]);
    // It ended: the next missed slot runs.
    const third = forbid([done, { name: 'nightly-1767225720', phase: 'Succeeded', createdAt: T('2026-01-01T00:04:30Z'), finishedAt: T('2026-01-01T00:04:40Z') }], '2026-01-01T00:04:41Z', first.status);
    expect([names(third), third.skipped]).toEqual([['00:03:00'], []]);
    expect(names(forbid([done], '2026-01-01T00:04:30Z', status, { catchup: false }))).toEqual(['00:04:00']);
    // A run active across the downtime: its slots are skipped whatever the catch-up, the latest waits for it.
    const across: OwnedRun = { name: 'nightly-1767225660', phase: 'Running', createdAt: T('2026-01-01T00:01:00.300Z') };
    for (const catchup of [true, false]) {
      const p = forbid([across], '2026-01-01T00:04:30Z', status, { catchup });
      expect([p.create, p.skipped.length, p.status.nextScheduleTime]).toEqual([[], catchup ? 2 : 0, '2026-01-01T00:04:00.000Z']);
    }
  });

  it('Allow stops at maxConcurrency: the slot waits for a run to finish', () => {
    const status = { lastScheduleTime: '2026-01-01T00:01:00Z' };
    const running: OwnedRun[] = [{ name: 'nightly-1767225660', phase: 'Running' }];
    const p = planRecurring(rr({ ...minute, maxConcurrency: 2 }, status), running, T('2026-01-01T00:03:30Z'));
    expect(names(p)).toEqual(['00:02:00']);
    expect(p.status.lastScheduleTime).toBe('2026-01-01T00:02:00.000Z');
    expect(p.status.nextScheduleTime).toBe('2026-01-01T00:03:00.000Z');
    expect(p.status.message).toContain('maxConcurrency 2');
    expect(p.wakeAt).toBeUndefined();
    // A cancelled run no longer counts.
    expect(names(planRecurring(rr({ ...minute, maxConcurrency: 1 }, status), [{ ...running[0]!, cancel: true }], T('2026-01-01T00:02:30Z')))).toEqual(['00:02:00']);
  });

  it('suspend makes nothing; on resume the catch-up setting decides about the slots missed', () => {
    const status = { lastScheduleTime: '2026-01-01T00:01:00Z', nextScheduleTime: '2026-01-01T00:02:00Z' };
    const s = planRecurring(rr({ ...minute, suspend: true }, status), [], T('2026-01-01T00:05:30Z'));
    expect(s.create).toEqual([]);
    expect(s.status.nextScheduleTime).toBeUndefined();
    expect(s.wakeAt).toBeUndefined();
    expect(names(planRecurring(rr({ ...minute, catchup: false }, status), [], T('2026-01-01T00:05:30Z')))).toEqual(['00:05:00']);
  });

  it('honours startTime and endTime', () => {
    const p = planRecurring(rr({ ...minute, startTime: '2026-01-01T00:03:00Z', endTime: '2026-01-01T00:04:00Z' }), [], T('2026-01-01T00:10:00Z'));
    expect(names(p)).toEqual(['00:03:00', '00:04:00']);
    expect(p.status.nextScheduleTime).toBeUndefined();
    expect(p.wakeAt).toBeUndefined();
  });

  it('seconds-precision cron (6 fields) and a bounded catch-up per pass', () => {
    expect(planRecurring(rr({ schedule: '* * * * * *' }), [], T('2026-01-01T00:01:00Z')).create).toHaveLength(10); // default maxConcurrency
    const p = planRecurring(rr({ schedule: '* * * * * *', maxConcurrency: 100 }), [], T('2026-01-01T00:01:00Z'));
    expect(p.create).toHaveLength(20);
    expect(p.create[0]!.scheduledTime).toBe('2026-01-01T00:00:31.000Z');
    expect(p.wakeAt).toBe(T('2026-01-01T00:01:00Z'));
  });
});
