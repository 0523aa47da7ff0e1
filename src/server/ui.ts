// What the web UI needs beyond KFP's API, with the same auth and namespace rules: the bundled UI itself (ui/dist,
// a fixed file list, no path from the request touches the disk), and per run its task logs (whole, or followed as
// they are written), its events and its artifacts' bytes. A caller who may `get` the run may read these; an
// artifact must be one the run's status lists (so a caller cannot name another namespace's object), and is
// streamed with a byte cap, never with credentials.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import { pooledApiClient } from '../controller/api-client.js';
import { openPodLog } from '../controller/pod-log.js';
import type { PipelineRunObject } from '../controller/types.js';
import type { S3Config } from '../artifacts/s3-config.js';
import { parseStrict } from '../artifacts/tenancy.js';
import type { Authorizer, Caller } from './auth.js';
import { ApiError, GRPC, badRequest, notFound } from './mapping.js';
import { apiErrorOf, type KubeStore } from './store.js';

/** The built UI next to the package: <repo>/ui/dist from dist/server/ or src/server/. */
export const DEFAULT_UI_DIR = resolve(fileURLToPath(new URL('../../ui/dist', import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

/**
 * The UI's pages: scripts and styles only from this server, no framing of the UI elsewhere. HTML artifacts are shown
 * in an iframe with sandbox="" (srcdoc), which this policy also covers: their scripts never run.
 */
export const UI_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self'; frame-src 'self' about:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const MAX_LOG_BYTES = 1 << 20;
const MAX_READ_BYTES = 8 << 20;

function listFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.startsWith('.')) files.set(`/${relative(dir, p).split(sep).join('/')}`, p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

export class UiStatic {
  private readonly files: Map<string, string>;

  constructor(readonly dir: string = DEFAULT_UI_DIR) {
    this.files = listFiles(dir);
  }

  get built(): boolean {
    return this.files.has('/index.html');
  }

  /** Serves a UI file for GET `/`, `/index.html` or `/assets/...`; false when the path is not the UI's. */
  serve(path: string, res: ServerResponse): boolean {
    const key = path === '/' ? '/index.html' : path;
    const file = this.files.get(key);
    if (!file) {
      if (path !== '/') return false;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...UI_HEADERS })
        .end('The web UI is not built: run `npm run build` in the pipewright checkout (it builds ui/ into ui/dist).\n');
      return true;
    }
    const ext = /\.[a-z0-9]+$/i.exec(file)?.[0] ?? '';
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      // Hashed asset names never change; index.html must be re-read to find new ones.
      'cache-control': key.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...UI_HEADERS,
    });
    createReadStream(file).pipe(res);
    return true;
  }
}

interface Event { type: string; reason: string; message: string; object: string; count?: number; last_seen?: string }

/** The artifact URIs a run's status names: the only objects its readers may fetch through the server. */
export function runArtifactUris(run: PipelineRunObject): Set<string> {
  const uris = new Set<string>();
  const add = (o?: { artifacts?: Record<string, { uri: string }[]> }): void => {
    for (const list of Object.values(o?.artifacts ?? {})) for (const a of list) uris.add(a.uri);
  };
  for (const n of Object.values(run.status?.nodes ?? {})) add(n.outputs);
  add(run.status?.outputs);
  return uris;
}

export class UiApi {
  private readonly core: k8s.CoreV1Api;
  private readonly s3?: Minio.Client;

  constructor(private readonly kc: k8s.KubeConfig, private readonly store: KubeStore, private readonly auth: Authorizer, s3?: S3Config) {
    this.core = pooledApiClient(kc, k8s.CoreV1Api);
    if (s3) {
      this.s3 = new Minio.Client({
        endPoint: s3.endpoint, ...(s3.port !== undefined ? { port: s3.port } : {}), useSSL: s3.useSSL, region: s3.region, pathStyle: s3.pathStyle,
        accessKey: s3.credentials.accessKey, secretKey: s3.credentials.secretKey, ...(s3.credentials.sessionToken ? { sessionToken: s3.credentials.sessionToken } : {}),
      });
    }
  }

