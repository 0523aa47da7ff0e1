// The artifact store over any S3-compatible server (MinIO, versitygw, SeaweedFS, AWS) via the `minio`
// client. A narrow interface. Every request has an idle timeout (a server that accepts and never answers would
// otherwise hold the caller forever); requests that are safe to repeat are retried with backoff on network
// failures, timeouts and 5xx, a bounded number of times; callers decide the rest.
// Transfers stream from and to disk; large files go multipart inside the client.
import { createReadStream, createWriteStream } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as Minio from 'minio';
import { checkKey } from './keys.js';
import { ArtifactNotFoundError, safeJoin, type ArtifactStore, type TransferKind } from './store.js';
import type { S3Config } from './s3-config.js';
import { parseArtifactUri } from './uri.js';
import { eachLimited } from '../util/each-limited.js';

export { parseArtifactUri, localPathForUri, ArtifactUriError } from './uri.js';
export type { ArtifactLocation, ArtifactScheme } from './uri.js';

export { ArtifactNotFoundError, safeJoin, type ArtifactStore, type TransferKind } from './store.js';

const CONCURRENCY = 4;

/** An S3 request that stayed silent longer than its timeout. */
export class S3TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number, what: string) {
    super(`S3 request ${what} got no answer within ${ms} ms`);
    this.name = 'S3TimeoutError';
  }
}

export interface S3StoreOptions {
  /** Longest a request may stay silent (no byte either way); default 30 s. */
  requestTimeoutMs?: number;
  /** Retries of a request that failed for a reason worth retrying; default 2. */
  retries?: number;
  /** First backoff; doubled per retry, with jitter; default 200 ms. */
  backoffMs?: number;
}

const RETRY_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed']);

/** Network failures, timeouts and server errors: worth another try. Not-found, access denied and the like are not. */
export function isRetryable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err) return false;
  if (typeof err.code === 'string' && RETRY_CODES.has(err.code)) return true;
  const m = typeof err.message === 'string' ? err.message : '';
  // minio's own words for 5xx after its retry, and Node's for a dropped connection.
  return /Retryable HTTP status|Request failed after \d+ retries|socket hang up/.test(m);
}

/** `fn` again after a backoff while it fails in a retryable way, at most `retries` more times. */
export async function withRetries<T>(fn: () => Promise<T>, retries: number, backoffMs: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !isRetryable(e)) throw e;
      const delay = backoffMs * 2 ** attempt;
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * delay));
    }
  }
}

/** http(s).request with an idle timeout that ends the request (the socket's own timeout only emits an event). */
export function timedTransport(useSSL: boolean, ms: number): { request: typeof http.request } {
  const mod = useSSL ? https : http;
  const request = ((...args: Parameters<typeof http.request>) => {
    const req = (mod.request as (...a: Parameters<typeof http.request>) => http.ClientRequest)(...args);
    req.setTimeout(ms, () => req.destroy(new S3TimeoutError(ms, `${req.method} ${req.host}`)));
    return req;
  }) as typeof http.request;
  return { request };
}


export function isNotFound(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchObject';
}

