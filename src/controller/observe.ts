// Observed pods → execution facts, read the way a kubelet reports them. Pure.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { ExecutionFact } from '../engine/state.js';
import { failureCause } from '../executor/failure-cause.js';
import { parseTerminationMessage } from '../executor/pod-io-spec.js';
import { ANNOTATION_ATTEMPT, ANNOTATION_CACHE, ANNOTATION_NODE } from './names.js';

export interface PodFact {
  nodeId: string;
  attempt: number;
  podName: string;
  fact: ExecutionFact;
  /** Outputs too large for the termination message live in S3 here. */
  outputsRef?: string;
  /** Set when the task's outputs may be cached under this fingerprint. */
  cacheFingerprint?: string;
}

const WAITING_PROBLEMS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff']);

/** An oci:// input (modelcar) whose image has no /models: the task cannot run with it (the user's input). */
function modelcarFailure(pod: V1Pod): string | undefined {
  const failed = (pod.status?.initContainerStatuses ?? []).find((c) => c.name.startsWith('modelcar-') && (c.state?.terminated?.exitCode ?? 0) !== 0);
  if (!failed) return undefined;
  const image = pod.spec?.initContainers?.find((c) => c.name === failed.name)?.image ?? '';
  return lastLines(failed.state!.terminated!.message, 1) || `modelcar ${image} failed with exit code ${failed.state!.terminated!.exitCode}`;
}

function lastLines(text: string | undefined, n: number): string {
  if (!text) return '';
  const lines = text.trim().split('\n');
  return lines.slice(-n).join(' | ').slice(0, 400);
}

function status(pod: V1Pod, name: string): V1ContainerStatus | undefined {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === name);
}

function iso(d: Date | string | undefined): string | undefined {
  if (!d) return undefined;
  return typeof d === 'string' ? d : d.toISOString();
}

/** Why a pod has not started: unschedulable, image pull errors, missing secrets. */
export function pendingReason(pod: V1Pod): string | undefined {
  const sched = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (sched?.reason === 'Unschedulable') return `unschedulable: ${sched.message ?? 'no node fits the pod'}`;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const w = s.state?.waiting;
    if (w?.reason && WAITING_PROBLEMS.has(w.reason)) return `container ${s.name}: ${w.reason}${w.message ? `: ${w.message}` : ''}`;
  }
  return undefined;
}

export function factFromPod(pod: V1Pod): PodFact | undefined {
  const nodeId = pod.metadata?.annotations?.[ANNOTATION_NODE];
  const attempt = Number(pod.metadata?.annotations?.[ANNOTATION_ATTEMPT]);
  if (!nodeId || !Number.isInteger(attempt)) return undefined;
  const fingerprint = pod.metadata?.annotations?.[ANNOTATION_CACHE];
  const base = { nodeId, attempt, podName: pod.metadata?.name ?? '', ...(fingerprint ? { cacheFingerprint: fingerprint } : {}) };
  const main = status(pod, 'main');
  const startedAt = iso(main?.state?.running?.startedAt ?? main?.state?.terminated?.startedAt);
  const fact: ExecutionFact = { attempt, phase: 'Pending' };
  if (startedAt) fact.startedAt = startedAt;
  const phase = pod.status?.phase;

  if (phase === 'Succeeded') return { ...base, ...succeededFact(pod, main, fact) };
  if (phase === 'Failed') return { ...base, fact: failedFact(pod, main, fact) };
  return { ...base, fact: startedOrPending(pod, main, fact) };
}

/** A pod not ended: Running once main started, else Pending, with what holds it up and since when. */
function startedOrPending(pod: V1Pod, main: V1ContainerStatus | undefined, fact: ExecutionFact): ExecutionFact {
  if (main?.state?.running || main?.state?.terminated) fact.phase = 'Running';
  const why = pendingReason(pod);
  if (why) fact.message = why;
  // The pending deadline (PIPEWRIGHT_PENDING_DEADLINE_SECONDS, spec.pendingTimeout) counts from the pod's creation.
  const created = iso(pod.metadata?.creationTimestamp);
  if (why && fact.phase === 'Pending' && created) fact.stuckSince = created;
  return fact;
}

/** A Succeeded pod: its outputs from the outputs step's report (inline, or by reference when too large). */
function succeededFact(pod: V1Pod, main: V1ContainerStatus | undefined, fact: ExecutionFact): Pick<PodFact, 'fact' | 'outputsRef'> {
  const out = status(pod, 'outputs')?.state?.terminated;
  fact.phase = 'Succeeded';
  fact.finishedAt = iso(out?.finishedAt) ?? iso(main?.state?.terminated?.finishedAt);
  // No report at all means no outputs (a pod completed by something other than our outputs step).
  if (!out?.message?.trim()) return { fact: { ...fact, outputs: { parameters: {}, artifacts: {} } } };
  const report = parseTerminationMessage(out.message);
  if ('ref' in report) return { fact, outputsRef: report.ref };
  if ('outputs' in report) return { fact: { ...fact, outputs: report.outputs } };
  return { fact: { ...fact, phase: 'Error', message: `the outputs step left no readable report: ${report.error.slice(0, 200)}` } };
}

/** A Failed pod: which step failed and why — the user's failure (Failed) or the infrastructure's (Error). */
function failedFact(pod: V1Pod, main: V1ContainerStatus | undefined, fact: ExecutionFact): ExecutionFact {
  fact.finishedAt = iso(main?.state?.terminated?.finishedAt) ?? new Date(0).toISOString();
  if (pod.status?.reason === 'DeadlineExceeded') return { ...fact, phase: 'Failed', message: `timed out: ${pod.status.message ?? 'active deadline exceeded'}` };
  const inputs = status(pod, 'inputs')?.state?.terminated;
  if (inputs && inputs.exitCode !== 0) return { ...fact, phase: 'Error', message: `downloading input artifacts failed: ${lastLines(inputs.message, 2)}` };
  const modelcar = modelcarFailure(pod);
  if (modelcar) return { ...fact, phase: 'Failed', message: modelcar };
  return { ...fact, ...stepFailure(pod, main) };
}

/** Which of main and outputs failed a pod, and why (the pod's own words when neither did). */
function stepFailure(pod: V1Pod, main: V1ContainerStatus | undefined): Pick<ExecutionFact, 'phase' | 'message' | 'exitCode'> {
  const mainT = main?.state?.terminated;
  const outT = status(pod, 'outputs')?.state?.terminated;
  if (mainT && mainT.exitCode !== 0) {
    // The termination message is the log's end (FallbackToLogsOnError): one line of it, the cause.
    const cause = failureCause(mainT.message ?? '');
    return { phase: 'Failed', exitCode: mainT.exitCode, message: `container main failed with exit code ${mainT.exitCode}${cause ? `: ${cause}` : ''}` };
  }
  // The outputs step exits 1 when the task's own outputs are wrong (the user's failure), 2 for infrastructure.
  if (outT && outT.exitCode === 1) return { phase: 'Failed', message: `the task's outputs are invalid: ${lastLines(outT.message, 2)}` };
  if (outT && outT.exitCode !== 0) return { phase: 'Error', message: `uploading outputs failed: ${lastLines(outT.message, 2)}` };
  return { phase: 'Error', message: `pod failed: ${pod.status?.reason ?? ''} ${pod.status?.message ?? ''}`.trim() };
}
