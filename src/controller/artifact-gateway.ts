// The artifact gateway: a task pod shows its grant and names a URI; the gateway checks the grant covers it, then
// answers with short-lived presigned URLs made with the controller's own credential. It only lists and signs: the
// bytes go between the pod and S3 directly (docs/adr/0003-artifact-grants.md).
import * as Minio from 'minio';
import { GrantError, grantAllows, grantLocation, verifyGrant, type GrantClaims } from '../artifacts/grant.js';
import { checkKey } from '../artifacts/keys.js';
import type { S3Config } from '../artifacts/s3-config.js';
import { isRetryable, listObjectKeys, S3TimeoutError, statExists, timedTransport, withRetries } from '../artifacts/s3.js';
import type { S3Settings } from './config.js';

export const PRESIGN_EXPIRY_SECONDS = 15 * 60;
/** Objects one download or upload may name; a directory artifact with more is refused with this number. */
export const MAX_OBJECTS = 10_000;

/** What the gateway needs of the object store: existence, listing and presigning. */
export interface GatewayStore {
  exists(bucket: string, key: string): Promise<boolean>;
  /** Keys under `prefix`, at most `limit` of them. */
  list(bucket: string, prefix: string, limit: number): Promise<string[]>;
  presign(method: 'GET' | 'PUT', bucket: string, key: string, expirySeconds: number): Promise<string>;
}

export class GatewayError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'GatewayError';
  }
}

export interface GatewayDeps {
  key: Buffer;
  store: GatewayStore;
  nowSec?: () => number;
  maxObjects?: number;
}

