// The short fuzz run (bench/fuzz.ts; `npm run fuzz -- --count N` for long ones): generated inputs through
// parse → validate → plan give a located PipelineError or a plan, never a crash or a hang.
import { describe, expect, it } from '@jest/globals';
import { fuzz } from '../../bench/fuzz.js';

describe('fuzz parse → validate → plan', () => {
  it('2,000 generated inputs: no crash, no hang, and some accepted and some rejected', () => {
    const seed = Number(process.env.PIPEWRIGHT_FUZZ_SEED ?? 20261206);
    const report = fuzz({ seed, count: 2000, hangMs: 5000 });
    // The seed is in the failure output so a failing run can be replayed with npm run fuzz -- --seed N.
    expect({ seed, problems: report.problems.map((p) => `#${p.index} ${p.kind}: ${p.message}`) }).toEqual({ seed, problems: [] });
    expect(report.accepted).toBeGreaterThan(0);
    expect(report.rejected).toBeGreaterThan(0);
  }, 180_000);
});
