// What a local run reports while it goes: consumed by the terminal progress view and by tests.
import type { NodePhase, SkipReason } from '../engine/state.js';

export type RunEvent =
  | { type: 'task-started'; nodeId: string; displayName: string; attempt: number }
  | { type: 'task-log'; nodeId: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'task-finished'; nodeId: string; displayName: string; attempt: number; phase: NodePhase; durationSeconds: number; message?: string; willRetry?: boolean }
  | { type: 'node-skipped'; nodeId: string; displayName: string; reason?: SkipReason; message?: string }
  /** A setting the local run does not apply (kfp-kubernetes), said once per run. */
  | { type: 'warning'; nodeId?: string; message: string }
  /** Slow one-off preparation, e.g. building a Python environment. */
  | { type: 'setup'; nodeId?: string; message: string };

export type RunEventHandler = (event: RunEvent) => void;

/** How the runner asks a task to stop; `phase` is what the attempt is recorded as. */
export class StopRequest {
  constructor(
    readonly message: string,
    readonly phase: 'Cancelled' | 'Failed',
  ) {}
  toString(): string {
    return this.message;
  }
}
