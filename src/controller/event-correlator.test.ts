import { EventCorrelator } from './event-correlator.js';

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
