// What one plan of a run keeps for the next (PlanInput.cache), so a pass costs what changed rather than the run's
// size: an executable node's resolved inputs once it started (they were final when it launched: its upstream had
// ended), and the view of a node that ended, or runs with no timeout of its own, while its fact says the same (every field the view is made of; outputs by
// reference, as the controller reads each pod and status version once). A hint: a fresh cache gives the same plan.
// A caller keeps one per run and spec (generation); a new retry round (retryBase) empties it.
import type { JsonValue } from '../model/types.js';
import type { ExecutionFact, NodeOutputs, NodePhase, NodeView, ResolvedInputs } from './state.js';

/** A node's evaluation as its DAG sees it (plan.ts's Eval). */
export interface NodeEval {
  phase: NodePhase;
  displayName: string;
  outputs?: NodeOutputs;
  message?: string;
  started: boolean;
}

interface Resolved {
  inputs: ResolvedInputs;
  platform: Record<string, JsonValue> | undefined;
}

interface Settled {
  fact: ExecutionFact;
  view: NodeView;
  result: NodeEval;
}

export class PlanCache {
  private round = 0;
  private readonly resolved = new Map<string, Resolved>();
  private readonly settled = new Map<string, Settled>();

  /** At the start of each plan: a new round reads earlier attempts differently, so nothing kept holds. */
  begin(round: number): void {
    if (round === this.round) return;
    this.round = round;
    this.resolved.clear();
    this.settled.clear();
  }

  keepInputs(id: string, inputs: ResolvedInputs, platform: Record<string, JsonValue> | undefined): void {
    this.resolved.set(id, { inputs, platform });
  }

  inputsOf(id: string): Resolved | undefined {
    return this.resolved.get(id);
  }

  keepSettled(id: string, fact: ExecutionFact, view: NodeView, result: NodeEval): void {
    this.settled.set(id, { fact, view, result });
  }

  /** The view and result planned from a fact that says what this one says, if that is the one seen last time. */
  settledOf(id: string, fact: ExecutionFact): Settled | undefined {
    const s = this.settled.get(id);
    return s && sameFact(s.fact, fact) ? s : undefined;
  }
}

/** Same in every field a settled node's view is made of (plan.ts evalExecutable); outputs compared by reference. */
function sameFact(a: ExecutionFact, b: ExecutionFact): boolean {
  return a === b || (a.attempt === b.attempt && a.phase === b.phase && a.startedAt === b.startedAt && a.finishedAt === b.finishedAt
    && a.message === b.message && a.outputs === b.outputs);
}
