// The fields of a PipelineRun the controller reads, checked for their type before anything uses them. The CRD
// schema checks most of them, but not what it cannot see (objects under x-kubernetes-preserve-unknown-fields, such
// as status.nodes) nor objects written before a schema change: a wrong type there would otherwise throw a
// TypeError on every retry. Pure.
import { Reason, TerminalError } from './errors.js';
import type { PipelineRunObject } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_PROBLEMS = 5;

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
}

type Want = (path: string, v: unknown, ok: boolean, what: string) => void;

function collector(): { problems: string[]; want: Want } {
  const problems: string[] = [];
  return { problems, want: (path, v, ok, what) => void (!ok && problems.push(`${path} must be ${what} (got ${kind(v)})`)) };
}

function specProblems(spec: unknown, want: Want): void {
  want('spec', spec, isObject(spec), 'an object');
  if (!isObject(spec)) return;
  if (spec.timeout !== undefined) want('spec.timeout', spec.timeout, typeof spec.timeout === 'string', 'a duration string such as "1h30m"');
  if (spec.pendingTimeout !== undefined) want('spec.pendingTimeout', spec.pendingTimeout, typeof spec.pendingTimeout === 'string', 'a duration string such as "10m"');
  if (spec.parallelism !== undefined) want('spec.parallelism', spec.parallelism, Number.isInteger(spec.parallelism) && (spec.parallelism as number) > 0, 'a positive integer');
  for (const f of ['caching', 'cancel'] as const) if (spec[f] !== undefined) want(`spec.${f}`, spec[f], typeof spec[f] === 'boolean', 'true or false');
  for (const f of ['serviceAccountName', 'pipelineYAML'] as const) if (spec[f] !== undefined) want(`spec.${f}`, spec[f], typeof spec[f] === 'string', 'a string');
  for (const f of ['arguments', 'pipelineSpec', 'platformSpec', 'podDefaults', 'pipelineRef'] as const) if (spec[f] !== undefined) want(`spec.${f}`, spec[f], isObject(spec[f]), 'an object');
  if (isObject(spec.pipelineRef)) want('spec.pipelineRef.name', spec.pipelineRef.name, typeof spec.pipelineRef.name === 'string', 'a string');
}

function statusShape(status: unknown, want: Want, problems: string[]): void {
  want('status', status, isObject(status), 'an object');
  if (!isObject(status)) return;
  for (const f of ['startedAt', 'finishedAt', 'phase', 'nodesRef'] as const) if (status[f] !== undefined) want(`status.${f}`, status[f], typeof status[f] === 'string', 'a string');
  if (status.nodes === undefined) return;
  want('status.nodes', status.nodes, isObject(status.nodes), 'an object');
  if (!isObject(status.nodes)) return;
  for (const [id, n] of Object.entries(status.nodes)) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (!isObject(n)) {
      want(`status.nodes.${id}`, n, false, 'an object');
      continue;
    }
    want(`status.nodes.${id}.phase`, n.phase, typeof n.phase === 'string', 'a string');
    if (n.attempt !== undefined) want(`status.nodes.${id}.attempt`, n.attempt, Number.isInteger(n.attempt), 'an integer');
    if (n.outputs !== undefined) want(`status.nodes.${id}.outputs`, n.outputs, isObject(n.outputs), 'an object');
  }
}

/** What is wrong with a status's shape, at most a few problems; empty when it can be read. */
export function statusProblems(status: unknown): string[] {
  const { problems, want } = collector();
  statusShape(status, want, problems);
  return problems.slice(0, MAX_PROBLEMS);
}

/** Throws TerminalError(InvalidRun) naming the first fields of the wrong type. */
export function checkRunShape(run: PipelineRunObject): void {
  const { problems, want } = collector();
  if (run.spec !== undefined) specProblems(run.spec, want);
  if (run.status !== undefined) statusShape(run.status, want, problems);
  if (problems.length) {
    const where = problems.some((p) => p.startsWith('status')) ? 'the status is written by the controller only: delete the run and create it again' : 'fix the field and create the run again';
    throw new TerminalError(Reason.InvalidRun, `${problems.slice(0, MAX_PROBLEMS).join('; ')}; ${where}`);
  }
}
