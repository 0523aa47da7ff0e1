// What clean-up a run is due: which of its task pods to delete now, and whether (and when) the finished run itself
// is deleted. Pure: the same run, pods and clock give the same answer, so the I/O side (run-gc-reconciler.ts) can
// repeat it at any time. A pod is deleted only once the run's status has recorded its task's outcome, so the
// reconciler never needs it again (finished nodes whose pods are gone are read from the status).
import type { V1Pod } from '@kubernetes/client-node';
import { isTerminal, isSuccessful, type NodePhase } from '../engine/state.js';
import { ANNOTATION_ATTEMPT, ANNOTATION_NODE } from './names.js';
import type { ArtifactGcDefaults } from './run-artifact-gc.js';
import { pendingRetry } from './run-retry.js';
import { isRunFinished } from './status.js';
import { POD_GC_STRATEGIES, type PipelineRunObject, type PodGCStrategy, type TtlStrategy } from './types.js';

/** The controller's defaults (PIPEWRIGHT_TTL_SECONDS_AFTER_*, PIPEWRIGHT_POD_GC_STRATEGY); a run's spec wins. */
export interface GcDefaults extends ArtifactGcDefaults {
  ttl: TtlStrategy;
  podGC: PodGCStrategy;
}

export interface GcPlan {
  /** Pods to delete now, by name, sorted. */
  deletePods: string[];
  /** The run's TTL is over: delete it (its pods and run-owned claims follow by owner reference). */
  deleteRun: boolean;
  /** When the run's TTL ends, if it is finished and has one that has not ended yet (ms since the epoch). */
  deleteAt?: number;
}

/** The TTL in seconds that applies to a finished run, if any: the outcome's own setting, then the completion one. */
export function ttlSeconds(run: PipelineRunObject, defaults: TtlStrategy): number | undefined {
  const phase = run.status?.phase;
  if (!isRunFinished(phase)) return undefined;
  const pick = (t: TtlStrategy | undefined): number | undefined => {
    if (!t) return undefined;
    const own = phase === 'Succeeded' ? t.secondsAfterSuccess : t.secondsAfterFailure;
    return [own, t.secondsAfterCompletion].find((x): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0);
  };
  return pick(run.spec?.ttlStrategy) ?? pick(defaults);
}

function podGcStrategy(run: PipelineRunObject, defaults: GcDefaults): PodGCStrategy {
  const s = run.spec?.podGC?.strategy;
  return s && (POD_GC_STRATEGIES as readonly string[]).includes(s) ? s : defaults.podGC;
}

/** When the pod's last container ended (ms; 0 when unknown). */
function finishedAt(pod: V1Pod): number {
  let latest = 0;
  for (const list of [pod.status?.initContainerStatuses, pod.status?.containerStatuses]) {
    for (const s of list ?? []) {
      const t = s.state?.terminated?.finishedAt;
      const ms = t instanceof Date ? t.getTime() : t ? Date.parse(String(t)) : 0;
      if (ms > latest) latest = ms;
    }
  }
  return latest;
}

/**
 * Whether the run's stored status already holds the outcome of this pod's attempt (or a later attempt of its
 * task): only then may the pod go while the run runs. Nodes left out of a bounded status are not known here: their
 * pods wait for the run's end.
 */
function recorded(run: PipelineRunObject, pod: V1Pod, wantSuccess: boolean): boolean {
  const nodeId = pod.metadata?.annotations?.[ANNOTATION_NODE];
  const attempt = Number(pod.metadata?.annotations?.[ANNOTATION_ATTEMPT]);
  const node = nodeId !== undefined ? run.status?.nodes?.[nodeId] : undefined;
  if (!node?.attempt || !Number.isInteger(attempt)) return false;
  if (node.attempt > attempt) return !wantSuccess;
  return node.attempt === attempt && isTerminal(node.phase as NodePhase) && (!wantSuccess || isSuccessful(node.phase as NodePhase));
}

/** The pods `strategy` lets go now, before keepLast. */
function collectable(run: PipelineRunObject, pods: V1Pod[], strategy: PodGCStrategy): V1Pod[] {
  const phase = run.status?.phase;
  const finished = isRunFinished(phase);
  // Most strategies let nothing go while the run runs: no need to look at its pods on every pod event.
  if (strategy === 'Never' || (!finished && (strategy === 'OnRunCompletion' || strategy === 'OnRunSuccess'))) return [];
  return pods.filter((pod) => {
    const p = pod.status?.phase;
    if ((p !== 'Succeeded' && p !== 'Failed') || pod.metadata?.deletionTimestamp) return false;
    switch (strategy) {
      case 'OnTaskCompletion': return finished || recorded(run, pod, false);
      case 'OnTaskSuccess': return p === 'Succeeded' && (finished || recorded(run, pod, true));
      case 'OnRunCompletion': return finished;
      case 'OnRunSuccess': return phase === 'Succeeded';
      default: return false;
    }
  });
}

export function planGc(run: PipelineRunObject, pods: V1Pod[], now: number, defaults: GcDefaults): GcPlan {
  // A run asked to retry is about to run again: neither it nor the pods of its last round go yet.
  if (run.metadata?.deletionTimestamp || pendingRetry(run) !== undefined) return { deletePods: [], deleteRun: false };
  const strategy = podGcStrategy(run, defaults);
  let victims = collectable(run, pods, strategy);
  const keep = run.spec?.podGC?.keepLast ?? 0;
  if (keep > 0) {
    // Newest first (ties by name, so the answer does not depend on list order); the first `keep` stay.
    const terminal = pods
      .filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')
      .map((p) => ({ name: p.metadata?.name ?? '', at: finishedAt(p) }));
    const newest = new Set(
      terminal
        .sort((a, b) => b.at - a.at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .slice(0, keep)
        .map((p) => p.name),
    );
    victims = victims.filter((p) => !newest.has(p.metadata?.name ?? ''));
  }
  const deletePods = victims.map((p) => p.metadata!.name!).sort();
  const ttl = ttlSeconds(run, defaults.ttl);
  const ended = Date.parse(run.status?.finishedAt ?? '');
  if (ttl === undefined || Number.isNaN(ended)) return { deletePods, deleteRun: false };
  const deleteAt = ended + ttl * 1000;
  return deleteAt <= now ? { deletePods, deleteRun: true } : { deletePods, deleteRun: false, deleteAt };
}