/** Whether one object exists (a missing one is an answer, not an error). */
export async function statExists(client: Minio.Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.statObject(bucket, key);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Keys under `prefix`, sorted, at most `limit`; zero-byte "folder" markers some tools create carry no data. */
export async function listObjectKeys(client: Minio.Client, bucket: string, prefix: string, limit = Infinity): Promise<string[]> {
  const keys: string[] = [];
  const stream = client.listObjectsV2(bucket, prefix, true);
  for await (const item of stream as AsyncIterable<Minio.BucketItem>) {
    if (item.name && !item.name.endsWith('/')) keys.push(item.name);
    if (keys.length >= limit) {
      stream.destroy();
      break;
    }
  }
  return keys.sort();
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    // Symlinks are not followed: a task could otherwise upload files from outside its output tree.
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

export class S3ArtifactStore implements ArtifactStore {
  private readonly client: Minio.Client;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(
    private readonly config: S3Config,
    options: S3StoreOptions = {},
  ) {
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 200;
    this.client = new Minio.Client({
      transport: timedTransport(config.useSSL, options.requestTimeoutMs ?? 30_000),
      endPoint: config.endpoint,
      ...(config.port !== undefined ? { port: config.port } : {}),
      useSSL: config.useSSL,
      region: config.region,
      pathStyle: config.pathStyle,
      accessKey: config.credentials.accessKey,
      secretKey: config.credentials.secretKey,
      ...(config.credentials.sessionToken ? { sessionToken: config.credentials.sessionToken } : {}),
    });
  }

  private retry<T>(fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, this.retries, this.backoffMs);
  }

  async ensureBucket(bucket = this.config.bucket): Promise<void> {
    if (await this.retry(() => this.client.bucketExists(bucket))) return;
    try {
      await this.client.makeBucket(bucket, this.config.region);
    } catch (e) {
      // Another pod may have created it in between.
      const code = (e as { code?: string }).code;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw e;
    }
  }

  async putFile(path: string, uri: string): Promise<void> {
    const { bucket, key } = parseArtifactUri(uri);
    const { size } = await stat(path);
    await this.retry(() => this.client.putObject(bucket, key, createReadStream(path), size));
  }

  async putDirectory(dir: string, uri: string): Promise<number> {
    const { bucket, key } = parseArtifactUri(uri);
    const files = await listFiles(dir);
    await eachLimited(files, CONCURRENCY, async (file) => {
      const rel = relative(dir, file).split(sep).join('/');
      const { size } = await stat(file);
      await this.retry(() => this.client.putObject(bucket, `${key}/${checkKey(rel)}`, createReadStream(file), size));
    });
    return files.length;
  }

  async upload(path: string, uri: string): Promise<TransferKind | 'missing'> {
    const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (!st) return 'missing';
    if (st.isDirectory()) {
      await this.putDirectory(path, uri);
      return 'directory';
    }
    await this.putFile(path, uri);
    return 'file';
  }

  async getToFile(uri: string, path: string): Promise<void> {
    const { bucket, key } = parseArtifactUri(uri);
    await this.fetchObject(bucket, key, path);
  }

  async getDirectory(uri: string, dir: string): Promise<number> {
    const { bucket, key } = parseArtifactUri(uri);
    const keys = await this.listKeys(bucket, `${key}/`);
    // Check every key before writing anything, so a hostile listing leaves no partial tree.
    const targets = keys.map((k) => ({ key: k, path: safeJoin(dir, k.slice(key.length + 1)) }));
    await mkdir(dir, { recursive: true });
    await eachLimited(targets, CONCURRENCY, (t) => this.fetchObject(bucket, t.key, t.path));
    return targets.length;
  }

  async download(uri: string, path: string): Promise<TransferKind> {
    const { bucket, key } = parseArtifactUri(uri);
    if (await this.objectExists(bucket, key)) {
      await this.fetchObject(bucket, key, path);
      return 'file';
    }
    const n = await this.getDirectory(uri, path);
    if (n === 0) throw new ArtifactNotFoundError(uri);
    return 'directory';
  }

  async putJson(uri: string, value: unknown): Promise<void> {
    const { bucket, key } = parseArtifactUri(uri);
    const body = Buffer.from(JSON.stringify(value));
    await this.retry(() => this.client.putObject(bucket, key, body, body.length, { 'Content-Type': 'application/json' }));
  }

  async getJson<T = unknown>(uri: string): Promise<T> {
    const { bucket, key } = parseArtifactUri(uri);
    const text = await this.retry(async () => {
      let stream;
      try {
        stream = await this.client.getObject(bucket, key);
      } catch (e) {
        if (isNotFound(e)) throw new ArtifactNotFoundError(uri);
        throw e;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    return JSON.parse(text) as T;
  }

  async exists(uri: string): Promise<boolean> {
    const { bucket, key } = parseArtifactUri(uri);
    if (await this.objectExists(bucket, key)) return true;
    return (await this.listKeys(bucket, `${key}/`, 1)).length > 0;
  }

  /** Deletes the one object at `uri` (none there is fine). */
  async removeObject(uri: string): Promise<void> {
    const { bucket, key } = parseArtifactUri(uri);
    checkKey(key);
    await this.retry(() => this.client.removeObject(bucket, key));
  }

  /** Deletes every object under `<uri>/`; the number deleted. Each LIST/DELETE request is bounded by the timeout. */
  async removePrefix(uri: string): Promise<number> {
    const { bucket, key } = parseArtifactUri(uri);
    checkKey(key);
    const keys = await this.listKeys(bucket, key.endsWith('/') ? key : `${key}/`);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const failed = (await this.retry(() => this.client.removeObjects(bucket, batch))).find((r) => r?.Error);
      if (failed?.Error) throw new Error(`S3 refused to delete ${failed.Error.Key ?? 'an object'} under ${uri}: ${failed.Error.Code ?? ''} ${failed.Error.Message ?? ''}`.trim());
    }
    return keys.length;
  }

  async list(uri: string): Promise<string[]> {
    const { bucket, key } = parseArtifactUri(uri);
    const prefix = key.endsWith('/') ? key : `${key}/`;
    return (await this.listKeys(bucket, prefix)).map((k) => `${uri.slice(0, uri.indexOf('://') + 3)}${bucket}/${k}`);
  }

  private objectExists(bucket: string, key: string): Promise<boolean> {
    return this.retry(() => statExists(this.client, bucket, key));
  }

  private listKeys(bucket: string, prefix: string, limit = Infinity): Promise<string[]> {
    return this.retry(() => listObjectKeys(this.client, bucket, prefix, limit));
  }

  /** Streams to `<path>.part` then renames, so a reader never sees half a file. */
  private fetchObject(bucket: string, key: string, path: string): Promise<void> {
    return this.retry(() => this.fetchObjectOnce(bucket, key, path));
  }

  private async fetchObjectOnce(bucket: string, key: string, path: string): Promise<void> {
    let body;
    try {
      body = await this.client.getObject(bucket, key);
    } catch (e) {
      if (isNotFound(e)) throw new ArtifactNotFoundError(`${bucket}/${key}`);
      throw e;
    }
    await mkdir(dirname(path), { recursive: true });
    const part = `${path}.part`;
    try {
      await pipeline(body, createWriteStream(part));
      await rename(part, path);
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    }
  }
}
