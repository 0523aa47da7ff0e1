import { EventCorrelator, EventSpamFilter } from './event-correlator.js';

describe('EventCorrelator', () => {
  const k = EventCorrelator.key('uid-1', 'Warning', 'TaskPending', 'a: ImagePullBackOff');

  it('aggregates the same object, type, reason and message within the window', () => {
    const c = new EventCorrelator(10, 1000);
    expect(c.lookup(k, 0)).toBeUndefined();
    c.remember(k, 'run.abc', 1, 0);
    expect(c.lookup(k, 500)).toEqual({ name: 'run.abc', count: 1, at: 0 });
    c.remember(k, 'run.abc', 2, 500);
    expect(c.lookup(k, 1400)?.count).toBe(2);
    // Another message or another object: a new Event.
    expect(c.lookup(EventCorrelator.key('uid-1', 'Warning', 'TaskPending', 'a: ErrImagePull'), 600)).toBeUndefined();
    expect(c.lookup(EventCorrelator.key('uid-2', 'Warning', 'TaskPending', 'a: ImagePullBackOff'), 600)).toBeUndefined();
    // Past the window since the last one: a new Event.
    expect(c.lookup(k, 1600)).toBeUndefined();
  });

  it('forgets the least recently used keys beyond its bound, and on request', () => {
    const c = new EventCorrelator(2, 1000);
    c.remember('a', 'ea', 1, 0);
    c.remember('b', 'eb', 1, 0);
    c.remember('a', 'ea', 2, 1);
    c.remember('c', 'ec', 1, 2);
    expect([c.lookup('a', 3)?.name, c.lookup('b', 3)?.name, c.lookup('c', 3)?.name]).toEqual(['ea', undefined, 'ec']);
    c.forget('a');
    expect(c.lookup('a', 3)).toBeUndefined();
  });
});

describe('EventSpamFilter', () => {
  it('lets a run send its burst, says once that it is limited, then one per refill', () => {
    const f = new EventSpamFilter(3, 1000);
    expect([0, 1, 2].map(() => f.take('r1', 0))).toEqual(['send', 'send', 'send']);
    expect(f.take('r1', 10)).toBe('limited');
    expect(f.take('r1', 20)).toBe('drop');
    // Another run has its own bucket.
    expect(f.take('r2', 20)).toBe('send');
    expect(f.take('r1', 999)).toBe('drop');
    expect(f.take('r1', 1000)).toBe('send');
    expect(f.take('r1', 1500)).toBe('drop');
    // 2.5 refills later: two tokens, and the half is kept for the next.
    expect(f.take('r1', 3500)).toBe('send');
    expect(f.take('r1', 3500)).toBe('send');
    expect(f.take('r1', 3500)).toBe('drop');
    expect(f.take('r1', 4000)).toBe('send');
  });

  it('refills to its burst at most, and forgets runs', () => {
    const f = new EventSpamFilter(2, 100);
    f.take('r', 0);
    f.take('r', 0);
    expect(f.take('r', 0)).toBe('limited');
    // A long quiet spell gives back the burst, no more.
    expect([1, 2, 3].map(() => f.take('r', 1_000_000))).toEqual(['send', 'send', 'drop']);
    f.forget('r');
    expect(f.take('r', 1_000_001)).toBe('send');
  });

  it('keeps a bounded number of runs', () => {
    const f = new EventSpamFilter(1, 1000, 2);
    f.take('a', 0);
    f.take('b', 0);
    f.take('c', 0); // 'a' is forgotten: a full bucket again
    expect(f.take('a', 1)).toBe('send');
    expect(f.take('c', 1)).toBe('limited');
  });
});
