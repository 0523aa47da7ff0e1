// Pure translation between KFP's v2beta1 objects and ours: PipelineRun ↔ Run, experiment ConfigMap ↔ Experiment,
// Pipeline objects ↔ Pipeline and PipelineVersion; list filters, sorting and page tokens. No I/O.
import { createHash } from 'node:crypto';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { JsonObject, JsonValue } from '../model/types.js';
import { API_VERSION } from '../controller/names.js';
import type { StatusNode } from '../controller/status.js';
import type { PipelineObject, PipelineRunObject, PipelineSource } from '../controller/types.js';
import type {
  KfpExperiment, KfpFilter, KfpPipeline, KfpPipelineVersion, KfpPredicate, KfpRun, KfpTaskDetail, RuntimeState, StorageState,
} from './kfp-types.js';

export const LABEL_EXPERIMENT = 'pipewright.dev/experiment';
export const LABEL_EXPERIMENT_ID = 'pipewright.dev/experiment-id';
export const LABEL_STORAGE = 'pipewright.dev/storage-state';
export const LABEL_KFP_PIPELINE = 'pipewright.dev/kfp-pipeline';
export const LABEL_PIPELINE_ID = 'pipewright.dev/pipeline-id';
export const ANN_DISPLAY_NAME = 'pipewright.dev/display-name';
export const ANN_DESCRIPTION = 'pipewright.dev/description';
export const ANN_PIPELINE_ID = 'pipewright.dev/pipeline-id';
export const ANN_VERSION_ID = 'pipewright.dev/pipeline-version-id';
export const ANN_PIPELINE_ROOT = 'pipewright.dev/pipeline-root';

/** A KFP-style failure: HTTP status plus the gRPC code KFP's gateway puts in the body. */
export class ApiError extends Error {
  constructor(readonly http: number, readonly grpc: number, message: string) {
    super(message);
  }
}

export const GRPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, FAILED_PRECONDITION: 9, INTERNAL: 13, UNIMPLEMENTED: 12, UNAUTHENTICATED: 16 } as const;
export const badRequest = (m: string): ApiError => new ApiError(400, GRPC.INVALID_ARGUMENT, m);
export const notFound = (m: string): ApiError => new ApiError(404, GRPC.NOT_FOUND, m);

export const omitUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export const ts = (v: unknown): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  return v instanceof Date ? v.toISOString().replace(/\.\d{3}Z$/, 'Z') : String(v);
};

/** A DNS-1123 label from any display name: lower case, [a-z0-9-], at most `max` characters. */
export function dnsName(display: string, max = 50): string {
  const s = display.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, max).replace(/-$/, '');
  return s || 'pipeline';
}

// ---------------------------------------------------------------- states

/** KFP's run state for a PipelineRun. A cancel request on a run still going is CANCELING. */
export function runState(run: PipelineRunObject): RuntimeState {
  const phase = run.status?.phase;
  switch (phase) {
    case 'Succeeded': return 'SUCCEEDED';
    case 'Failed': case 'Error': return 'FAILED';
    case 'Cancelled': return 'CANCELED';
    default:
      if (run.spec?.cancel) return 'CANCELING';
      return phase === 'Running' ? 'RUNNING' : 'PENDING';
  }
}

export function nodeState(phase: StatusNode['phase']): RuntimeState {
  switch (phase) {
    case 'Pending': return 'PENDING';
    case 'Running': return 'RUNNING';
    case 'Succeeded': case 'Cached': return 'SUCCEEDED';
    case 'Skipped': return 'SKIPPED';
    case 'Failed': case 'Error': return 'FAILED';
    case 'Cancelled': return 'CANCELED';
    default: return 'RUNTIME_STATE_UNSPECIFIED';
  }
}

const storage = (o: KubernetesObject): StorageState => (o.metadata?.labels?.[LABEL_STORAGE] === 'ARCHIVED' ? 'ARCHIVED' : 'AVAILABLE');

// ---------------------------------------------------------------- runs

/** The parent of a node id: `condition-1/deploy` → `condition-1`, `for-loop-2[1]/train` → `for-loop-2[1]`. */
export function parentNodeId(id: string): string | undefined {
  const i = id.lastIndexOf('/');
  return i < 0 ? undefined : id.slice(0, i);
}