  /** Handles GET /apis/v2beta1/runs/{id}/(logs|events|artifacts:read); false for any other path. */
  async handle(path: string, query: URLSearchParams, caller: () => Promise<Caller>, res: ServerResponse, req: IncomingMessage): Promise<boolean> {
    const m = /^\/apis\/v2beta1\/runs\/([^/:]+)\/(logs|events|artifacts:read)$/.exec(path);
    if (!m) return false;
    if (req.method !== 'GET') throw new ApiError(405, GRPC.UNIMPLEMENTED, `${req.method ?? ''} is not supported on ${path}`);
    const who = await caller();
    const run = await this.store.findRun(m[1]!);
    const namespace = run.metadata!.namespace!;
    await this.auth.authorize(who, 'get', 'pipelineruns', namespace);
    if (m[2] === 'logs') await this.logs(run, query.get('task_id') ?? '', query.get('follow') === 'true', res);
    else if (m[2] === 'events') await this.events(run, res);
    else await this.artifact(run, query, res);
    return true;
  }

  /**
   * The task pod's main container log, at most MAX_LOG_BYTES. With follow, streamed as the API server hands it on
   * (chunked, until the container exits, the cap is reached or the browser goes away); without, read whole.
   */
  private async logs(run: PipelineRunObject, taskId: string, follow: boolean, res: ServerResponse): Promise<void> {
    const node = run.status?.nodes?.[taskId];
    if (!node) throw notFound(`run ${run.metadata!.uid} has no task ${taskId || '(task_id missing)'}`);
    if (!node.pod) throw notFound(`task ${taskId} has no pod (a DAG, or a skipped or cached task)`);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let log: IncomingMessage;
    try {
      log = await openPodLog(this.kc, run.metadata!.namespace!, node.pod, { container: 'main', follow, limitBytes: MAX_LOG_BYTES, signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) return;
      const e = apiErrorOf(err);
      if (e.http === 404) throw notFound(`the pod ${node.pod} of task ${taskId} is gone, and its logs with it`);
      throw e;
    }
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
      // A proxy in front must not hold a followed log back until it ends.
      ...(follow ? { 'x-accel-buffering': 'no' } : {}),
    });
    res.flushHeaders();
    log.on('error', () => res.destroy());
    log.pipe(res);
  }

  private async events(run: PipelineRunObject, res: ServerResponse): Promise<void> {
    const pods = new Set(Object.values(run.status?.nodes ?? {}).map((n) => n.pod).filter(Boolean));
    const list = await this.core.listNamespacedEvent({ namespace: run.metadata!.namespace! }).catch((err: unknown) => { throw apiErrorOf(err); });
    const events: Event[] = list.items
      .filter((e) => e.involvedObject.uid === run.metadata!.uid || (e.involvedObject.kind === 'Pod' && pods.has(e.involvedObject.name)))
      .map((e) => ({
        type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '', object: `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`,
        count: e.count, last_seen: (e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp)?.toISOString?.() ?? undefined,
      }))
      .sort((a, b) => (a.last_seen ?? '').localeCompare(b.last_seen ?? ''));
    const body = JSON.stringify({ events });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  }

  private async artifact(run: PipelineRunObject, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const uri = query.get('uri') ?? '';
    if (!runArtifactUris(run).has(uri)) throw notFound(`run ${run.metadata!.uid} has no artifact ${uri || '(uri missing)'}: only the artifacts its status lists can be read`);
    const loc = parseStrict(uri);
    if (typeof loc === 'string') throw badRequest(`uri ${uri}: ${loc}`);
    if (!this.s3) throw new ApiError(501, GRPC.UNIMPLEMENTED, 'this server has no S3 settings: start it with the controller\'s PIPEWRIGHT_S3_* and AWS_* environment to read artifacts');
    const download = query.get('download') === 'true';
    const capText = query.get('max_bytes');
    const cap = download ? Infinity : Math.min(MAX_READ_BYTES, capText && /^\d+$/.test(capText) ? Number(capText) : MAX_READ_BYTES);
    const key = loc.segments.join('/');
    let size: number;
    try {
      size = (await this.s3.statObject(loc.bucket, key)).size;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFound' || code === 'NoSuchKey') throw notFound(`artifact ${uri} is not in the store (a directory artifact, or deleted)`);
      throw new ApiError(502, GRPC.INTERNAL, `reading ${uri} from S3 failed: ${(err as Error).message}`);
    }
    const length = Math.min(size, cap);
    const name = loc.segments.at(-1) ?? 'artifact';
    // Never rendered by the browser as a page of this origin: bytes, as an attachment.
    res.writeHead(200, {
      'content-type': 'application/octet-stream', 'content-length': length, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store',
      'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`, 'x-pipewright-truncated': String(length < size),
      'x-pipewright-size': String(size),
    });
    if (length === 0) {
      res.end();
      return;
    }
    const stream = await this.s3.getPartialObject(loc.bucket, key, 0, length);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
