// The cache index: fingerprint (engine/fingerprint.ts) -> the outputs of the task execution that produced
// it. One JSON document per fingerprint, where the local runner and the cluster can both read it:
//   local:  <artifact root>/.cache/<fingerprint>.json            (written atomically: temp file + rename)
//   S3:     <pipeline root>/<namespace>/.cache/<fingerprint>.json   (one index per namespace: see tenancy.ts)
// A hit is only returned when every artifact it names still exists (someone may have deleted a run's
// outputs); otherwise the task runs again and its new outputs replace the entry.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { NodeOutputs } from '../engine/state.js';
import { ArtifactNotFoundError, type ArtifactStore } from './store.js';
import { checkSegment } from './keys.js';
import { cacheIndexPrefix } from './tenancy.js';
import { isMetadataOnly } from '../model/artifact-types.js';

export const CACHE_FORMAT = 'pipewright-cache-1';

/** Where an entry came from, for people reading the index (never part of the key). */
export interface CacheMeta {
  pipeline: string;
  run: string;
  nodeId: string;
  component: string;
  createdAt: string;
}

export interface CacheEntry {
  format: typeof CACHE_FORMAT;
  fingerprint: string;
  outputs: NodeOutputs;
  meta: CacheMeta;
}

export interface CacheIndex {
  /** The outputs recorded for `fingerprint`, if any and if their artifacts still exist. */
  lookup(fingerprint: string): Promise<NodeOutputs | undefined>;
  record(fingerprint: string, outputs: NodeOutputs, meta: CacheMeta): Promise<void>;
}

// Metrics artifacts live in their metadata; they may have no file behind them.
const FINGERPRINT = /^[0-9a-f]{64}$/;

function checkFingerprint(fp: string): string {
  // The fingerprint becomes a file/object name: a sha256 hex digest and nothing else.
  if (!FINGERPRINT.test(fp)) throw new Error(`cache fingerprint "${fp}" is not a sha256 hex digest`);
  return fp;
}

function isOutputs(v: unknown): v is NodeOutputs {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return !!o.parameters && typeof o.parameters === 'object' && !!o.artifacts && typeof o.artifacts === 'object';
}

/** The outputs of a well-formed entry for this fingerprint; undefined for anything else. */
export function entryOutputs(raw: unknown, fingerprint: string): NodeOutputs | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as Partial<CacheEntry>;
  if (e.format !== CACHE_FORMAT || e.fingerprint !== fingerprint || !isOutputs(e.outputs)) return undefined;
  return e.outputs;
}

async function allExist(outputs: NodeOutputs, exists: (uri: string) => Promise<boolean>): Promise<boolean> {
  for (const list of Object.values(outputs.artifacts)) {
    for (const a of list) {
      if (isMetadataOnly(a.type.schemaTitle)) continue;
      if (!(await exists(a.uri))) return false;
    }
  }
  return true;
}

function entry(fingerprint: string, outputs: NodeOutputs, meta: CacheMeta): CacheEntry {
  return { format: CACHE_FORMAT, fingerprint, outputs, meta };
}

/** The local runner's index under the artifact root. Artifact URIs are host paths (file:// tolerated). */
export class LocalCacheIndex implements CacheIndex {
  readonly dir: string;

  constructor(artifactRoot: string) {
    this.dir = path.join(artifactRoot, '.cache');
  }

  private file(fp: string): string {
    return path.join(this.dir, `${checkFingerprint(fp)}.json`);
  }

  async lookup(fingerprint: string): Promise<NodeOutputs | undefined> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.file(fingerprint), 'utf8'));
    } catch {
      return undefined; // absent, unreadable or torn: a miss
    }
    const outputs = entryOutputs(raw, fingerprint);
    if (!outputs) return undefined;
    const exists = async (uri: string): Promise<boolean> => {
      const p = uri.startsWith('file://') ? decodeURIComponent(uri.slice('file://'.length)) : uri;
      return (await stat(p).catch(() => undefined)) !== undefined;
    };
    return (await allExist(outputs, exists)) ? outputs : undefined;
  }

  async record(fingerprint: string, outputs: NodeOutputs, meta: CacheMeta): Promise<void> {
    const file = this.file(fingerprint);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(entry(fingerprint, outputs, meta)));
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}

/**
 * The cluster's index of one namespace, inside its tenant prefix: a run never sees another namespace's entries.
 * `accept`: artifact URIs an entry may name (the namespace's own); an entry naming any other is a miss, and
 * nothing it names is looked at.
 */
export class S3CacheIndex implements CacheIndex {
  readonly prefix: string;

  /** `pipelineRoot`: e.g. minio://pipewright/v2/artifacts; entries go to minio://pipewright/v2/artifacts/<ns>/.cache/. */
  constructor(
    private readonly store: ArtifactStore,
    pipelineRoot: string,
    namespace: string,
    private readonly accept: (uri: string) => boolean = () => true,
  ) {
    this.prefix = cacheIndexPrefix({ pipelineRoot }, checkSegment(namespace, 'namespace'));
  }

  uriFor(fingerprint: string): string {
    return `${this.prefix}/${checkFingerprint(fingerprint)}.json`;
  }

  async lookup(fingerprint: string): Promise<NodeOutputs | undefined> {
    let raw: unknown;
    try {
      raw = await this.store.getJson(this.uriFor(fingerprint));
    } catch (e) {
      if (e instanceof ArtifactNotFoundError || e instanceof SyntaxError) return undefined;
      throw e;
    }
    const outputs = entryOutputs(raw, fingerprint);
    if (!outputs || !Object.values(outputs.artifacts).every((list) => list.every((a) => this.accept(a.uri)))) return undefined;
    const exists = async (uri: string): Promise<boolean> => {
      try {
        return await this.store.exists(uri);
      } catch {
        return false; // not an object-store URI this store can see
      }
    };
    return (await allExist(outputs, exists)) ? outputs : undefined;
  }

  async record(fingerprint: string, outputs: NodeOutputs, meta: CacheMeta): Promise<void> {
    // One PUT: S3 objects appear whole, so readers never see a torn entry.
    await this.store.putJson(this.uriFor(fingerprint), entry(fingerprint, outputs, meta));
  }
}