export function taskDetails(runId: string, nodes: Record<string, StatusNode>): KfpTaskDetail[] {
  const ids = Object.keys(nodes).sort();
  // Children by parent in one pass: a 1,000-iteration loop has 2,000 nodes (no quadratic scan).
  const childrenOf = new Map<string, string[]>();
  for (const c of ids) {
    const p = parentNodeId(c);
    if (p === undefined) continue;
    const list = childrenOf.get(p);
    if (list) list.push(c);
    else childrenOf.set(p, [c]);
  }
  return ids.map((id) => {
    const n = nodes[id]!;
    const outputs: Record<string, { artifact_ids: string[] }> = {};
    for (const [k, list] of Object.entries(n.outputs?.artifacts ?? {})) outputs[k] = { artifact_ids: list.map((a) => a.uri) };
    for (const [k, v] of Object.entries(n.outputs?.parameters ?? {})) outputs[k] = { artifact_ids: [JSON.stringify(v)] };
    const children = (childrenOf.get(id) ?? []).map((c) => omitUndefined({ task_id: c, pod_name: nodes[c]!.pod }));
    const state = nodeState(n.phase);
    return omitUndefined<KfpTaskDetail>({
      run_id: runId,
      task_id: id,
      display_name: n.task,
      create_time: ts(n.startedAt),
      start_time: ts(n.startedAt),
      end_time: ts(n.finishedAt),
      state,
      error: state === 'FAILED' && n.message ? { code: GRPC.INTERNAL, message: n.message } : undefined,
      executor_detail: n.pod ? { main_job: n.pod } : undefined,
      outputs: Object.keys(outputs).length ? outputs : undefined,
      parent_task_id: parentNodeId(id),
      pod_name: n.pod,
      child_tasks: children.length ? children : undefined,
      pipewright_node: omitUndefined({ phase: n.phase, kind: n.kind, reason: n.reason, message: n.message, attempt: n.attempt }),
      pipewright_outputs: n.outputs as JsonObject | undefined,
    });
  });
}

/** The first YAML document (and the platform document, if any) as the pipeline_spec field shows it. */
export function specFromYaml(yaml: string): JsonObject | undefined {
  try {
    const docs = parseAllDocuments(yaml).map((d) => d.toJS() as JsonObject);
    if (!docs[0]) return undefined;
    return docs[1] ? { pipeline_spec: docs[0], platform_spec: docs[1] } : docs[0];
  } catch {
    return undefined;
  }
}

/** The pipeline_spec field as the SDK sent it: the IR alone, or {pipeline_spec, platform_spec} with a platform document. */
function specOf(run: PipelineRunObject, parseYaml: boolean): JsonObject | undefined {
  const s = run.spec;
  if (!s?.pipelineSpec && parseYaml && s?.pipelineYAML) return specFromYaml(s.pipelineYAML);
  if (!s?.pipelineSpec) return undefined;
  return s.platformSpec ? { pipeline_spec: s.pipelineSpec, platform_spec: s.platformSpec } : s.pipelineSpec;
}

export function runToKfp(run: PipelineRunObject, withDetails = true): KfpRun {
  const m = run.metadata ?? {};
  const a = m.annotations ?? {};
  const id = m.uid ?? '';
  const state = runState(run);
  const pipelineId = a[ANN_PIPELINE_ID];
  const versionId = a[ANN_VERSION_ID];
  const root = a[ANN_PIPELINE_ROOT];
  const failed = state === 'FAILED';
  return omitUndefined<KfpRun>({
    experiment_id: m.labels?.[LABEL_EXPERIMENT_ID],
    run_id: id,
    recurring_run_id: m.ownerReferences?.find((o) => o.kind === 'RecurringRun' && o.apiVersion === API_VERSION)?.uid,
    display_name: a[ANN_DISPLAY_NAME] ?? m.name,
    storage_state: storage(run),
    description: a[ANN_DESCRIPTION],
    pipeline_version_id: versionId,
    pipeline_spec: specOf(run, withDetails),
    pipeline_version_reference: versionId ? omitUndefined({ pipeline_id: pipelineId, pipeline_version_id: versionId }) : undefined,
    runtime_config: omitUndefined({ parameters: (run.spec?.arguments ?? {}) as Record<string, JsonValue>, pipeline_root: root }),
    service_account: run.spec?.serviceAccountName,
    created_at: ts(m.creationTimestamp),
    scheduled_at: ts(run.status?.startedAt ?? m.creationTimestamp),
    finished_at: ts(run.status?.finishedAt),
    state,
    error: failed ? { code: GRPC.INTERNAL, message: run.status?.message ?? 'the run failed' } : undefined,
    run_details: withDetails ? { task_details: taskDetails(id, run.status?.nodes ?? {}) } : undefined,
    pipewright_history: a['pipewright.dev/history'] !== undefined ? true : undefined,
  });
}

