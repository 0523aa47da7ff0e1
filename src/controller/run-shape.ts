// The fields of a PipelineRun the controller reads, checked for their type before anything uses them. The CRD
// schema checks most of them, but not what it cannot see (objects under x-kubernetes-preserve-unknown-fields, such
// as status.nodes) nor objects written before a schema change: a wrong type there would otherwise throw a
// TypeError on every retry. Pure.
import { Reason, TerminalError } from './errors.js';
import type { PipelineRunObject } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
}

/** Throws TerminalError(InvalidRun) naming the first field of the wrong type. */
export function checkRunShape(run: PipelineRunObject): void {
  const problems: string[] = [];
  const want = (path: string, v: unknown, ok: boolean, what: string): void => {
    if (!ok) problems.push(`${path} must be ${what} (got ${kind(v)})`);
  };
  const spec = run.spec as unknown;
  if (spec !== undefined) want('spec', spec, isObject(spec), 'an object');
  if (isObject(spec)) {
    const s = spec;
    if (s.timeout !== undefined) want('spec.timeout', s.timeout, typeof s.timeout === 'string', 'a duration string such as "1h30m"');
    if (s.parallelism !== undefined) want('spec.parallelism', s.parallelism, Number.isInteger(s.parallelism) && (s.parallelism as number) > 0, 'a positive integer');
    for (const f of ['caching', 'cancel'] as const) if (s[f] !== undefined) want(`spec.${f}`, s[f], typeof s[f] === 'boolean', 'true or false');
    for (const f of ['serviceAccountName', 'pipelineYAML'] as const) if (s[f] !== undefined) want(`spec.${f}`, s[f], typeof s[f] === 'string', 'a string');
    for (const f of ['arguments', 'pipelineSpec', 'platformSpec', 'podDefaults', 'pipelineRef'] as const) if (s[f] !== undefined) want(`spec.${f}`, s[f], isObject(s[f]), 'an object');
    if (isObject(s.pipelineRef)) want('spec.pipelineRef.name', s.pipelineRef.name, typeof s.pipelineRef.name === 'string', 'a string');
  }
  const status = run.status as unknown;
  if (status !== undefined) want('status', status, isObject(status), 'an object');
  if (isObject(status)) {
    for (const f of ['startedAt', 'finishedAt', 'phase', 'nodesRef'] as const) if (status[f] !== undefined) want(`status.${f}`, status[f], typeof status[f] === 'string', 'a string');
    if (status.nodes !== undefined) want('status.nodes', status.nodes, isObject(status.nodes), 'an object');
    if (isObject(status.nodes)) {
      for (const [id, n] of Object.entries(status.nodes)) {
        if (!isObject(n)) want(`status.nodes.${id}`, n, false, 'an object');
        else {
          want(`status.nodes.${id}.phase`, n.phase, typeof n.phase === 'string', 'a string');
          if (n.attempt !== undefined) want(`status.nodes.${id}.attempt`, n.attempt, Number.isInteger(n.attempt), 'an integer');
          if (n.outputs !== undefined) want(`status.nodes.${id}.outputs`, n.outputs, isObject(n.outputs), 'an object');
        }
        if (problems.length >= 5) break;
      }
    }
  }
  if (problems.length) {
    const where = problems.some((p) => p.startsWith('status')) ? 'the status is written by the controller only: delete the run and create it again' : 'fix the field and create the run again';
    throw new TerminalError(Reason.InvalidRun, `${problems.slice(0, 5).join('; ')}; ${where}`);
  }
}
