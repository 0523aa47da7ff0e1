// Retrying a finished run in place (spec.retry, a generation the user bumps): what the controller writes. Pure.
// The new round starts above every attempt number used so far (status.retry.attemptBase), so retried tasks get
// new deterministic pod names and the engine forgets their earlier failures (PlanInput.retryBase); tasks that
// succeeded keep their outputs. The earlier rounds' pods stay for their logs (pod GC decides their fate).
import { isSuccessful, isTerminal, type NodePhase } from '../engine/state.js';
import { runConditions, type RunStatus, type StatusNode } from './status.js';
import type { PipelineRunObject } from './types.js';

/** Reasons of the retry's events and conditions. */
export const RetryReason = {
  Retrying: 'Retrying',
  /** spec.retry was bumped on a Cancelled run that still has spec.cancel true. */
  RetryRefused: 'RetryRefused',
  /** spec.retry was bumped on a run that succeeded: nothing to run again. */
  RetryNotNeeded: 'RetryNotNeeded',
} as const;

/** What status.retry records: the last spec.retry acted on, how many rounds ran again, where attempts restart. */
export interface RetryStatus {
  generation: number;
  count: number;
  /** Attempts numbered up to this belong to earlier rounds. */
  attemptBase: number;
  retriedAt?: string;
}

export type RetryDecision =
  | { action: 'none' }
  /** Write `status` (the run runs again) and a Normal event. */
  | { action: 'retry'; status: RunStatus; message: string }
  /** Record that this generation was seen (so it is not acted on again) and say why nothing ran. */
  | { action: 'ignore'; status: RunStatus; reason: string; message: string; warning: boolean };

/** The spec.retry generation asked for, if it is newer than the one the status acted on. */
export function pendingRetry(run: PipelineRunObject): number | undefined {
  const asked = run.spec?.retry;
  if (typeof asked !== 'number' || !Number.isInteger(asked) || asked < 1) return undefined;
  const seen = run.status?.retry?.generation ?? 0;
  return asked > seen ? asked : undefined;
}

/** The highest attempt number the run has used: in its nodes and in the attempts of its pods. */
export function highestAttempt(nodes: Record<string, StatusNode> | undefined, podAttempts: Iterable<number>): number {
  let max = 0;
  for (const n of Object.values(nodes ?? {})) if (n.attempt && n.attempt > max) max = n.attempt;
  for (const a of podAttempts) if (Number.isInteger(a) && a > max) max = a;
  return max;
}

/**
 * What to do about spec.retry on a finished run. `nodes` are all of the run's nodes (also those kept at nodesRef),
 * `podAttempts` the attempt numbers of its pods; the written status keeps the stored (possibly bounded) nodes.
 */
export function decideRetry(run: PipelineRunObject, nodes: Record<string, StatusNode> | undefined, podAttempts: Iterable<number>, now: string): RetryDecision {
  const generation = pendingRetry(run);
  const stored: RunStatus = run.status ?? {};
  if (generation === undefined || !stored.phase) return { action: 'none' };
  const previous = stored.retry;
  const seen = (): RunStatus => ({ ...stored, retry: { ...(previous ?? { count: 0, attemptBase: 0 }), generation } });
  if (stored.phase === 'Succeeded') {
    return { action: 'ignore', status: seen(), reason: RetryReason.RetryNotNeeded, message: `spec.retry=${generation}: the run succeeded, nothing to run again`, warning: false };
  }
  if (stored.phase !== 'Failed' && stored.phase !== 'Error' && stored.phase !== 'Cancelled') return { action: 'none' };
  if (run.spec?.cancel === true) {
    return {
      action: 'ignore', status: seen(), reason: RetryReason.RetryRefused, warning: true,
      message: `spec.retry=${generation} ignored: spec.cancel is still true; set spec.cancel to false and bump spec.retry in the same update`,
    };
  }
  const count = (previous?.count ?? 0) + 1;
  const attemptBase = Math.max(highestAttempt(nodes, podAttempts), previous?.attemptBase ?? 0);
  const rerun = Object.values(nodes ?? {}).filter((n) => n.kind === 'container' && !isSuccessful(n.phase as NodePhase) && n.phase !== 'Skipped').length;
  const message = `retry ${count} (spec.retry=${generation}): running the tasks that did not succeed again (${rerun} failed, cancelled or not started), keeping the outputs of those that did`;
  const status: RunStatus = {
    phase: 'Running',
    ...(stored.progress ? { progress: stored.progress } : {}),
    message: message.slice(0, 300),
    // The deadline of spec.timeout counts from here: the new round gets the whole of it.
    startedAt: now,
    ...(run.metadata?.generation !== undefined ? { observedGeneration: run.metadata.generation } : {}),
    conditions: runConditions('Running', RetryReason.Retrying, message, stored, now, run.metadata?.generation),
    ...(stored.nodes ? { nodes: stored.nodes } : {}),
    ...(stored.nodesRef ? { nodesRef: stored.nodesRef } : {}),
    ...(stored.nodesSummary ? { nodesSummary: stored.nodesSummary } : {}),
    retry: { generation, count, attemptBase, retriedAt: now },
  };
  return { action: 'retry', status, message };
}

/**
 * The stored nodes as the reconciler should read them in a retried run: the controller's own "stopped" mark on an
 * earlier round's unsuccessful attempt would make observe() trust that attempt over the new round's pod.
 */
export function forgetEarlierRounds(nodes: Record<string, StatusNode> | undefined, attemptBase: number | undefined): Record<string, StatusNode> | undefined {
  if (!nodes || !attemptBase) return nodes;
  let out: Record<string, StatusNode> | undefined;
  for (const [id, n] of Object.entries(nodes)) {
    if (!n.stopped || !n.attempt || n.attempt > attemptBase || isSuccessful(n.phase) || !isTerminal(n.phase)) continue;
    out ??= { ...nodes };
    const { stopped: _stopped, ...rest } = n;
    out[id] = rest;
  }
  return out ?? nodes;
}