export interface RunTarget {
  namespace: string;
  experimentId?: string;
  /** Name of the Pipeline object of the referenced version. */
  versionObject?: string;
  pipelineId?: string;
  versionId?: string;
  /** pipelineInfo.name of the referenced version's pipeline (pipelineNameOf). */
  pipelineName?: string;
}

/** pipelineInfo.name of an IR (alone, or as {pipeline_spec, platform_spec}). */
function irPipelineName(ir: unknown): string | undefined {
  if (!ir || typeof ir !== 'object' || Array.isArray(ir)) return undefined;
  const o = ir as JsonObject;
  const info = (o.pipeline_spec && typeof o.pipeline_spec === 'object' && !Array.isArray(o.pipeline_spec) ? o.pipeline_spec : o).pipelineInfo;
  const name = info && typeof info === 'object' && !Array.isArray(info) ? info.name : undefined;
  return typeof name === 'string' && name.trim() ? name.trim() : undefined;
}

/** The pipeline's own name (pipelineInfo.name) in a Pipeline object's source. */
export function pipelineNameOf(source: PipelineSource | undefined): string | undefined {
  if (!source) return undefined;
  return irPipelineName(source.pipelineSpec) ?? (source.pipelineYAML ? irPipelineName(specFromYaml(source.pipelineYAML)) : undefined);
}

/**
 * The PipelineRun a CreateRun request asks for. Named `<pipeline name>-<suffix>` by the API server, as KFP names a
 * run's workflow, so `{{$.pipeline_job_resource_name}}` starts with the pipeline's name (the display name when
 * the pipeline has none).
 */
export function runFromKfp(body: KfpRun, target: RunTarget): PipelineRunObject {
  const display = body.display_name?.trim();
  if (!display) throw badRequest('run.display_name is required: name the run (the SDK sets it from run_name or the file name)');
  const params = body.runtime_config?.parameters ?? {};
  if (typeof params !== 'object' || Array.isArray(params)) throw badRequest('run.runtime_config.parameters must be an object of parameter values by name');
  const annotations: Record<string, string> = { [ANN_DISPLAY_NAME]: display };
  if (body.description) annotations[ANN_DESCRIPTION] = body.description;
  if (body.runtime_config?.pipeline_root) annotations[ANN_PIPELINE_ROOT] = body.runtime_config.pipeline_root;
  const labels: Record<string, string> = { [LABEL_STORAGE]: 'AVAILABLE' };
  if (target.experimentId) labels[LABEL_EXPERIMENT_ID] = target.experimentId;
  const spec: NonNullable<PipelineRunObject['spec']> = {};
  if (target.versionObject) {
    spec.pipelineRef = { name: target.versionObject };
    if (target.pipelineId) annotations[ANN_PIPELINE_ID] = target.pipelineId;
    if (target.versionId) annotations[ANN_VERSION_ID] = target.versionId;
  } else {
    const ps = body.pipeline_spec;
    if (!ps || typeof ps !== 'object' || Array.isArray(ps)) {
      throw badRequest('run needs pipeline_spec (the compiled pipeline) or pipeline_version_reference.pipeline_version_id');
    }
    if (ps.pipeline_spec && typeof ps.pipeline_spec === 'object') {
      spec.pipelineSpec = ps.pipeline_spec as JsonObject;
      if (ps.platform_spec && typeof ps.platform_spec === 'object') spec.platformSpec = ps.platform_spec as JsonObject;
    } else {
      spec.pipelineSpec = ps;
    }
  }
  if (Object.keys(params).length) spec.arguments = params;
  if (body.service_account) spec.serviceAccountName = body.service_account;
  return {
    apiVersion: API_VERSION,
    kind: 'PipelineRun',
    metadata: { generateName: `${dnsName(target.pipelineName ?? irPipelineName(body.pipeline_spec) ?? display, 40)}-`, namespace: target.namespace, labels, annotations },
    spec,
  };
}

// ---------------------------------------------------------------- experiments

/** One experiment per display name and namespace: the name is derived from the display name, so a duplicate is a 409. */
export function experimentObjectName(display: string): string {
  return `experiment-${dnsName(display, 30)}-${createHash('sha256').update(display).digest('hex').slice(0, 8)}`;
}

