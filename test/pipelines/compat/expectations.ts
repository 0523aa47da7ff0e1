/**
 * Expected outcomes of the KFP-compatibility pipelines in test/pipelines/compat (data: expectations.json
 * beside this file). Same format as test/pipelines/expectations.json (see ../expectations.ts), extended:
 *
 * Case fields:
 * - `ir`: always given (test/fixtures/ir/compat/<name>.yaml).
 * - `feature`: the rows of docs/kfp-compatibility.md this case covers.
 * - `tempFiles`: `{arg: contents}`: a fresh file with these contents is written and its path passed as
 *   that argument (importer URIs). `tempPaths`: arguments given a fresh path that does not exist yet
 *   (a counter file the flaky task keeps its attempts in).
 * - `rerunOf`: run with the same artifact root (hence the same cache index) right after that case.
 * - `noCache`: run with the run-level caching switch off (`pipewright run --no-cache`).
 * - `allCached`: every container task of the run must be Cached (a rerun with unchanged inputs runs nothing).
 * - `outputs`: the root pipeline's outputs (`{parameters, artifacts}` as for a task: values, artifact contents
 *   and metadata), from the run summary's `outputs` (locally) or the PipelineRun's `status.outputs`.
 * - `modes`: where the case runs, `local` and/or `cluster` (default both); `$comment` says why one is left out.
 * Task fields (besides state/reason/exitCode/parameters/artifacts/iterations):
 * - state may also be `Cached` (outputs reused from the cache index).
 * - `attempts`: how many attempts the task took (retries + 1).
 * - `displayName`: the task's display name (set_display_name).
 * - `messageContains`: a substring of the task's message (a timeout, a cached fingerprint).
 * - `maxConcurrent`: for a task with `iterations`: at most this many iterations ran at once.
 * - `retryDelaysAtLeast`: seconds between the end of attempt n and the start of attempt n+1, lower bounds
 *   (the backoff), one per retry; read from the runner's task events.
 * - `sameAs` / `differentFrom`: a case name; the task's output parameters must equal (differ from) those
 *   of the same task in that case's run (reused vs recomputed outputs).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkArtifacts, checkParameters, checkRun, matchesTaskPath, readLocalArtifact, repoRoot, type ArtifactExpectation, type JsonValue, type PipelineCase, type RunOutput, type TaskExpectation } from '../expectations.js';

export interface CompatTaskExpectation extends Omit<TaskExpectation, 'state' | 'iterations'> {
  state: TaskExpectation['state'] | 'Cached';
  attempts?: number;
  displayName?: string;
  messageContains?: string;
  maxConcurrent?: number;
  retryDelaysAtLeast?: number[];
  sameAs?: string;
  differentFrom?: string;
  iterations?: CompatTaskExpectation[];
}

export interface CompatCase extends Omit<PipelineCase, 'tasks'> {
  ir: string;
  feature: string[];
  tempFiles?: Record<string, string>;
  tempPaths?: string[];
  rerunOf?: string;
  noCache?: boolean;
  allCached?: boolean;
  modes?: ('local' | 'cluster')[];
  /** The root pipeline's outputs (what it returns): parameter values, artifact contents/metadata, as for a task. */
  outputs?: { parameters?: Record<string, JsonValue>; artifacts?: Record<string, ArtifactExpectation> };
  tasks: Record<string, CompatTaskExpectation>;
}

/** When each attempt of a task started and finished (ms since the epoch), by attempt number. */
export type AttemptTimes = Record<number, { started?: number; finished?: number }>;

/** The summary fields the extended checks read, on top of RunOutput (`outputs`: the root pipeline's). */
export type CompatRunOutput = RunOutput & {
  outputs?: RunOutput['tasks'][string]['outputs'];
  tasks: Record<
    string,
    RunOutput['tasks'][string] & { kind?: string; displayName?: string; attempts?: number; startedAt?: string; finishedAt?: string; attemptTimes?: AttemptTimes }
  >;
};

/**
 * The cases that run in `mode`, in file order. PIPEWRIGHT_COMPAT_CASES (a regular expression on case names, with
 * the cases they rerun) narrows them while working on one; the suite runs them all.
 */
export async function loadCompatCases(mode: 'local' | 'cluster'): Promise<CompatCase[]> {
  const text = await fs.readFile(path.join(repoRoot, 'test/pipelines/compat/expectations.json'), 'utf8');
  const cases = (JSON.parse(text) as { cases: CompatCase[] }).cases.filter((c) => !c.modes || c.modes.includes(mode));
  const only = process.env.PIPEWRIGHT_COMPAT_CASES ? new RegExp(process.env.PIPEWRIGHT_COMPAT_CASES) : undefined;
  if (!only) return cases;
  const picked = new Set(cases.filter((c) => only.test(c.name)).flatMap((c) => [c.name, ...(c.rerunOf ? [c.rerunOf] : [])]));
  return cases.filter((c) => picked.has(c.name));
}

