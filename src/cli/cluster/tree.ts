// The task tree of a run (`pipewright get`, `watch`): node ids are paths (`loop/2/task`), so the tree is their
// prefix structure. Pure.
import type { StatusNode } from '../../controller/status.js';
import type { PipelineRunObject } from '../../controller/types.js';
import { clipText, elapsed, phaseIcon, phaseText, table, type Style } from './format.js';

interface TreeNode {
  id: string;
  node: StatusNode;
  children: TreeNode[];
}

const segmentOrder = (a: string, b: string): number => {
  const na = Number(a);
  const nb = Number(b);
  return Number.isInteger(na) && Number.isInteger(nb) ? na - nb : 0;
};

/** Siblings in the order they started (iterations by index), those not started last, then by id. */
function order(a: TreeNode, b: TreeNode): number {
  const la = a.id.slice(a.id.lastIndexOf('/') + 1);
  const lb = b.id.slice(b.id.lastIndexOf('/') + 1);
  const byIndex = segmentOrder(la, lb);
  if (byIndex) return byIndex;
  const sa = a.node.startedAt ? Date.parse(a.node.startedAt) : Infinity;
  const sb = b.node.startedAt ? Date.parse(b.node.startedAt) : Infinity;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.id.localeCompare(b.id);
}

/** Roots of the forest: a node hangs under its nearest ancestor id that is itself a node. */
export function buildTree(nodes: Record<string, StatusNode>): TreeNode[] {
  const byId = new Map<string, TreeNode>(Object.entries(nodes).map(([id, node]) => [id, { id, node, children: [] }]));
  const roots: TreeNode[] = [];
  for (const t of byId.values()) {
    let parent: TreeNode | undefined;
    for (let i = t.id.lastIndexOf('/'); i > 0 && !parent; i = t.id.lastIndexOf('/', i - 1)) parent = byId.get(t.id.slice(0, i));
    (parent ? parent.children : roots).push(t);
  }
  const sort = (list: TreeNode[]): void => {
    list.sort(order);
    for (const t of list) sort(t.children);
  };
  sort(roots);
  return roots;
}

function label(t: TreeNode, parentId: string | undefined): string {
  const rest = parentId ? t.id.slice(parentId.length + 1) : t.id;
  if (t.node.kind === 'iteration') return `[${rest}]`;
  return rest;
}

/** Reason and message of a node, one short line. */
export function nodeDetail(n: StatusNode, max = 80): string {
  const parts = [n.reason, n.message].filter((x): x is string => !!x);
  const attempt = n.attempt && n.attempt > 1 ? `attempt ${n.attempt}` : '';
  return clipText([attempt, ...parts].filter(Boolean).join(': '), max);
}

export interface TreeOptions {
  wide?: boolean;
  now: number;
  style: Style;
}

/** The table of a run's nodes: STEP (tree), PHASE, DURATION, (POD), DETAILS. */
export function taskTable(nodes: Record<string, StatusNode>, o: TreeOptions): string {
  const rows: string[][] = [];
  const walk = (list: TreeNode[], indent: string, parentId: string | undefined): void => {
    list.forEach((t, i) => {
      const last = i === list.length - 1;
      const branch = parentId === undefined ? '' : last ? '└─ ' : '├─ ';
      const n = t.node;
      rows.push([
        `${indent}${branch}${phaseIcon(o.style, n.phase)} ${label(t, parentId)}`,
        phaseText(o.style, n.phase),
        elapsed(n.startedAt, n.finishedAt, o.now),
        ...(o.wide ? [n.pod ?? ''] : []),
        nodeDetail(n, o.wide ? 200 : 70),
      ]);
      walk(t.children, parentId === undefined ? indent : indent + (last ? '   ' : '│  '), t.id);
    });
  };
  walk(buildTree(nodes), '', undefined);
  if (rows.length === 0) return '(no tasks yet)';
  return table(['STEP', 'PHASE', 'DURATION', ...(o.wide ? ['POD'] : []), 'DETAILS'], rows);
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** `task.output = value` lines for every node with outputs, then the run's own outputs. */
export function outputLines(run: PipelineRunObject, max = 200): string[] {
  const lines: string[] = [];
  const add = (owner: string, o: StatusNode['outputs'] | undefined): void => {
    for (const [k, v] of Object.entries(o?.parameters ?? {})) lines.push(`${owner}.${k} = ${clipText(show(v), max)}`);
    for (const [k, list] of Object.entries(o?.artifacts ?? {})) for (const a of list) lines.push(`${owner}.${k} = ${a.uri}${a.type ? ` (${a.type})` : ''}`);
  };
  const nodes = run.status?.nodes ?? {};
  for (const id of Object.keys(nodes).sort()) {
    const n = nodes[id]!;
    if (n.kind === 'container' || n.kind === 'importer') add(id, n.outputs);
  }
  add('(run)', run.status?.outputs);
  for (const name of run.status?.outputs?.omitted ?? []) lines.push(`(run).${name} = (too large for the status; see the artifact store)`);
  return lines;
}

/** The header of `get`: one `Key: value` per line, aligned. */
export function summaryLines(run: PipelineRunObject, pipeline: string, now: number, style: Style): string[] {
  const s = run.status ?? {};
  const args = Object.entries(run.spec?.arguments ?? {}).map(([k, v]) => `${k}=${show(v)}`).join(', ');
  const pairs: [string, string][] = [
    ['Name', run.metadata?.name ?? ''],
    ['Namespace', run.metadata?.namespace ?? ''],
    ['Pipeline', pipeline],
    ['Phase', phaseText(style, s.phase)],
    ['Progress', s.progress ?? '-'],
    ['Created', `${run.metadata?.creationTimestamp ?? '-'}`],
    ['Started', s.startedAt ?? '-'],
    ['Finished', s.finishedAt ?? '-'],
    ['Duration', elapsed(s.startedAt, s.finishedAt, now)],
    ...(args ? [['Arguments', args] as [string, string]] : []),
    ...(run.spec?.cancel ? [['Cancel', 'requested'] as [string, string]] : []),
    ...(s.message ? [['Message', clipText(s.message, 500)] as [string, string]] : []),
    ...(s.nodesRef ? [['Nodes', `${s.nodesSummary?.total ?? '?'} in all; the status holds part of them (all: ${s.nodesRef})`] as [string, string]] : []),
  ];
  const w = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w)}${v}`);
}
