// The end of a local run: a JSON document for machines (--output json) and a text summary for people.
import type { NodeView, RunPhase } from '../engine/state.js';
import type { JsonObject, JsonValue } from '../model/types.js';
import type { LocalRunResult } from './runner.js';

export interface TaskSummary {
  state: string;
  kind: string;
  reason?: string;
  message?: string;
  attempts?: number;
  /** Exit code of the last attempt's process, when it ran one. */
  exitCode?: number;
  durationSeconds?: number;
  outputs: {
    parameters: Record<string, JsonValue>;
    artifacts: Record<string, { uri: string; metadata: JsonObject }[]>;
  };
}

export interface RunSummary {
  phase: RunPhase;
  message?: string;
  runName: string;
  runDir: string;
  durationSeconds: number;
  tasks: Record<string, TaskSummary>;
  /** The root pipeline's outputs (what it returns), once the run succeeded and when it has any. */
  outputs?: TaskSummary['outputs'];
  /** kfp-kubernetes settings the local run did not apply, each once (also printed as the run went). */
  warnings?: string[];
}

function seconds(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  return Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100;
}

function outputsSummary(o: NonNullable<NodeView['outputs']>): TaskSummary['outputs'] {
  const out: TaskSummary['outputs'] = { parameters: { ...o.parameters }, artifacts: {} };
  for (const [name, list] of Object.entries(o.artifacts)) out.artifacts[name] = list.map((a) => ({ uri: a.uri, metadata: a.metadata }));
  return out;
}

function taskSummary(n: NodeView, exitCode?: number): TaskSummary {
  const t: TaskSummary = { state: n.phase, kind: n.kind, outputs: { parameters: {}, artifacts: {} } };
  if (n.reason) t.reason = n.reason;
  if (n.message) t.message = n.message;
  if (n.attempt) t.attempts = n.attempt;
  if (exitCode !== undefined) t.exitCode = exitCode;
  const d = seconds(n.startedAt, n.finishedAt);
  if (d !== undefined) t.durationSeconds = d;
  if (n.outputs) t.outputs = outputsSummary(n.outputs);
  return t;
}

export function summarize(result: LocalRunResult, finishedAt: Date = new Date()): RunSummary {
  const s: RunSummary = {
    phase: result.phase,
    runName: result.run.name,
    runDir: result.runDir,
    durationSeconds: seconds(result.run.createTime, finishedAt.toISOString()) ?? 0,
    tasks: {},
  };
  if (result.message) s.message = result.message;
  for (const n of Object.values(result.nodes)) s.tasks[n.id] = taskSummary(n, result.facts[n.id]?.exitCode);
  const out = result.outputs;
  if (out && (Object.keys(out.parameters).length || Object.keys(out.artifacts).length)) s.outputs = outputsSummary(out);
  if (result.warnings?.length) s.warnings = [...result.warnings];
  return s;
}

const MARK: Record<string, string> = { Succeeded: '✓', Cached: '✓', Failed: '✗', Error: '✗', Skipped: '-', Cancelled: '⊘', Running: '…', Pending: '·' };

function short(v: JsonValue, max = 80): string {
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function metricsLine(meta: JsonObject): string {
  return Object.entries(meta)
    .filter(([k]) => k !== 'display_name')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(6)) : short(v, 40)}`)
    .join('  ');
}

function pipelineOutputLines(o: TaskSummary['outputs']): string[] {
  const lines = ['Pipeline outputs:'];
  for (const [k, v] of Object.entries(o.parameters)) lines.push(`    ${k} = ${short(v)}`);
  for (const [k, list] of Object.entries(o.artifacts)) for (const a of list) lines.push(`    ${k}: ${a.uri}`);
  return lines;
}

/** Text for a person: one line per node (indented by nesting), then its outputs, metrics and artifacts. */
export function formatSummary(result: LocalRunResult, finishedAt: Date = new Date()): string {
  const s = summarize(result, finishedAt);
  const lines: string[] = [];
  const ordered = treeOrder(result.nodes);
  const width = Math.min(40, Math.max(10, ...ordered.map(({ node, depth }) => node.displayName.length + 2 * depth)));
  for (const { node: n, depth } of ordered) {
    const t = s.tasks[n.id]!;
    const indent = '  '.repeat(depth);
    const name = `${indent}${n.kind === 'iteration' ? n.task : n.displayName}`.padEnd(width);
    const time = t.durationSeconds !== undefined ? `${t.durationSeconds.toFixed(1)}s` : '';
    const retries = (t.attempts ?? 1) > 1 ? ` (${t.attempts} attempts)` : '';
    const msg = n.phase !== 'Succeeded' && t.message ? t.message.split('\n') : [];
    lines.push(`${MARK[n.phase] ?? ' '} ${name} ${n.phase.padEnd(9)} ${time.padStart(7)}${retries}${msg[0] ? `  ${msg[0]}` : ''}`.trimEnd());
    const pad = `${indent}    `;
    // The stderr tail of a failure, where the cause usually is.
    for (const l of msg.slice(1).slice(-10)) lines.push(`${pad}| ${l}`);
    if (n.kind !== 'container' && n.kind !== 'importer') continue;
    for (const [k, v] of Object.entries(t.outputs.parameters)) lines.push(`${pad}${k} = ${short(v)}`);
    for (const [k, list] of Object.entries(n.outputs?.artifacts ?? {})) {
      for (const a of list) {
        if (a.type.schemaTitle === 'system.Metrics') lines.push(`${pad}${k} (metrics): ${metricsLine(a.metadata) || '(none logged)'}`);
        else lines.push(`${pad}${k}: ${a.uri}${Object.keys(a.metadata).length ? `  ${short(a.metadata, 60)}` : ''}`);
      }
    }
  }
  if (s.outputs) lines.push(...pipelineOutputLines(s.outputs));
  const head = `Run ${s.runName} ${s.phase} in ${s.durationSeconds.toFixed(1)}s${s.message ? `: ${s.message}` : ''}`;
  const warned = (s.warnings ?? []).map((w) => `⚠ ${w}`);
  return [head, ...lines, ...warned, `Outputs and logs: ${s.runDir}`].join('\n');
}

/** Parents before their children, siblings in the engine's order. */
export function treeOrder(nodes: Record<string, NodeView>): { node: NodeView; depth: number }[] {
  const children = new Map<string | undefined, NodeView[]>();
  for (const n of Object.values(nodes)) {
    const parent = n.parent !== undefined && nodes[n.parent] ? n.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const out: { node: NodeView; depth: number }[] = [];
  const walk = (id: string | undefined, depth: number): void => {
    for (const c of children.get(id) ?? []) {
      out.push({ node: c, depth });
      walk(c.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