/** Runner task keys whose last segment is `task` (loop iterations included). */
function matching(run: CompatRunOutput, task: string): [string, CompatRunOutput['tasks'][string]][] {
  return Object.entries(run.tasks).filter(([key]) => (task.includes('/') ? matchesTaskPath(key, task) : key.split('/').pop() === task));
}

function maxOverlap(intervals: [number, number][]): number {
  const points = intervals.flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (now += d));
  return max;
}

type RunTask = CompatRunOutput['tasks'][string];

/** attempts, displayName, messageContains, sameAs/differentFrom for one (non-iterated) task. */
function checkTask(key: string, exp: CompatTaskExpectation, got: RunTask, earlier: Map<string, CompatRunOutput>): string[] {
  const problems: string[] = [];
  if (exp.attempts !== undefined && (got.attempts ?? 1) !== exp.attempts) problems.push(`${key}: attempts: want ${exp.attempts}, got ${got.attempts ?? 1}`);
  (exp.retryDelaysAtLeast ?? []).forEach((min, i) => {
    const t = got.attemptTimes ?? {};
    const end = t[i + 1]?.finished;
    const next = t[i + 2]?.started;
    if (end === undefined || next === undefined) problems.push(`${key}: no timing for attempts ${i + 1} and ${i + 2}`);
    // 50 ms of slack for clock reads on either side of the wait.
    else if ((next - end) / 1000 < min - 0.05) problems.push(`${key}: retry ${i + 1} started ${((next - end) / 1000).toFixed(2)}s after the failure, want at least ${min}s`);
  });
  if (exp.displayName !== undefined && got.displayName !== exp.displayName) problems.push(`${key}: displayName: want ${exp.displayName}, got ${got.displayName}`);
  if (exp.messageContains !== undefined && !(got.message ?? '').includes(exp.messageContains)) {
    problems.push(`${key}: message should contain ${JSON.stringify(exp.messageContains)}, got ${JSON.stringify(got.message)}`);
  }
  for (const [field, want] of [['sameAs', true], ['differentFrom', false]] as const) {
    const other = exp[field];
    if (!other) continue;
    const before = earlier.get(other)?.tasks[key];
    if (!before) {
      problems.push(`${key}: ${field} ${other}: that case has no task ${key} (run it first)`);
      continue;
    }
    const same = JSON.stringify(before.outputs?.parameters ?? {}) === JSON.stringify(got.outputs?.parameters ?? {});
    if (same !== want) {
      problems.push(`${key}: outputs ${want ? 'differ from' : 'equal'} those in ${other}: ${JSON.stringify(got.outputs?.parameters)} vs ${JSON.stringify(before.outputs?.parameters)}`);
    }
  }
  return problems;
}

/** checkRun plus the compat fields; `earlier` holds the summaries of the cases already run, by name. */
export async function checkCompatRun(
  c: CompatCase,
  run: CompatRunOutput,
  earlier: Map<string, CompatRunOutput>,
  readArtifact?: (uri: string) => Promise<string | undefined>,
): Promise<string[]> {
  const problems = await checkRun(c as unknown as PipelineCase, run, ...(readArtifact ? [readArtifact] : []));
  if (c.outputs) {
    const got = { outputs: run.outputs ?? {} };
    problems.push(...checkParameters('pipeline outputs', c.outputs, got), ...(await checkArtifacts('pipeline outputs', c.outputs, got, readArtifact ?? readLocalArtifact)));
  }
  if (c.allCached) {
    const ran = Object.entries(run.tasks).filter(([, t]) => t.kind === 'container' && t.state !== 'Cached');
    for (const [key, t] of ran) problems.push(`${key}: ${t.state}, want Cached (allCached)`);
  }
  for (const [task, exp] of Object.entries(c.tasks)) {
    const found = matching(run, task);
    if (exp.maxConcurrent !== undefined) {
      const intervals = found
        .filter(([, t]) => t.startedAt && t.finishedAt)
        .map(([, t]) => [Date.parse(t.startedAt!), Date.parse(t.finishedAt!)] as [number, number]);
      const overlap = maxOverlap(intervals);
      if (overlap > exp.maxConcurrent) problems.push(`${task}: ${overlap} iterations ran at once, want at most ${exp.maxConcurrent}`);
    }
    if (exp.iterations || found.length !== 1) continue;
    problems.push(...checkTask(found[0]![0], exp, found[0]![1], earlier));
  }
  return problems;
}
