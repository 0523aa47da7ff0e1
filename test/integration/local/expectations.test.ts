// Every case of test/pipelines/expectations.json, compiled by the real kfp SDK, run through the
// local runner with the real kfp executor; outputs and artifact contents checked by checkRun.
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as path from 'node:path';
import { checkRun, irFixture, loadCases, type RunOutput } from '../../pipelines/expectations.js';
import { summarize } from '../../../src/local/summary.js';
import { chainsBy, runInLanes } from '../../support/lanes.js';
import { runFixture, type FixtureRun } from './helpers.js';

const cases = await loadCases();
// Two cases at a time: each run waits on Python processes much of the time.
let outcome = new Map<(typeof cases)[number], Promise<FixtureRun>>();

describe('test/pipelines through the local runner', () => {
  beforeAll(() => {
    outcome = runInLanes(chainsBy(cases, (c) => c.name), 2, (c) => runFixture(path.basename(irFixture(c), '.yaml'), c.args ?? {}));
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { result } = await outcome.get(c)!;
    const problems = await checkRun(c, summarize(result) as unknown as RunOutput);
    expect(problems).toEqual([]);
    if (c.phase === 'Failed') {
      // The run's message names the failing task and its exit code.
      const failed = Object.entries(c.tasks).find(([, t]) => t.state === 'Failed');
      expect(result.message).toContain(failed![0]);
      expect(result.message).toMatch(new RegExp(`exit code ${failed![1].exitCode}`));
    }
  }, 600_000);
});
