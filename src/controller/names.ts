// Deterministic names and labels: idempotence comes from names, not memory. A stale cache that tries to
// create a task pod again gets 409 AlreadyExists instead of a second pod.
import { createHash } from 'node:crypto';

export const GROUP = 'pipewright.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const RUN_PLURAL = 'pipelineruns';
export const RECURRING_PLURAL = 'recurringruns';
export const PIPELINE_PLURAL = 'pipelines';

export const LABEL_RUN = `${GROUP}/run`;
export const LABEL_RUN_UID = `${GROUP}/run-uid`;
export const LABEL_TASK = `${GROUP}/task`;
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ANNOTATION_NODE = `${GROUP}/node-id`;
export const ANNOTATION_ATTEMPT = `${GROUP}/attempt`;
export const ANNOTATION_CACHE = `${GROUP}/cache-fingerprint`;

function dnsLabelPart(s: string, max: number): string {
  const clean = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return clean.slice(0, max).replace(/-$/, '');
}

/** `<run>-<task>-<hash>`, at most 63 characters; the hash covers run uid, node id and attempt. */
export function taskPodName(runName: string, runUid: string, nodeId: string, attempt: number): string {
  const hash = createHash('sha256').update(`${runUid}\0${nodeId}\0${attempt}`).digest('hex').slice(0, 10);
  const leaf = nodeId.split('/').pop() ?? nodeId;
  const run = dnsLabelPart(runName, 28) || 'run';
  const task = dnsLabelPart(leaf, 63 - run.length - hash.length - 2) || 't';
  return `${run}-${task}-${hash}`;
}

/** The labels every object a run makes carries (pods, claims): `kubectl get pods,pvc -l pipewright.dev/run=<run>`. */
export function runLabels(runName: string, runUid: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: 'pipewright', [LABEL_RUN]: labelValue(runName), [LABEL_RUN_UID]: runUid };
}

/** Makes the run the object's controller: deleting the run deletes it. */
export function runOwnerReference(runName: string, runUid: string): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean } {
  return { apiVersion: API_VERSION, kind: 'PipelineRun', name: runName, uid: runUid, controller: true, blockOwnerDeletion: true };
}

/** A label value (63 chars, alphanumeric at both ends). */
export function labelValue(s: string): string {
  return dnsLabelPart(s, 63) || 'x';
}
