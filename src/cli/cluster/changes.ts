// What changed between two versions of a run, as the lines `watch` prints when its output is not a terminal. Pure.
import type { PipelineRunObject } from '../../controller/types.js';
import { clipText } from './format.js';
import { nodeDetail } from './tree.js';

const clock = (now: number): string => new Date(now).toISOString().slice(11, 19);

function nodeLines(prev: PipelineRunObject | undefined, next: PipelineRunObject, t: string): string[] {
  const lines: string[] = [];
  const before = prev?.status?.nodes ?? {};
  const nodes = next.status?.nodes ?? {};
  const ids = Object.keys(nodes).sort((a, b) => (nodes[a]!.startedAt ?? '~').localeCompare(nodes[b]!.startedAt ?? '~') || a.localeCompare(b));
  for (const id of ids) {
    const n = nodes[id]!;
    const was = before[id];
    if (was && was.phase === n.phase && was.attempt === n.attempt) continue;
    if (!was && n.phase === 'Pending' && !n.pod) continue; // not started: listed once it is
    const detail = ['Failed', 'Error', 'Skipped'].includes(n.phase) || (n.attempt ?? 1) > 1 ? nodeDetail(n, 160) : '';
    lines.push(`${t} ${id} ${n.phase}${detail ? ` (${detail})` : ''}`);
  }
  return lines;
}

/** One line per node whose phase changed and one when the run's phase or progress changed; `prev` undefined: the first view. */
export function changeLines(prev: PipelineRunObject | undefined, next: PipelineRunObject, now: number): string[] {
  const t = clock(now);
  const lines = nodeLines(prev, next, t);
  const s = next.status ?? {};
  const p = prev?.status ?? {};
  if (!prev || s.phase !== p.phase || s.progress !== p.progress) {
    const msg = s.message && s.phase !== 'Running' ? ` ${clipText(s.message, 200)}` : '';
    lines.push(`${t} run ${next.metadata?.name} ${s.phase ?? 'Pending'} ${s.progress ?? ''}${msg}`.trimEnd());
  }
  return lines;
}
