// The run's DAG as the UI draws it: one scope (the root, an expanded sub-DAG, loop or iteration) at a time, tasks
// not started yet taken from the spec, loops collapsed to counts of their iterations' states. Pure.
import { specTaskOf, specTasksAt } from './spec';
import type { Json, RunState, TaskDetail } from './types';

export interface GraphNode {
  id: string;
  label: string;
  state: RunState;
  /** The controller's phase when it says more than the state (Cached). */
  phase?: string;
  kind: 'task' | 'dag' | 'loop' | 'iteration';
  durationMs?: number;
  /** Why the node is skipped, cached or failed. */
  reason?: string;
  /** For a loop or sub-DAG: its children (iterations or tasks) by state. */
  counts?: Partial<Record<RunState, number>>;
  expandable: boolean;
  expanded: boolean;
  /** The expanded group this node is drawn in ('' for the root). */
  parent: string;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface RunGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Loop iterations left out of an expanded loop (drawn as one "+N more" node). */
  hidden: number;
}

/** Iterations shown when a loop is expanded; the rest are summarized. */
export const MAX_ITERATIONS_SHOWN = 50;

type Obj = Record<string, Json>;

/** A node's parent: a loop iteration `x/loop[3]` belongs to the loop `x/loop`, a task `a/b` to `a`. */
export function parentOf(id: string): string {
  const iteration = /^(.*)\[\d+\]$/.exec(id);
  if (iteration) return iteration[1] ?? '';
  const i = id.lastIndexOf('/');
  return i < 0 ? '' : id.slice(0, i);
}

function childrenIndex(tasks: TaskDetail[]): Map<string, TaskDetail[]> {
  const index = new Map<string, TaskDetail[]>();
  for (const t of tasks) {
    const p = parentOf(t.task_id);
    const list = index.get(p);
    if (list) list.push(t);
    else index.set(p, [t]);
  }
  return index;
}

export function durationMs(t: Pick<TaskDetail, 'start_time' | 'end_time' | 'state'>, now: number): number | undefined {
  if (!t.start_time) return undefined;
  const start = Date.parse(t.start_time);
  const end = t.end_time ? Date.parse(t.end_time) : t.state === 'RUNNING' || t.state === 'PENDING' ? now : NaN;
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : Math.max(0, end - start);
}

function countStates(list: TaskDetail[]): Partial<Record<RunState, number>> {
  const counts: Partial<Record<RunState, number>> = {};
  for (const c of list) {
    const s = c.state ?? 'PENDING';
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

const iterationIndex = (id: string): number => Number(/\[(\d+)\]$/.exec(id)?.[1] ?? 0);

/**
 * The nodes and edges to draw: the root scope, and inside each expanded node its children. A node is expandable
 * when it has children (in the status or, not started yet, in the spec).
 */
export function buildGraph(tasks: TaskDetail[], spec: Obj | undefined, expanded: ReadonlySet<string>, now = Date.now()): RunGraph {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const children = childrenIndex(tasks);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  let hidden = 0;

  const addScope = (scope: string): void => {
    const specTasks = specTasksAt(spec, scope);
    const statusChildren = children.get(scope) ?? [];
    const isLoop = byId.get(scope)?.pipewright_node?.kind === 'loop' || statusChildren.some((c) => /\[\d+\]$/.test(c.task_id));
    const prefix = scope ? `${scope}/` : '';
    const ids = new Set<string>(isLoop ? [] : Object.keys(specTasks).map((n) => prefix + n));
    let list = statusChildren;
    if (isLoop) {
      list = [...statusChildren].sort((a, b) => iterationIndex(a.task_id) - iterationIndex(b.task_id));
      if (list.length > MAX_ITERATIONS_SHOWN) {
        hidden += list.length - MAX_ITERATIONS_SHOWN;
        list = list.slice(0, MAX_ITERATIONS_SHOWN);
      }
    }
    for (const c of list) ids.add(c.task_id);
    for (const id of ids) {
      const t = byId.get(id);
      const st = specTaskOf(spec, id);
      const kids = children.get(id) ?? [];
      const kindOfNode = t?.pipewright_node?.kind;
      const looped = kindOfNode === 'loop' || (!t && st?.loop) || kids.some((c) => /\[\d+\]$/.test(c.task_id));
      const kind: GraphNode['kind'] = kindOfNode === 'iteration' ? 'iteration' : looped ? 'loop' : kindOfNode === 'dag' || Object.keys(specTasksAt(spec, id)).length ? 'dag' : 'task';
      const expandable = kind !== 'task';
      const isOpen = expandable && expanded.has(id);
      const phase = t?.pipewright_node?.phase;
      const reason = t?.pipewright_node?.message ?? t?.error?.message ?? (phase === 'Cached' ? 'outputs reused from an earlier run (cache hit)' : undefined);
      nodes.push({
        id,
        label: kind === 'iteration' ? `#${iterationIndex(id)}` : (st?.displayName ?? t?.display_name ?? id.slice(prefix.length)),
        state: t?.state ?? 'PENDING',
        phase: phase === 'Cached' ? 'Cached' : undefined,
        kind,
        durationMs: t ? durationMs(t, now) : undefined,
        reason: t?.state === 'SKIPPED' || t?.state === 'FAILED' || phase === 'Cached' ? reason : undefined,
        counts: (kind === 'loop' || kind === 'dag') && kids.length ? countStates(kids) : undefined,
        expandable,
        expanded: isOpen,
        parent: scope,
      });
      if (isOpen) addScope(id);
    }
    if (!isLoop) {
      for (const [name, st] of Object.entries(specTasks)) {
        for (const dep of st.dependsOn) if (ids.has(prefix + dep)) edges.push({ from: prefix + dep, to: prefix + name });
      }
    }
  };
  addScope('');
  return { nodes, edges, hidden };
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export const STATE_LABEL: Record<RunState, string> = {
  RUNTIME_STATE_UNSPECIFIED: 'Unknown', PENDING: 'Pending', RUNNING: 'Running', SUCCEEDED: 'Succeeded', SKIPPED: 'Skipped',
  FAILED: 'Failed', CANCELING: 'Canceling', CANCELED: 'Canceled', PAUSED: 'Paused',
};

export function countsText(counts: Partial<Record<RunState, number>> | undefined): string {
  if (!counts) return '';
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  const parts = (Object.entries(counts) as [RunState, number][]).map(([s, n]) => `${n} ${STATE_LABEL[s].toLowerCase()}`);
  return `${total}: ${parts.join(', ')}`;
}
