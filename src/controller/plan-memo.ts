// What the last full pass of a run planned from, to skip the next plan when it could not change anything the pass
// would act on now: the run object is the same version, no wake-up time (retry backoff, task or run timeout) has
// come, and every node's fact is the same attempt in the same phase, or moved only between Pending and Running (a
// pod started; nothing downstream can start until a node ends) with the same message and stuck time (a pending pod's
// problem is shown at once, and its pending deadline counts from when it got stuck). Such a pass changes only what its held-back status
// write would show (status-throttle.ts), so it is held back too, without planning (linear in the run's nodes).
// A hint in memory: a restart or a miss costs one full plan, never a wrong one.
import type { ExecutionFact } from '../engine/state.js';

interface Planned {
  resourceVersion: string | undefined;
  /** Per node: attempt, phase and what a pending pod says of its fact. */
  facts: Map<string, Seen>;
  /** The pass's earliest wake-up (ms since epoch), if any. */
  wakeAt: number | undefined;
}

type Seen = { attempt: number; phase: ExecutionFact['phase']; note: string };

const note = (f: ExecutionFact): string => `${f.stuckSince ?? ''}|${f.message ?? ''}`;

const ACTIVE = new Set<ExecutionFact['phase']>(['Pending', 'Running']);

export class PlanMemo {
  private readonly runs = new Map<string, Planned>();

  planned(uid: string, resourceVersion: string | undefined, facts: Record<string, ExecutionFact>, wakeAt: number | undefined): void {
    const m = new Map<string, Seen>();
    for (const [id, f] of Object.entries(facts)) m.set(id, { attempt: f.attempt, phase: f.phase, note: note(f) });
    this.runs.set(uid, { resourceVersion, facts: m, wakeAt });
  }

  /** True when a plan from these facts can only differ from the last one in nodes that went Pending → Running. */
  unchanged(uid: string, resourceVersion: string | undefined, facts: Record<string, ExecutionFact>, nowMs: number): boolean {
    const last = this.runs.get(uid);
    if (!last || last.resourceVersion !== resourceVersion) return false;
    if (last.wakeAt !== undefined && nowMs >= last.wakeAt) return false;
    let n = 0;
    for (const [id, f] of Object.entries(facts)) {
      n++;
      const before = last.facts.get(id);
      if (!before || before.attempt !== f.attempt || before.note !== note(f)) return false;
      if (before.phase !== f.phase && !(ACTIVE.has(before.phase) && ACTIVE.has(f.phase))) return false;
    }
    return n === last.facts.size;
  }

  forget(uid: string): void {
    this.runs.delete(uid);
  }
}