export function experimentFromKfp(body: KfpExperiment, namespace: string): V1ConfigMap {
  const display = body.display_name?.trim();
  if (!display) throw badRequest('experiment.display_name is required');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: experimentObjectName(display), namespace, labels: { [LABEL_EXPERIMENT]: 'true', [LABEL_STORAGE]: 'AVAILABLE' } },
    data: { displayName: display, description: body.description ?? '' },
  };
}

export function experimentToKfp(cm: V1ConfigMap): KfpExperiment {
  const m = cm.metadata ?? {};
  return omitUndefined<KfpExperiment>({
    experiment_id: m.uid,
    display_name: cm.data?.displayName ?? m.name,
    description: cm.data?.description || undefined,
    created_at: ts(m.creationTimestamp),
    namespace: m.namespace,
    storage_state: storage(cm),
  });
}

// ---------------------------------------------------------------- pipelines

/** The parent object holds the newest version's source, so `pipelineRef: <pipeline name>` runs the newest version. */
export function pipelineObject(display: string, description: string | undefined, namespace: string, yaml: string): PipelineObject {
  const annotations: Record<string, string> = { [ANN_DISPLAY_NAME]: display };
  if (description) annotations[ANN_DESCRIPTION] = description;
  return {
    apiVersion: API_VERSION,
    kind: 'Pipeline',
    metadata: { name: dnsName(display, 63), namespace, labels: { [LABEL_KFP_PIPELINE]: 'true' }, annotations },
    spec: { pipelineYAML: yaml, ...(description ? { description } : {}) },
  };
}

export function versionObject(parent: PipelineObject, display: string, description: string | undefined, yaml: string): PipelineObject {
  const annotations: Record<string, string> = { [ANN_DISPLAY_NAME]: display };
  if (description) annotations[ANN_DESCRIPTION] = description;
  return {
    apiVersion: API_VERSION,
    kind: 'Pipeline',
    metadata: {
      generateName: `${dnsName(parent.metadata!.name!, 50)}-v-`,
      namespace: parent.metadata!.namespace,
      labels: { [LABEL_PIPELINE_ID]: parent.metadata!.uid! },
      annotations,
    },
    spec: { pipelineYAML: yaml, ...(description ? { description } : {}) },
  };
}

export function pipelineToKfp(p: PipelineObject): KfpPipeline {
  const m = p.metadata ?? {};
  return omitUndefined<KfpPipeline>({
    pipeline_id: m.uid,
    display_name: m.annotations?.[ANN_DISPLAY_NAME] ?? m.name,
    name: m.name,
    description: m.annotations?.[ANN_DESCRIPTION] ?? p.spec?.description,
    created_at: ts(m.creationTimestamp),
    namespace: m.namespace,
  });
}

export function versionToKfp(v: PipelineObject, spec?: JsonObject): KfpPipelineVersion {
  const m = v.metadata ?? {};
  return omitUndefined<KfpPipelineVersion>({
    pipeline_id: m.labels?.[LABEL_PIPELINE_ID],
    pipeline_version_id: m.uid,
    display_name: m.annotations?.[ANN_DISPLAY_NAME] ?? m.name,
    name: m.name,
    description: m.annotations?.[ANN_DESCRIPTION] ?? v.spec?.description,
    created_at: ts(m.creationTimestamp),
    pipeline_spec: spec,
  });
}

// ---------------------------------------------------------------- lists

