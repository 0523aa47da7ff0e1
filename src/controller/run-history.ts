// A finished run's summary, kept in the artifact store after the PipelineRun is gone:
//   <pipeline root>/<namespace>/.history/<run uid>.json
// Written by the clean-up reconciler before a run can be deleted; read back by listHistory/readHistory. The
// summary is pure; the store does the I/O.
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifacts/store.js';
import { checkSegment } from '../artifacts/keys.js';
import type { JsonValue } from '../model/types.js';
import type { RunStatus, StatusNode } from './status.js';
import type { PipelineRunObject } from './types.js';

export const HISTORY_VERSION = 'pipewright.dev/run-history/v1';

export interface RunHistory {
  apiVersion: typeof HISTORY_VERSION;
  uid: string;
  name: string;
  namespace: string;
  createdAt?: string;
  labels?: Record<string, string>;
  /** Pipewright's own annotations (KFP display name, description, pipeline ids); not kubectl's. */
  annotations?: Record<string, string>;
  /** The spec without the pipeline itself (a referenced Pipeline by name, an inline one by name and digest). */
  spec: {
    pipelineRef?: { name: string };
    pipeline?: { name?: string; sha256: string };
    arguments?: Record<string, JsonValue>;
    serviceAccountName?: string;
    timeout?: string;
    retry?: number;
  };
  phase?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  duration?: string;
  retry?: RunStatus['retry'];
  outputs?: RunStatus['outputs'];
  /** Per task (executable nodes and their DAGs): phase, attempt, times, message, outputs as the status held them. */
  tasks: Record<string, Omit<StatusNode, 'stopped'>>;
  /** Set when the run was too large for its status: every node is in this object. */
  nodesRef?: string;
}

export function historyDir(pipelineRoot: string, namespace: string): string {
  const root = pipelineRoot.endsWith('/') ? pipelineRoot.slice(0, -1) : pipelineRoot;
  return `${root}/${checkSegment(namespace, 'namespace')}/.history`;
}

export function historyUri(pipelineRoot: string, namespace: string, uid: string): string {
  return `${historyDir(pipelineRoot, namespace)}/${checkSegment(uid, 'run uid')}.json`;
}

function pipelineName(run: PipelineRunObject): string | undefined {
  const spec = run.spec ?? {};
  const info = (spec.pipelineSpec as { pipelineInfo?: { name?: unknown }; name?: unknown } | undefined);
  const fromSpec = info?.pipelineInfo?.name ?? info?.name;
  if (typeof fromSpec === 'string') return fromSpec;
  const m = typeof spec.pipelineYAML === 'string' ? /^pipelineInfo:\s*\n\s+name:\s*(\S+)/m.exec(spec.pipelineYAML) : null;
  return m?.[1];
}

export function runHistory(run: PipelineRunObject): RunHistory {
  const spec = run.spec ?? {};
  const status: RunStatus = run.status ?? {};
  const source = spec.pipelineSpec ?? spec.pipelineYAML;
  const tasks: RunHistory['tasks'] = {};
  for (const [id, n] of Object.entries(status.nodes ?? {})) {
    const { stopped: _stopped, ...rest } = n;
    tasks[id] = rest;
  }
  const name = pipelineName(run);
  const h: RunHistory = {
    apiVersion: HISTORY_VERSION,
    uid: run.metadata!.uid!,
    name: run.metadata!.name!,
    namespace: run.metadata!.namespace!,
    spec: {
      ...(spec.pipelineRef ? { pipelineRef: { name: spec.pipelineRef.name } } : {}),
      ...(source !== undefined ? { pipeline: { ...(name ? { name } : {}), sha256: createHash('sha256').update(JSON.stringify(source)).digest('hex') } } : {}),
      ...(spec.arguments ? { arguments: spec.arguments } : {}),
      ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
      ...(spec.timeout ? { timeout: spec.timeout } : {}),
      ...(spec.retry ? { retry: spec.retry } : {}),
    },
    tasks,
  };
  const created = run.metadata?.creationTimestamp;
  if (created) h.createdAt = new Date(created).toISOString();
  if (run.metadata?.labels && Object.keys(run.metadata.labels).length) h.labels = run.metadata.labels;
  const own = Object.entries(run.metadata?.annotations ?? {}).filter(([k]) => k.startsWith('pipewright.dev/'));
  if (own.length) h.annotations = Object.fromEntries(own);
  for (const f of ['phase', 'message', 'startedAt', 'finishedAt', 'duration', 'retry', 'outputs', 'nodesRef'] as const) {
    if (status[f] !== undefined) (h as unknown as Record<string, unknown>)[f] = status[f];
  }
  return h;
}

