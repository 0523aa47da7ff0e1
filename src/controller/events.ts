// Kubernetes events for run and task transitions, derived from the status before and after. Pure.
import type { RunStatus } from './status.js';
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

export function diffEvents(prev: RunStatus, next: RunStatus): RunEvent[] {
  const events: RunEvent[] = [];
  for (const [id, n] of Object.entries(next.nodes ?? {})) {
    if (n.kind !== 'container' && n.kind !== 'importer') continue;
    const before = own(prev.nodes, id);
    if (before?.phase === n.phase && before.message === n.message && before.attempt === n.attempt) continue;
    if (n.phase === 'Pending' && n.message && n.message !== before?.message) {
      events.push({ type: 'Warning', reason: n.attempt && before?.attempt !== n.attempt ? 'TaskRetrying' : 'TaskPending', message: `${id}: ${n.message}`, task: true });
      continue;
    }
    const r = before?.phase !== n.phase ? TASK_REASONS[n.phase] : undefined;
    if (r) events.push({ type: r[0], reason: r[1], message: `${id}${n.message ? `: ${n.message}` : n.pod ? ` (pod ${n.pod})` : ''}`, task: true });
  }
  if (next.phase && next.phase !== prev.phase) {
    const r = RUN_REASONS[next.phase];
    if (r) events.push({ type: r[0], reason: r[1], message: next.message ?? `run ${next.phase.toLowerCase()} (${next.progress ?? ''} tasks done)` });
  }
  return events;
}
