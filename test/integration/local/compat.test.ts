// The KFP-compatibility pipelines (test/pipelines/compat, compiled by the real kfp SDK with kfp-kubernetes)
// through the local runner and the real kfp executor; expectations in test/pipelines/compat/expectations.json.
// Cases run two at a time: a case with `rerunOf` reuses that case's artifact root (and so its cache index), so it
// runs after it, in the same lane.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import type { JsonValue } from '../../../src/model/types.js';
import type { RunEvent } from '../../../src/local/events.js';
import { runLocal, type LocalRunResult } from '../../../src/local/runner.js';
import { summarize } from '../../../src/local/summary.js';
import { checkCompatRun, loadCompatCases, type AttemptTimes, type CompatCase, type CompatRunOutput } from '../../pipelines/compat/expectations.js';
import { chainsBy, runInLanes } from '../../support/lanes.js';
import { quietLogger, repo } from './helpers.js';

const cases = await loadCompatCases('local');
const roots = new Map<string, string>();
const summaries = new Map<string, CompatRunOutput>();

/** The --output json summary plus what the compat checks read from the engine's nodes. */
function compatSummary(result: LocalRunResult, attempts: Map<string, AttemptTimes>): CompatRunOutput {
  const s = summarize(result) as unknown as CompatRunOutput;
  for (const n of Object.values(result.nodes)) {
    const t = s.tasks[n.id];
    if (!t) continue;
    t.displayName = n.displayName;
    const times = attempts.get(n.id);
    if (times) t.attemptTimes = times;
    if (n.startedAt) t.startedAt = n.startedAt;
    if (n.finishedAt) t.finishedAt = n.finishedAt;
  }
  return s;
}

async function runCase(c: CompatCase): Promise<{ result: LocalRunResult; summary: CompatRunOutput }> {
  const root = c.rerunOf ? roots.get(c.rerunOf) : await mkdtemp(path.join(os.tmpdir(), 'pipewright-compat-'));
  if (!root) throw new Error(`${c.name}: rerunOf ${c.rerunOf} has not run (cases run in file order)`);
  roots.set(c.name, root);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pipewright-compat-files-'));
  const args: Record<string, JsonValue> = { ...(c.args ?? {}) };
  for (const [arg, contents] of Object.entries(c.tempFiles ?? {})) {
    const file = path.join(scratch, `${arg}.txt`);
    await writeFile(file, contents);
    args[arg] = file;
  }
  for (const arg of c.tempPaths ?? []) args[arg] = path.join(scratch, arg);
  const file = path.join(repo, c.ir);
  const pipeline = parseKfpIr(await readFile(file, 'utf8'), file);
  // Attempt start/finish times as the runner reports them (for retry backoff checks).
  const attempts = new Map<string, AttemptTimes>();
  const onEvent = (e: RunEvent): void => {
    if (e.type !== 'task-started' && e.type !== 'task-finished') return;
    const times = attempts.get(e.nodeId) ?? {};
    const at = (times[e.attempt] ??= {});
    if (e.type === 'task-started') at.started = Date.now();
    else at.finished = Date.now();
    attempts.set(e.nodeId, times);
  };
  // As `pipewright run <file>` does: containerized components' modules are found beside the pipeline source.
  const componentDirs = [path.dirname(path.join(repo, c.file))];
  const result = await runLocal(pipeline, { arguments: args, artifactRoot: root, logger: quietLogger, enableCaching: c.noCache !== true, onEvent, componentDirs });
  return { result, summary: compatSummary(result, attempts) };
}

const LANES = 2;
let outcome = new Map<CompatCase, Promise<{ result: LocalRunResult; summary: CompatRunOutput }>>();

describe('KFP compatibility pipelines through the local runner', () => {
  beforeAll(() => {
    outcome = runInLanes(chainsBy(cases, (c) => c.rerunOf ?? c.name), LANES, runCase);
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { result, summary } = await outcome.get(c)!;
    summaries.set(c.name, summary);
    const problems = await checkCompatRun(c, summary, summaries);
    expect(problems).toEqual([]);
    if (c.phase === 'Failed') expect(result.message).toBeTruthy();
  }, 600_000);
});
