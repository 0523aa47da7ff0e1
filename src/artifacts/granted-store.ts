// The artifact store of a task pod's helper containers: no S3 credential, only the pod's grant. Each transfer
// asks the controller's artifact gateway for presigned URLs and streams between disk and S3 with global fetch.
// Files the task wrote are opened without following symlinks and only under the pod's artifact mounts.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ArtifactNotFoundError, safeJoin, type TransferKind } from './store.js';
import { confinedKind, listRegularFiles, openConfined } from '../util/safe-open.js';
import { eachLimited } from '../util/each-limited.js';

/** What the pod steps (src/executor/pod-io.ts) need of an artifact store. */
export interface PodArtifactStore {
  download(uri: string, path: string): Promise<TransferKind>;
  upload(path: string, uri: string): Promise<TransferKind | 'missing'>;
  putJson(uri: string, value: unknown): Promise<void>;
}

export interface GrantedStoreOptions {
  gatewayUrl: string;
  grant: string;
  /** Uploads are read only from regular files under these directories (the pod's artifact mounts). */
  roots: string[];
  /**
   * How long a request is retried on network errors and 5xx answers (default 5 minutes): long enough for the
   * controller (the gateway) or S3 to be restarted, so a finished task does not lose its outputs to an outage.
   */
  retryForMs?: number;
  /** First backoff; doubles each retry, up to maxBackoffMs (default 5 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  concurrency?: number;
}

/** A refusal by the gateway or S3 that retrying cannot fix. */
export class ArtifactAccessError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'ArtifactAccessError';
  }
}

class Retryable extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A presigned URL without its query (the signature) for messages. */
const bare = (url: string): string => url.split('?')[0]!;

export class GrantedArtifactStore implements PodArtifactStore {
  private readonly retryForMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly concurrency: number;

  constructor(private readonly opts: GrantedStoreOptions) {
    this.retryForMs = opts.retryForMs ?? 300_000;
    this.backoffMs = opts.backoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.concurrency = opts.concurrency ?? 4;
  }

  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryForMs;
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (e) {
        // fetch rejects with a TypeError on network errors (compared by name: it may come from another realm).
        const network = (e as Error | null)?.name === 'TypeError';
        const wait = Math.min(this.backoffMs * 2 ** (i - 1), this.maxBackoffMs);
        if (!(e instanceof Retryable || network) || Date.now() + wait > deadline) {
          if (e instanceof Retryable) throw new Error(`${what}: ${e.message} (after ${i} attempts)`);
          if (network) throw new Error(`${what}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message} (after ${i} attempts)`);
          throw e;
        }
        await sleep(wait);
      }
    }
  }

  private async gateway<T>(op: 'download' | 'upload', body: object): Promise<T> {
    return this.retry(`artifact gateway ${op}`, async () => {
      const res = await fetch(`${this.opts.gatewayUrl}/v1/artifacts/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.grant}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let json: { error?: string } & Record<string, unknown>;
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        json = { error: text.slice(0, 200) };
      }
      if (res.status >= 500) throw new Retryable(`HTTP ${res.status}: ${json.error ?? ''}`);
      if (res.status === 404 && op === 'download') throw new ArtifactNotFoundError((body as { uri: string }).uri);
      if (!res.ok) throw new ArtifactAccessError(`artifact gateway refused ${op} (HTTP ${res.status}): ${json.error ?? text.slice(0, 200)}`, res.status);
      return json as T;
    });
  }

  /** Streams a presigned GET to `<path>.part`, then renames, so a reader never sees half a file. */
  private async fetchTo(url: string, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await this.retry(`GET ${bare(url)}`, async () => {
      const res = await fetch(url);
      if (res.status >= 500) throw new Retryable(`HTTP ${res.status}`);
      if (!res.ok || !res.body) throw new ArtifactAccessError(`GET ${bare(url)}: HTTP ${res.status}`, res.status);
      const part = `${path}.part`;
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(part));
        await rename(part, path);
      } catch (e) {
        await rm(part, { force: true });
        throw e instanceof Error && !(e instanceof ArtifactAccessError) ? new Retryable(e.message) : e;
      }
    });
  }

  /** A presigned PUT of one file opened with openConfined (size known: S3 needs a Content-Length). */
  private async putFrom(url: string, file: string, roots: string[]): Promise<void> {
    await this.retry(`PUT ${bare(url)}`, async () => {
      const fh = await openConfined(file, roots, 'output artifact file');
      if (!fh) throw new ArtifactAccessError(`output artifact file ${file} disappeared`, 0);
      try {
        const { size } = await fh.stat();
        const body = size === 0 ? new Uint8Array(0) : Readable.toWeb(fh.createReadStream({ autoClose: false, start: 0 }));
        const res = await fetch(url, { method: 'PUT', body: body as RequestInit['body'], headers: { 'content-length': String(size) }, duplex: 'half' } as RequestInit);
        await res.arrayBuffer();
        if (res.status >= 500) throw new Retryable(`HTTP ${res.status}`);
        if (!res.ok) throw new ArtifactAccessError(`PUT ${bare(url)}: HTTP ${res.status}`, res.status);
      } finally {
        await fh.close();
      }
    });
  }

  async download(uri: string, path: string): Promise<TransferKind> {
    const answer = await this.gateway<{ kind: 'file'; url: string } | { kind: 'directory'; files: { path: string; url: string }[] }>('download', { uri });
    if (answer.kind === 'file') {
      await this.fetchTo(answer.url, path);
      return 'file';
    }
    // Every path checked before anything is written: a hostile listing leaves no partial tree.
    const targets = answer.files.map((f) => ({ url: f.url, path: safeJoin(path, f.path) }));
    await mkdir(path, { recursive: true });
    await eachLimited(targets, this.concurrency, (t) => this.fetchTo(t.url, t.path));
    return 'directory';
  }

  async upload(path: string, uri: string): Promise<TransferKind | 'missing'> {
    const what = await confinedKind(path, this.opts.roots, 'output artifact');
    if (what.kind === 'missing') return 'missing';
    if (what.kind === 'file') {
      // Checked before asking for a URL, so a refused file costs no gateway call.
      (await openConfined(path, this.opts.roots, 'output artifact'))?.close();
      const { url } = await this.gateway<{ url: string }>('upload', { uri });
      await this.putFrom(url, path, this.opts.roots);
      return 'file';
    }
    // Files of a directory must stay under the directory itself (symlinks are skipped, never followed).
    const files = await listRegularFiles(what.real);
    if (files.length === 0) return 'directory';
    const answer = await this.gateway<{ files: { path: string; url: string }[] }>('upload', { uri, files });
    await eachLimited(answer.files, this.concurrency, (f) => this.putFrom(f.url, join(what.real, f.path), [what.real]));
    return 'directory';
  }

  async putJson(uri: string, value: unknown): Promise<void> {
    const { url } = await this.gateway<{ url: string }>('upload', { uri });
    const body = Buffer.from(JSON.stringify(value));
    await this.retry(`PUT ${bare(url)}`, async () => {
      const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/json' } });
      await res.arrayBuffer();
      if (res.status >= 500) throw new Retryable(`HTTP ${res.status}`);
      if (!res.ok) throw new ArtifactAccessError(`PUT ${bare(url)}: HTTP ${res.status}`, res.status);
    });
  }
}
