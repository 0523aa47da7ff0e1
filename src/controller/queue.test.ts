// WorkQueue's pass spacing: a key whose reconcile took long waits a multiple of that before its next one, the
// events meanwhile merged into one; other keys are not held up.
import { MAX_PASS_SPACING_MS, passSpacingMs, WorkQueue } from './queue.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue spacing', () => {
  it('holds a slow key back for spacing(busy) and merges the adds meanwhile into one reconcile', async () => {
    const runs: { key: string; at: number }[] = [];
    const q = new WorkQueue(
      async (key) => {
        runs.push({ key, at: Date.now() });
        if (key === 'ns/big') await sleep(40);
      },
      { workers: 2, spacing: (busy) => busy * 10 },
    );
    q.add('ns/big');
    await sleep(50); // the first pass is over (~40 ms): the key may not run again for ~400 ms
    const ended = Date.now();
    for (let i = 0; i < 20; i++) {
      q.add('ns/big');
      q.add('ns/small');
      await sleep(2);
    }
    await sleep(600);
    await q.idle();
    const big = runs.filter((r) => r.key === 'ns/big');
    expect(big).toHaveLength(2);
    expect(big[1]!.at - ended).toBeGreaterThanOrEqual(300);
    // The quick key was not held up by the slow one: it ran again and again meanwhile.
    const small = runs.filter((r) => r.key === 'ns/small');
    expect(small.length).toBeGreaterThanOrEqual(2);
    expect(small[0]!.at).toBeLessThan(big[1]!.at);
  });

  it('without spacing, a key added after its reconcile ends runs again at once', async () => {
    const runs: number[] = [];
    const q = new WorkQueue(async () => {
      runs.push(Date.now());
      await sleep(30);
    }, { workers: 1 });
    q.add('ns/a');
    await sleep(40);
    const t = Date.now();
    q.add('ns/a');
    await q.idle();
    expect(runs).toHaveLength(2);
    expect(runs[1]! - t).toBeLessThan(100);
  });

  it('stop() drops keys held back by spacing', async () => {
    let calls = 0;
    const q = new WorkQueue(async () => {
      calls++;
      await sleep(20);
    }, { workers: 1, spacing: (busy) => busy * 10 });
    q.add('ns/a');
    await sleep(30);
    q.add('ns/a'); // held back ~200 ms
    await q.stop();
    await sleep(250);
    expect(calls).toBe(1);
  });

  it('passes the key to spacing: a run whose launches wait is held back, another is not', async () => {
    const runs: string[] = [];
    const waiting = new Set(['ns/fanout']);
    const q = new WorkQueue(async (key) => {
      runs.push(key);
    }, { workers: 1, spacing: (busy, key) => passSpacingMs(busy, 2, waiting.has(key)) });
    q.add('ns/fanout');
    q.add('ns/chain');
    await q.idle();
    q.add('ns/fanout'); // held back for the longest spacing
    q.add('ns/chain'); // a pass of ~0 ms: spaced by ~0
    await sleep(100);
    expect(runs).toEqual(['ns/fanout', 'ns/chain', 'ns/chain']);
    await q.stop();
  });
});

describe('passSpacingMs', () => {
  it('is factor × the pass, at most the cap; the cap while launches wait; 0 when spacing is off', () => {
    expect(passSpacingMs(40, 2, false)).toBe(80);
    expect(passSpacingMs(900, 2, false)).toBe(MAX_PASS_SPACING_MS);
    expect(passSpacingMs(1, 2, true)).toBe(MAX_PASS_SPACING_MS);
    expect(passSpacingMs(40, 0, true)).toBe(0);
  });
});