const OPERATIONS = new Set(['EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'GREATER_THAN_EQUALS', 'LESS_THAN', 'LESS_THAN_EQUALS', 'IN', 'IS_SUBSTRING']);
/** filter.proto's enum numbers: the SDK sends these (its _FILTER_OPERATIONS), grpc-gateway accepts names too. */
const OPERATION_NUMBERS: Record<string, string> = { 1: 'EQUALS', 2: 'NOT_EQUALS', 3: 'GREATER_THAN', 5: 'GREATER_THAN_EQUALS', 6: 'LESS_THAN', 7: 'LESS_THAN_EQUALS', 8: 'IN', 9: 'IS_SUBSTRING' };

export function parseFilter(raw: string | undefined): KfpPredicate[] {
  if (!raw) return [];
  let f: KfpFilter;
  try {
    f = JSON.parse(raw) as KfpFilter;
  } catch {
    throw badRequest(`filter is not JSON: pass a JSON-serialized Filter, e.g. {"predicates":[{"operation":"EQUALS","key":"display_name","stringValue":"x"}]}`);
  }
  const preds = f?.predicates ?? [];
  if (!Array.isArray(preds)) throw badRequest('filter.predicates must be a list');
  for (const [i, p] of preds.entries()) {
    if (p && (typeof p.operation === 'number' || /^\d+$/.test(String(p.operation ?? '')))) p.operation = OPERATION_NUMBERS[String(p.operation)] ?? String(p.operation);
    if (!p?.key) throw badRequest(`filter.predicates[${i}].key is required`);
    if (!OPERATIONS.has(String(p.operation ?? ''))) throw badRequest(`filter.predicates[${i}].operation "${p.operation ?? ''}" is not one of ${[...OPERATIONS].join(', ')}`);
  }
  return preds;
}

function predicateValue(p: KfpPredicate): unknown {
  const list = p.string_values ?? p.stringValues ?? p.int_values ?? p.intValues ?? p.long_values ?? p.longValues;
  if (list) return (list.values ?? []).map(String);
  const v = p.string_value ?? p.stringValue ?? p.int_value ?? p.intValue ?? p.long_value ?? p.longValue ?? p.timestamp_value ?? p.timestampValue;
  return v === undefined ? '' : String(v);
}

/** Keys are the snake_case fields of the KFP object (`name` is an alias of display_name, as in KFP's list filters). */
function fieldOf(obj: object, key: string): string {
  const o = obj as Record<string, unknown>;
  const k = key === 'name' && !('name' in o) ? 'display_name' : key;
  const v = o[k];
  return v === undefined || v === null ? '' : String(v);
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const da = Date.parse(a);
  const db = Date.parse(b);
  if (/^\d{4}-/.test(a) && /^\d{4}-/.test(b) && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function matches(obj: object, preds: KfpPredicate[]): boolean {
  return preds.every((p) => {
    const actual = fieldOf(obj, p.key!);
    const want = predicateValue(p);
    switch (p.operation) {
      case 'EQUALS': return actual === want;
      case 'NOT_EQUALS': return actual !== want;
      case 'GREATER_THAN': return compare(actual, String(want)) > 0;
      case 'GREATER_THAN_EQUALS': return compare(actual, String(want)) >= 0;
      case 'LESS_THAN': return compare(actual, String(want)) < 0;
      case 'LESS_THAN_EQUALS': return compare(actual, String(want)) <= 0;
      case 'IN': return Array.isArray(want) && want.includes(actual);
      case 'IS_SUBSTRING': return actual.includes(String(want));
      default: return false;
    }
  });
}

export interface ListQuery {
  filter?: string;
  sort_by?: string;
  page_size?: string;
  page_token?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  nextPageToken: string;
}

interface Token { o: number; q: string }

const queryKey = (filter: string, sort: string): string => createHash('sha256').update(`${filter}\0${sort}`).digest('hex').slice(0, 12);

/**
 * Filter, sort ("created_at desc", "name"; default created_at ascending as KFP) and page. A page token is the
 * offset of the next page tied to the filter and sort it came from, so a token cannot be replayed on another query.
 */
export function listPage<T extends object>(all: T[], q: ListQuery): Page<T> {
  const preds = parseFilter(q.filter);
  const sortRaw = (q.sort_by ?? '').trim();
  const [field = 'created_at', dir = 'asc'] = sortRaw ? sortRaw.split(/\s+/) : [];
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`sort_by "${sortRaw}": use "<field>" or "<field> desc"`);
  const size = q.page_size ? Number(q.page_size) : 0;
  if (!Number.isInteger(size) || size < 0) throw badRequest(`page_size "${q.page_size}" must be a non-negative integer`);
  const key = queryKey(q.filter ?? '', sortRaw);
  let offset = 0;
  if (q.page_token) {
    let t: Token | undefined;
    try {
      t = JSON.parse(Buffer.from(q.page_token, 'base64url').toString('utf8')) as Token;
    } catch { /* reported below */ }
    if (!t || typeof t.o !== 'number' || t.q !== key) throw badRequest('page_token is not a token of this list (same filter and sort_by): start again without it');
    offset = t.o;
  }
  const sign = dir === 'desc' ? -1 : 1;
  const filtered = all.filter((o) => matches(o, preds));
  const sorted = filtered
    .map((o, i) => ({ o, i }))
    .sort((a, b) => sign * compare(fieldOf(a.o, field), fieldOf(b.o, field)) || a.i - b.i)
    .map((x) => x.o);
  const end = size > 0 ? offset + size : sorted.length;
  const items = sorted.slice(offset, end);
  const nextPageToken = end < sorted.length ? Buffer.from(JSON.stringify({ o: end, q: key } satisfies Token)).toString('base64url') : '';
  return { items, total: filtered.length, nextPageToken };
}
