/**
 * Expected outcomes of the pipelines in test/pipelines (data: expectations.json beside this file),
 * and a checker for the local runner's JSON output (`pipewright run <file.py> --output json`):
 *
 *   {phase, tasks: {<task>: {state, reason?, message?, exitCode?, outputs: {parameters: {...},
 *                             artifacts: {<name>: [{uri, metadata}]}}}}}
 *
 * Format of a case (`PipelineCase`):
 * - `file`: the pipeline source (one @dsl.pipeline; sub-pipelines it uses may sit beside it);
 *   its compiled IR is `ir` if given, else `test/fixtures/ir/<basename>.yaml` (`irFixture(case)`).
 * - `slow`: set (to the reason) for cases that need a big env (pandas/scikit-learn).
 * - `args`: run arguments overriding the pipeline's defaults (typed JSON values); none = defaults.
 * - `phase`: the run's final phase.
 * - `tasks`: keyed by IR task key (`dag.tasks` key: `announce-2`, not the display name). Only the
 *   listed tasks are checked (DAG/condition/loop group tasks are not listed). Per task: `state`;
 *   `reason` for Skipped (the engine's SkipReason: ConditionFalse, UpstreamFailed);
 *   `exitCode` for Failed (the runner's exitCode, or "exit code N" in its message/reason);
 *   `parameters`: output parameters that must equal these values (numbers compared with 1e-9
 *   tolerance, objects/lists exactly); `artifacts`: per output artifact (first of its list),
 *   `metadata` (subset match: listed keys only, recursively) and/or `contents` (exact UTF-8 text
 *   of the file at its URI); `iterations`: for a task inside a ParallelFor, one expectation per
 *   iteration in item order.
 * - `kfpLocalDiffers`: why kfp.local (the SDK's runner) cannot serve as an oracle for this case;
 *   every other case was checked against kfp.local with verify_with_kfp_local.py.
 *
 * Runner task keys are matched by the last `/`-separated segment of the key (so `inner/add` and
 * `for-loop-2[1]/square` match `add` and `square`); an iteration index is the last `[i]` in the key.
 * A case's task name containing `/` is a path tail instead (`child-2/show`, `gate/condition-1/echo`):
 * for a task key that several sub-pipeline instances or DAGs share (`matchesTaskPath`); a leading `/`
 * anchors it at the root (`/echo`: the root DAG's `echo`, not a sub-pipeline's).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type ExpectedState = 'Succeeded' | 'Skipped' | 'Failed';

export interface ArtifactExpectation {
  metadata?: Record<string, JsonValue>;
  contents?: string;
}

export interface TaskExpectation {
  state: ExpectedState;
  reason?: string;
  exitCode?: number;
  parameters?: Record<string, JsonValue>;
  artifacts?: Record<string, ArtifactExpectation>;
  iterations?: TaskExpectation[];
}

export interface PipelineCase {
  /** `<file basename>/<variant>`, unique. */
  name: string;
  /** Repo-relative path of the pipeline .py file. */
  file: string;
  /** Repo-relative path of its compiled IR, when not test/fixtures/ir/<basename of file>.yaml. */
  ir?: string;
  /** Why this case is slow (needs a big env); absent for the fast ones. */
  slow?: string;
  args?: Record<string, JsonValue>;
  phase: 'Succeeded' | 'Failed';
  tasks: Record<string, TaskExpectation>;
  kfpLocalDiffers?: string;
}

