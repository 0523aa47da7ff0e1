// What the rest of the code knows of an artifact store: the interface, its not-found error and the key check
// for downloads. No client here: task pods (granted-store.ts) and pure planning import this without loading
// the S3 client library.
import { resolve, sep } from 'node:path';
import { checkKey } from './keys.js';

export class ArtifactNotFoundError extends Error {
  constructor(readonly uri: string) {
    super(`artifact ${uri} does not exist (no object and no objects under it)`);
    this.name = 'ArtifactNotFoundError';
  }
}

export type TransferKind = 'file' | 'directory';

export interface ArtifactStore {
  ensureBucket(bucket?: string): Promise<void>;
  putFile(path: string, uri: string): Promise<void>;
  /** Uploads every file under `dir` to `<uri>/<relative path>`; returns the number of files. */
  putDirectory(dir: string, uri: string): Promise<number>;
  /** A file or a whole directory, whichever `path` is; 'missing' when nothing is there. */
  upload(path: string, uri: string): Promise<TransferKind | 'missing'>;
  getToFile(uri: string, path: string): Promise<void>;
  /** Downloads every object under `<uri>/` into `dir`; refuses keys that would escape `dir`. */
  getDirectory(uri: string, dir: string): Promise<number>;
  /** The object at `uri` if there is one, else the objects under `<uri>/`; ArtifactNotFoundError if neither. */
  download(uri: string, path: string): Promise<TransferKind>;
  putJson(uri: string, value: unknown): Promise<void>;
  getJson<T = unknown>(uri: string): Promise<T>;
  /** An object at `uri` or at least one object under `<uri>/`. */
  exists(uri: string): Promise<boolean>;
  /** The URIs of the objects under `<uri>/`, sorted. */
  list(uri: string): Promise<string[]>;
  /** Delete-if-present. */
  removeObject(uri: string): Promise<void>;
}

/** `dir/rel`, refusing relative keys that are absolute or climb out of `dir`. */
export function safeJoin(dir: string, rel: string): string {
  checkKey(rel);
  const root = resolve(dir);
  const target = resolve(root, rel);
  if (target !== root && !target.startsWith(root + sep)) throw new Error(`key "${rel}" would escape ${dir}`);
  return target;
}
