// Object-store artifact URIs (minio://, s3://, gs://): parsing with the traversal guard, and the
// path a task pod sees each one at. Pure.
import { clusterLocalPath } from '../executor/executor-input.js';
import { checkKey } from './keys.js';

export type ArtifactScheme = 'minio' | 's3' | 'gs';

export interface ArtifactLocation {
  scheme: ArtifactScheme;
  bucket: string;
  /** Object key (or key prefix for directory artifacts); never empty, never escapes the bucket. */
  key: string;
}

export class ArtifactUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactUriError';
  }
}

const URI_RE = /^(minio|s3|gs):\/\/([^/]*)(?:\/(.*))?$/s;
// S3 bucket naming rules (3-63 characters, lower case, digits, '.', '-'); GCS accepts a superset.
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Splits an artifact URI and rejects keys that could escape their prefix (`..`, absolute, backslash). */
export function parseArtifactUri(uri: string): ArtifactLocation {
  const m = URI_RE.exec(uri);
  if (!m) throw new ArtifactUriError(`artifact URI "${uri}" is not minio://, s3:// or gs://<bucket>/<key>`);
  const [, scheme, bucket = '', rawKey = ''] = m;
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw new ArtifactUriError(`artifact URI "${uri}": "${bucket}" is not a valid bucket name`);
  }
  // One trailing slash is tolerated (a directory written as such); an empty key is not.
  const key = rawKey.endsWith('/') ? rawKey.slice(0, -1) : rawKey;
  if (key === '') throw new ArtifactUriError(`artifact URI "${uri}" has no object key`);
  try {
    checkKey(key);
  } catch (e) {
    throw new ArtifactUriError(`artifact URI "${uri}": ${(e as Error).message}`);
  }
  return { scheme: scheme as ArtifactScheme, bucket, key };
}

export function formatArtifactUri(loc: ArtifactLocation): string {
  return `${loc.scheme}://${loc.bucket}/${loc.key}`;
}

/** `<uri>/<child>`, with `child` checked as a relative key. */
export function childUri(uri: string, child: string): string {
  const loc = parseArtifactUri(uri);
  return formatArtifactUri({ ...loc, key: `${loc.key}/${checkKey(child)}` });
}

/** True when `uri` is `root` itself or lies under it (segment-wise, not a string prefix). */
export function isUnderUri(uri: string, root: string): boolean {
  const a = parseArtifactUri(uri);
  const r = parseArtifactUri(root);
  return a.scheme === r.scheme && a.bucket === r.bucket && (a.key === r.key || a.key.startsWith(`${r.key}/`));
}

/**
 * `minio://b/k` -> `/minio/b/k`, `s3://` -> `/s3/`, `gs://` -> `/gcs/` (the SDK's mapping, shared with
 * src/executor's clusterLocalPath), after the traversal check so the path stays under its mount.
 */
export function localPathForUri(uri: string): string {
  parseArtifactUri(uri);
  return clusterLocalPath(uri.endsWith('/') ? uri.slice(0, -1) : uri);
}
