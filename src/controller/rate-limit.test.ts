import { RateLimiter, rateLimited } from './rate-limit.js';

describe('RateLimiter', () => {
  it('lets a burst through at once, then spaces requests 1/qps apart', () => {
    let t = 0;
    const l = new RateLimiter({ qps: 10, burst: 3 }, () => t);
    expect([l.reserve(), l.reserve(), l.reserve()]).toEqual([0, 0, 0]);
    expect(l.reserve()).toBeCloseTo(100);
    expect(l.reserve()).toBeCloseTo(200);
    t = 1000; // a second later: the debt of 2 is paid, 8 tokens back, capped at the burst of 3
    expect([l.reserve(), l.reserve(), l.reserve(), l.reserve()]).toEqual([0, 0, 0, 100]);
  });

  it('Infinity qps never waits', () => {
    const l = new RateLimiter({ qps: Infinity, burst: 1 }, () => 0);
    for (let i = 0; i < 100; i++) expect(l.reserve()).toBe(0);
  });

  it('rateLimited takes a token before each call and passes arguments and results through', async () => {
    let taken = 0;
    const l = new RateLimiter({ qps: 1000, burst: 1000 });
    const orig = l.take.bind(l);
    l.take = async () => {
      taken++;
      await orig();
    };
    const ops = rateLimited({ async add(a: number, b: number) { return a + b; } }, l);
    expect(await ops.add(2, 3)).toBe(5);
    expect(await ops.add(1, 1)).toBe(2);
    expect(taken).toBe(2);
  });
});
