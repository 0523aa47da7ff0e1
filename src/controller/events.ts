// Kubernetes events for run and task transitions, derived from the status before and after. Pure.
import type { RunStatus, StatusNode } from './status.js';
import { own } from '../util/own.js';

export interface RunEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** A task's transition (limited per run: EventSpamFilter), not the run's. */
  task?: true;
}

const RUN_REASONS: Record<string, [RunEvent['type'], string]> = {
  Running: ['Normal', 'RunStarted'],
  Succeeded: ['Normal', 'RunSucceeded'],
  Failed: ['Warning', 'RunFailed'],
  Error: ['Warning', 'RunError'],
  Cancelled: ['Normal', 'RunCancelled'],
};

const TASK_REASONS: Record<string, [RunEvent['type'], string]> = {
  Running: ['Normal', 'TaskStarted'],
  Succeeded: ['Normal', 'TaskSucceeded'],
  Cached: ['Normal', 'TaskCached'],
  Failed: ['Warning', 'TaskFailed'],
  Error: ['Warning', 'TaskError'],
  Skipped: ['Normal', 'TaskSkipped'],
  Cancelled: ['Normal', 'TaskCancelled'],
};

/** The event of one task node that changed between two statuses, if any. */
function taskEvent(id: string, n: StatusNode, before: StatusNode | undefined): RunEvent | undefined {
  if (before?.phase === n.phase && before.message === n.message && before.attempt === n.attempt) return undefined;
  if (n.phase === 'Pending' && n.message && n.message !== before?.message) {
    return { type: 'Warning', reason: n.attempt && before?.attempt !== n.attempt ? 'TaskRetrying' : 'TaskPending', message: `${id}: ${n.message}`, task: true };
  }
  const r = before?.phase !== n.phase ? TASK_REASONS[n.phase] : undefined;
  return r ? { type: r[0], reason: r[1], message: `${id}${n.message ? `: ${n.message}` : n.pod ? ` (pod ${n.pod})` : ''}`, task: true } : undefined;
}

export function diffEvents(prev: RunStatus, next: RunStatus): RunEvent[] {
  const events: RunEvent[] = [];
  for (const [id, n] of Object.entries(next.nodes ?? {})) {
    if (n.kind !== 'container' && n.kind !== 'importer') continue;
    const e = taskEvent(id, n, own(prev.nodes, id));
    if (e) events.push(e);
  }
  if (next.phase && next.phase !== prev.phase) {
    const r = RUN_REASONS[next.phase];
    if (r) events.push({ type: r[0], reason: r[1], message: next.message ?? `run ${next.phase.toLowerCase()} (${next.progress ?? ''} tasks done)` });
  }
  return events;
}
