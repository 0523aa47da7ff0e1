// Coalesced status writes: one run waits its interval; many active runs stretch every run's interval so that all of
// them together stay within the writes-per-second bound; a run forgotten (ended) no longer counts.
import { StatusThrottle } from './status-throttle.js';

describe('StatusThrottle', () => {
  let t = 0;
  const clock = (): Date => new Date(t);

  beforeEach(() => {
    t = 1_000_000;
  });

  it('the first change writes at once; the next waits the rest of the interval', () => {
    const th = new StatusThrottle(500, clock, 50);
    expect(th.waitMs('a')).toBe(0);
    th.wrote('a');
    t += 200;
    expect(th.waitMs('a')).toBe(300);
    t += 300;
    expect(th.waitMs('a')).toBe(0);
  });

  it('200 active runs at 50 writes a second: each run waits 4 s; as runs end the interval shrinks back', () => {
    const th = new StatusThrottle(500, clock, 50);
    for (let i = 0; i < 200; i++) th.wrote(`r${i}`);
    expect(th.currentIntervalMs).toBe(4000);
    expect(th.waitMs('r0')).toBe(4000);
    for (let i = 1; i < 200; i++) th.forget(`r${i}`);
    expect(th.currentIntervalMs).toBe(500);
    expect(th.waitMs('r0')).toBe(500);
  });

  it('no bound (0) keeps the interval; interval 0 writes every change at once', () => {
    const unbounded = new StatusThrottle(500, clock, 0);
    for (let i = 0; i < 200; i++) unbounded.wrote(`r${i}`);
    expect(unbounded.waitMs('r0')).toBe(500);
    const every = new StatusThrottle(0, clock, 50);
    for (let i = 0; i < 200; i++) every.wrote(`r${i}`);
    expect(every.waitMs('r0')).toBe(0);
  });
});