export type DownloadAnswer = { kind: 'file'; url: string } | { kind: 'directory'; files: { path: string; url: string }[] };
export type UploadAnswer = { url: string } | { files: { path: string; url: string }[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What the pod is told when S3 fails under the gateway; other errors stay as they are (500). */
function s3Failure(e: unknown): unknown {
  if (e instanceof S3TimeoutError) return new GatewayError(504, `S3 did not answer in time (${e.message}); retry later`);
  if (isRetryable(e)) return new GatewayError(503, `S3 is unavailable (${(e as Error).message}); retry later`);
  return e;
}

export class ArtifactGateway {
  private readonly max: number;
  private readonly now: () => number;

  /** The store, its failures as answers: S3 silent past its timeout is 504, S3 unreachable or failing is 503. */
  private readonly store: GatewayStore;

  constructor(private readonly deps: GatewayDeps) {
    this.max = deps.maxObjects ?? MAX_OBJECTS;
    this.now = deps.nowSec ?? (() => Math.floor(Date.now() / 1000));
    const answer = <A extends unknown[], T>(fn: (...a: A) => Promise<T>) => (...a: A): Promise<T> => fn(...a).catch((e: unknown) => Promise.reject(s3Failure(e)));
    const s = deps.store;
    this.store = { exists: answer(s.exists.bind(s)), list: answer(s.list.bind(s)), presign: answer(s.presign.bind(s)) };
  }

  /** The claims of the grant in an `Authorization: Bearer` header; 401 without one, 403 for a bad one. */
  authorize(header: string | undefined): GrantClaims {
    const m = /^Bearer\s+(\S+)$/.exec(header ?? '');
    if (!m) throw new GatewayError(401, 'no grant: send the task\'s PIPEWRIGHT_GRANT as "Authorization: Bearer <grant>"');
    try {
      return verifyGrant(m[1]!, this.deps.key, this.now());
    } catch (e) {
      if (e instanceof GrantError) throw new GatewayError(403, `grant refused: ${e.message}`);
      throw e;
    }
  }

  private target(claims: GrantClaims, op: 'read' | 'write', body: unknown): { bucket: string; key: string; uri: string } {
    if (!isObj(body) || typeof body.uri !== 'string' || body.uri === '') throw new GatewayError(400, 'body must be a JSON object with "uri" (an artifact URI)');
    let loc;
    try {
      loc = grantLocation(body.uri);
    } catch (e) {
      throw new GatewayError(400, (e as Error).message);
    }
    if (!grantAllows(claims, op, body.uri)) {
      throw new GatewayError(403, `the grant of pod ${claims.pod} does not allow ${op === 'read' ? 'reading' : 'writing'} ${body.uri}`);
    }
    return { bucket: loc.bucket, key: loc.key, uri: body.uri };
  }

  async download(claims: GrantClaims, body: unknown): Promise<DownloadAnswer> {
    const { bucket, key, uri } = this.target(claims, 'read', body);
    const store = this.store;
    if (await store.exists(bucket, key)) return { kind: 'file', url: await store.presign('GET', bucket, key, PRESIGN_EXPIRY_SECONDS) };
    const keys = await store.list(bucket, `${key}/`, this.max + 1);
    if (keys.length === 0) throw new GatewayError(404, `artifact ${uri} does not exist (no object and no objects under it)`);
    if (keys.length > this.max) throw new GatewayError(413, `artifact ${uri} has more than ${this.max} objects, the most one download may fetch`);
    const files = [];
    for (const k of keys) {
      const path = k.slice(key.length + 1);
      try {
        checkKey(path);
      } catch {
        throw new GatewayError(502, `artifact ${uri} holds an object key that would escape its directory`);
      }
      files.push({ path, url: await store.presign('GET', bucket, k, PRESIGN_EXPIRY_SECONDS) });
    }
    return { kind: 'directory', files };
  }

  async upload(claims: GrantClaims, body: unknown): Promise<UploadAnswer> {
    const { bucket, key, uri } = this.target(claims, 'write', body);
    const store = this.store;
    const files = (body as Obj).files;
    if (files === undefined) return { url: await store.presign('PUT', bucket, key, PRESIGN_EXPIRY_SECONDS) };
    if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) throw new GatewayError(400, '"files" must be a list of relative paths');
    if (files.length > this.max) throw new GatewayError(413, `${files.length} files to upload to ${uri}: at most ${this.max} per request`);
    const out = [];
    for (const path of files as string[]) {
      try {
        checkKey(path);
      } catch (e) {
        throw new GatewayError(400, `files: ${(e as Error).message}`);
      }
      out.push({ path, url: await store.presign('PUT', bucket, `${key}/${path}`, PRESIGN_EXPIRY_SECONDS) });
    }
    return { files: out };
  }
}

export interface GatewayStoreOptions {
  /** Longest an S3 request may stay silent (PIPEWRIGHT_S3_TIMEOUT_SECONDS). */
  requestTimeoutMs: number;
  /** Retries of a request that failed in a retryable way (PIPEWRIGHT_S3_RETRIES). */
  retries: number;
  backoffMs?: number;
}

/**
 * The gateway's store over the controller's credential. Every request S3 sees has the controller store's idle
 * timeout and bounded retries, so a silent S3 answers the pod 504 instead of holding it. Presigning is computed
 * locally (the region is set), with a second client for PIPEWRIGHT_S3_TASK_ENDPOINT when pods reach S3 at
 * another address.
 */
export function minioGatewayStore(config: S3Config, settings: Pick<S3Settings, 'taskEndpoint'>, opts: GatewayStoreOptions): GatewayStore {
  const options = {
    endPoint: config.endpoint,
    ...(config.port !== undefined ? { port: config.port } : {}),
    useSSL: config.useSSL,
    region: config.region,
    pathStyle: config.pathStyle,
    accessKey: config.credentials.accessKey,
    secretKey: config.credentials.secretKey,
    ...(config.credentials.sessionToken ? { sessionToken: config.credentials.sessionToken } : {}),
  };
  const client = new Minio.Client({ ...options, transport: timedTransport(config.useSSL, opts.requestTimeoutMs) });
  const t = settings.taskEndpoint;
  const signer = t ? new Minio.Client({ ...options, endPoint: t.endPoint, useSSL: t.useSSL, port: t.port ?? (t.useSSL ? 443 : 80), transport: timedTransport(t.useSSL, opts.requestTimeoutMs) }) : client;
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetries(fn, opts.retries, opts.backoffMs ?? 200);
  return {
    exists: (bucket, key) => retry(() => statExists(client, bucket, key)),
    list: (bucket, prefix, limit) => retry(() => listObjectKeys(client, bucket, prefix, limit)),
    presign: (method, bucket, key, expiry) => signer.presignedUrl(method, bucket, key, expiry),
  };
}
