// The browser's client of `pipewright server`: same origin, so in laptop mode no token is needed; with a server
// that requires one, the user pastes a Kubernetes token, kept in this tab's sessionStorage only.
import type { Experiment, ListResponse, Pipeline, PipelineVersion, Run } from './types';

const TOKEN_KEY = 'pipewright.token';
const BASE = 'apis/v2beta1';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const token = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (t: string): void => (t ? sessionStorage.setItem(TOKEN_KEY, t.trim()) : sessionStorage.removeItem(TOKEN_KEY)),
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return t ? { ...extra, authorization: `Bearer ${t}` } : extra;
}

async function failure(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { message?: string; error?: string };
    message = body.message ?? body.error ?? message;
  } catch { /* not JSON */ }
  return new ApiError(res.status, message);
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }) };
  if (body !== undefined) init.body = body instanceof FormData ? body : JSON.stringify(body);
  if (body instanceof FormData) init.headers = headers();
  const res = await fetch(`${BASE}/${path}`, init);
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** The raw response of a UI endpoint (logs, artifact bytes): the caller streams the body. */
export async function raw(path: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(`${BASE}/${path}`, { headers: headers(), signal });
  if (!res.ok) throw await failure(res);
  return res;
}

export interface ListParams {
  namespace?: string;
  experimentId?: string;
  filter?: { key: string; op: string; value: string }[];
  sortBy?: string;
  pageSize?: number;
  pageToken?: string;
}

function listQuery(p: ListParams): string {
  const q = new URLSearchParams();
  if (p.namespace) q.set('namespace', p.namespace);
  if (p.experimentId) q.set('experiment_id', p.experimentId);
  if (p.filter?.length) q.set('filter', JSON.stringify({ predicates: p.filter.map((f) => ({ key: f.key, operation: f.op, string_value: f.value })) }));
  if (p.sortBy) q.set('sort_by', p.sortBy);
  if (p.pageSize) q.set('page_size', String(p.pageSize));
  if (p.pageToken) q.set('page_token', p.pageToken);
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function list<T>(path: string, key: string, p: ListParams): Promise<ListResponse<T>> {
  const r = await call<Record<string, unknown>>('GET', `${path}${listQuery(p)}`);
  return { items: (r[key] as T[] | undefined) ?? [], total: Number(r.total_size ?? 0), next: String(r.next_page_token ?? '') };
}

export const api = {
  listRuns: (p: ListParams) => list<Run>('runs', 'runs', p),
  getRun: (id: string) => call<Run>('GET', `runs/${encodeURIComponent(id)}`),
  terminateRun: (id: string) => call<object>('POST', `runs/${encodeURIComponent(id)}:terminate`, {}),
  retryRun: (id: string) => call<object>('POST', `runs/${encodeURIComponent(id)}:retry`, {}),
  archiveRun: (id: string, archived: boolean) => call<object>('POST', `runs/${encodeURIComponent(id)}:${archived ? 'archive' : 'unarchive'}`, {}),
  deleteRun: (id: string) => call<object>('DELETE', `runs/${encodeURIComponent(id)}`),
  createRun: (body: object) => call<Run>('POST', 'runs', body),
  listExperiments: (p: ListParams) => list<Experiment>('experiments', 'experiments', p),
  getExperiment: (id: string) => call<Experiment>('GET', `experiments/${encodeURIComponent(id)}`),
  listPipelines: (p: ListParams) => list<Pipeline>('pipelines', 'pipelines', p),
  getPipeline: (id: string) => call<Pipeline>('GET', `pipelines/${encodeURIComponent(id)}`),
  listVersions: (id: string) => list<PipelineVersion>(`pipelines/${encodeURIComponent(id)}/versions`, 'pipeline_versions', { sortBy: 'created_at desc' }),
  getVersion: (p: string, v: string) => call<PipelineVersion>('GET', `pipelines/${encodeURIComponent(p)}/versions/${encodeURIComponent(v)}`),
  uploadPipeline: (file: File, name: string, namespace: string) => {
    const form = new FormData();
    form.append('uploadfile', file, file.name);
    const q = new URLSearchParams({ name, display_name: name });
    if (namespace) q.set('namespace', namespace);
    return call<Pipeline>('POST', `pipelines/upload?${q.toString()}`, form);
  },
  /** A new version of an existing pipeline (the server checks the caller may create versions in its namespace). */
  uploadVersion: (pipelineId: string, file: File, name: string) => {
    const form = new FormData();
    form.append('uploadfile', file, file.name);
    const q = new URLSearchParams({ pipelineid: pipelineId, name, display_name: name });
    return call<PipelineVersion>('POST', `pipelines/upload_version?${q.toString()}`, form);
  },
  events: (runId: string) => call<{ events: RunEvent[] }>('GET', `runs/${encodeURIComponent(runId)}/events`),
  /** With follow, the server streams the log until the container exits (read the body as it comes). */
  logs: (runId: string, taskId: string, opts: { follow?: boolean; signal?: AbortSignal } = {}) =>
    raw(`runs/${encodeURIComponent(runId)}/logs?task_id=${encodeURIComponent(taskId)}${opts.follow ? '&follow=true' : ''}`, opts.signal),
  artifact: (runId: string, uri: string, maxBytes: number, signal?: AbortSignal) =>
    raw(`runs/${encodeURIComponent(runId)}/artifacts:read?uri=${encodeURIComponent(uri)}&max_bytes=${maxBytes}`, signal),
  artifactUrl: (runId: string, uri: string) => `${BASE}/runs/${encodeURIComponent(runId)}/artifacts:read?uri=${encodeURIComponent(uri)}&download=true`,
};

export interface RunEvent {
  type: string;
  reason: string;
  message: string;
  object: string;
  count?: number;
  last_seen?: string;
}