/** The runner's `--output json` document (only the fields the checker reads). */
export interface RunOutput {
  phase: string;
  tasks: Record<
    string,
    {
      state: string;
      reason?: string;
      message?: string;
      exitCode?: number;
      outputs?: {
        parameters?: Record<string, JsonValue>;
        artifacts?: Record<string, { uri: string; metadata?: Record<string, JsonValue> }[]>;
      };
    }
  >;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function loadCases(): Promise<PipelineCase[]> {
  const text = await fs.readFile(path.join(repoRoot, 'test/pipelines/expectations.json'), 'utf8');
  return (JSON.parse(text) as { cases: PipelineCase[] }).cases;
}

/** Repo-relative path of the committed IR compiled from the case's pipeline. */
export function irFixture(c: PipelineCase): string {
  return c.ir ?? `test/fixtures/ir/${path.basename(c.file, '.py')}.yaml`;
}

/** Reads an artifact's file: `file://` URIs and absolute paths; undefined for anything else. */
export async function readLocalArtifact(uri: string): Promise<string | undefined> {
  const p = uri.startsWith('file://') ? fileURLToPath(uri) : path.isAbsolute(uri) ? uri : undefined;
  return p === undefined ? undefined : fs.readFile(p, 'utf8');
}

function equalJson(want: JsonValue, got: unknown, subsetObjects: boolean): boolean {
  if (typeof want === 'number') return typeof got === 'number' && Math.abs(want - got) < 1e-9;
  if (want === null || typeof want !== 'object') return want === got;
  if (Array.isArray(want)) {
    return Array.isArray(got) && got.length === want.length && want.every((w, i) => equalJson(w, got[i], subsetObjects));
  }
  if (got === null || typeof got !== 'object' || Array.isArray(got)) return false;
  const g = got as Record<string, unknown>;
  const keys = Object.keys(want);
  if (!subsetObjects && Object.keys(g).length !== keys.length) return false;
  return keys.every((k) => k in g && equalJson(want[k]!, g[k], subsetObjects));
}

const show = (v: unknown) => JSON.stringify(v);

/** Last path segment of a runner task key and its iteration index, if any. */
function parseKey(key: string): { task: string; iteration?: number } {
  const segments = key.split('/');
  const iter = [...key.matchAll(/\[(\d+)\]/g)].pop();
  return { task: segments[segments.length - 1]!, ...(iter ? { iteration: Number(iter[1]) } : {}) };
}

type RunTask = RunOutput['tasks'][string];

/**
 * Whether runner key `key` is the task `path` (a `/`-separated tail such as `child-2/show` or
 * `gate/condition-1/echo`): the key without its `[i]` iteration indexes ends with `/<path>` or is it;
 * `/echo` is the whole key (the root DAG's task).
 */
export function matchesTaskPath(key: string, path: string): boolean {
  const plain = key.replace(/\[\d+\]/g, '');
  if (path.startsWith('/')) return plain === path.slice(1);
  return plain === path || plain.endsWith(`/${path}`);
}

export function checkParameters(label: string, exp: Pick<TaskExpectation, 'parameters'>, got: Pick<RunTask, 'outputs'>): string[] {
  const problems: string[] = [];
  const params = got.outputs?.parameters ?? {};
  for (const [name, want] of Object.entries(exp.parameters ?? {})) {
    if (!(name in params)) problems.push(`${label}: output parameter ${name} missing (have: ${Object.keys(params).join(', ')})`);
    else if (!equalJson(want, params[name], false)) problems.push(`${label}: output parameter ${name}: want ${show(want)}, got ${show(params[name])}`);
  }
  return problems;
}

export async function checkArtifacts(label: string, exp: Pick<TaskExpectation, 'artifacts'>, got: Pick<RunTask, 'outputs'>, readArtifact: (uri: string) => Promise<string | undefined>): Promise<string[]> {
  const problems: string[] = [];
  const arts = got.outputs?.artifacts ?? {};
  for (const [name, want] of Object.entries(exp.artifacts ?? {})) {
    const a = arts[name]?.[0];
    if (!a) {
      problems.push(`${label}: output artifact ${name} missing (have: ${Object.keys(arts).join(', ')})`);
      continue;
    }
    if (want.metadata && !equalJson(want.metadata, a.metadata ?? {}, true)) {
      problems.push(`${label}: artifact ${name} metadata: want (subset) ${show(want.metadata)}, got ${show(a.metadata)}`);
    }
    if (want.contents !== undefined) {
      let text: string | undefined;
      try {
        text = await readArtifact(a.uri);
      } catch (e) {
        text = `<${(e as Error).message}>`;
      }
      if (text !== want.contents) problems.push(`${label}: artifact ${name} contents at ${a.uri}: want ${show(want.contents)}, got ${show(text)}`);
    }
  }
  return problems;
}

/**
 * Compares a run's output with a case; returns human-readable mismatches (empty = as expected).
 */
export async function checkRun(
  c: PipelineCase,
  run: RunOutput,
  readArtifact: (uri: string) => Promise<string | undefined> = readLocalArtifact,
): Promise<string[]> {
  const problems: string[] = [];
  if (run.phase !== c.phase) problems.push(`run phase: want ${c.phase}, got ${run.phase}`);
  const byTask = new Map<string, { iteration?: number; key: string; value: RunOutput['tasks'][string] }[]>();
  for (const [key, value] of Object.entries(run.tasks ?? {})) {
    const { task, iteration } = parseKey(key);
    byTask.set(task, [...(byTask.get(task) ?? []), { key, value, ...(iteration !== undefined ? { iteration } : {}) }]);
  }
  const checkOne = async (label: string, exp: TaskExpectation, got: RunOutput['tasks'][string] | undefined) => {
    if (!got) {
      problems.push(`${label}: missing from the run's tasks (have: ${[...byTask.keys()].join(', ')})`);
      return;
    }
    if (got.state !== exp.state) {
      problems.push(`${label}: state: want ${exp.state}, got ${got.state}${got.message ? ` (${got.message})` : ''}`);
      return;
    }
    if (exp.reason !== undefined && got.reason !== exp.reason) problems.push(`${label}: reason: want ${exp.reason}, got ${got.reason}`);
    if (exp.exitCode !== undefined) {
      const text = `${got.reason ?? ''} ${got.message ?? ''}`;
      if (got.exitCode !== exp.exitCode && !new RegExp(`exit(ed with)? code ${exp.exitCode}\\b`).test(text)) {
        problems.push(`${label}: exit code: want ${exp.exitCode}, got exitCode=${got.exitCode} message=${show(text.trim())}`);
      }
    }
    problems.push(...checkParameters(label, exp, got), ...(await checkArtifacts(label, exp, got, readArtifact)));
  };
  for (const [task, exp] of Object.entries(c.tasks)) {
    const found = task.includes('/')
      ? [...byTask.values()].flat().filter((f) => matchesTaskPath(f.key, task))
      : (byTask.get(task) ?? []);
    if (exp.iterations) {
      const its = found.filter((f) => f.iteration !== undefined).sort((a, b) => a.iteration! - b.iteration!);
      if (its.length !== exp.iterations.length) problems.push(`${task}: want ${exp.iterations.length} iterations, got ${its.length} (${found.map((f) => f.key).join(', ')})`);
      for (let i = 0; i < Math.min(its.length, exp.iterations.length); i++) await checkOne(its[i]!.key, exp.iterations[i]!, its[i]!.value);
      continue;
    }
    if (found.length > 1) problems.push(`${task}: ambiguous, several run tasks match (${found.map((f) => f.key).join(', ')})`);
    await checkOne(task, exp, found[0]?.value);
  }
  return problems;
}