export async function writeHistory(store: ArtifactStore, pipelineRoot: string, run: PipelineRunObject): Promise<string> {
  const uri = historyUri(pipelineRoot, run.metadata!.namespace!, run.metadata!.uid!);
  await store.putJson(uri, runHistory(run));
  return uri;
}

/** The runs of a namespace kept in history, newest finish first. */
export async function listHistory(store: ArtifactStore, pipelineRoot: string, namespace: string): Promise<RunHistory[]> {
  const uris = (await store.list(historyDir(pipelineRoot, namespace))).filter((u) => u.endsWith('.json'));
  const all = await Promise.all(uris.map((u) => store.getJson<RunHistory>(u)));
  return all.filter((h) => h?.apiVersion === HISTORY_VERSION).sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
}

export function readHistory(store: ArtifactStore, pipelineRoot: string, namespace: string, uid: string): Promise<RunHistory> {
  return store.getJson<RunHistory>(historyUri(pipelineRoot, namespace, uid));
}

/** Marks a PipelineRun object made from a history summary: its value is the summary's URI. */
export const ANNOTATION_HISTORY = 'pipewright.dev/history';

/**
 * A deleted run as a PipelineRun object, so the CLI and the API show it like any run: the summary's spec (without
 * the pipeline body), status and task nodes; annotated with the summary's URI and labelled archived (KFP's archive).
 */
export function runFromHistory(h: RunHistory, uri: string): PipelineRunObject {
  const { pipeline: _pipeline, ...spec } = h.spec;
  const status: RunStatus = { nodes: h.tasks, historyRef: uri };
  for (const f of ['phase', 'message', 'startedAt', 'finishedAt', 'duration', 'retry', 'outputs', 'nodesRef'] as const) {
    if (h[f] !== undefined) (status as Record<string, unknown>)[f] = h[f];
  }
  return {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: {
      name: h.name, namespace: h.namespace, uid: h.uid,
      ...(h.createdAt ? { creationTimestamp: new Date(h.createdAt) } : {}),
      labels: { ...(h.labels ?? {}), 'pipewright.dev/storage-state': 'ARCHIVED' },
      annotations: { ...(h.annotations ?? {}), [ANNOTATION_HISTORY]: uri },
    },
    spec: spec as PipelineRunObject['spec'],
    status,
  };
}

/** Whether the object is a run read back from history (its PipelineRun is gone). */
export const isFromHistory = (run: PipelineRunObject): boolean => run.metadata?.annotations?.[ANNOTATION_HISTORY] !== undefined;

/**
 * Runs of a namespace kept only in history: the summaries whose uid is not among `live` (runs that still exist show
 * their objects), as PipelineRun objects, newest finish first.
 */
export async function historyRuns(store: ArtifactStore, pipelineRoot: string, namespace: string, live: ReadonlyArray<PipelineRunObject>): Promise<PipelineRunObject[]> {
  const uids = new Set(live.map((r) => r.metadata?.uid));
  return (await listHistory(store, pipelineRoot, namespace))
    .filter((h) => !uids.has(h.uid))
    .map((h) => runFromHistory(h, historyUri(pipelineRoot, namespace, h.uid)));
}
