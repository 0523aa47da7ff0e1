// Artifact grants: what one task pod may read and write, signed by the controller and checked by its artifact
// gateway. A task pod holds a grant instead of an S3 credential (docs/adr/0003-artifact-grants.md). Pure.
//   token = base64url(JSON claims) "." base64url(HMAC-SHA256(key, first part))
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { parseArtifactUri, type ArtifactLocation } from './uri.js';

export interface GrantClaims {
  v: 1;
  /** The run's namespace and uid, and the pod the grant was made for: for logs and audits. */
  ns: string;
  run: string;
  pod: string;
  /** Artifact URIs; each entry covers its object and everything under `<uri>/`. */
  read: string[];
  /** URI prefixes (the task root): everything under `<prefix>/`. */
  write: string[];
  /** Unix seconds. */
  exp: number;
}

export class GrantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrantError';
  }
}

export const GRANT_KEY_INFO = 'pipewright grant v1';

/** PIPEWRIGHT_GRANT_KEY when set; else derived from the S3 secret key, so replicas agree without a new Secret. */
export function grantKey(opts: { grantKey?: string | undefined; s3SecretKey?: string | undefined }): Buffer {
  if (opts.grantKey) {
    if (opts.grantKey.length < 32) throw new GrantError('PIPEWRIGHT_GRANT_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)');
    return Buffer.from(opts.grantKey, 'utf8');
  }
  if (!opts.s3SecretKey) throw new GrantError('no grant key: set PIPEWRIGHT_GRANT_KEY or the S3 secret key (AWS_SECRET_ACCESS_KEY)');
  return Buffer.from(hkdfSync('sha256', opts.s3SecretKey, '', GRANT_KEY_INFO, 32));
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const mac = (key: Buffer, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();

export function signGrant(claims: GrantClaims, key: Buffer): string {
  const payload = b64(JSON.stringify(claims));
  return `${payload}.${b64(mac(key, payload))}`;
}

const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The claims of a genuine, unexpired grant; GrantError otherwise (the message never repeats the token). */
export function verifyGrant(token: string, key: Buffer, nowSec: number): GrantClaims {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new GrantError('malformed grant');
  const [payload, sig] = parts as [string, string];
  const expected = mac(key, payload);
  const given = Buffer.from(sig, 'base64url');
  // Only the one spelling signGrant writes: base64url's last character can carry unused bits, and a token that
  // could be respelled would not be one token per grant (logs, caches and revocation lists compare strings).
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || b64(given) !== sig) {
    throw new GrantError('grant signature does not match');
  }
  let c: Partial<GrantClaims>;
  try {
    c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<GrantClaims>;
  } catch {
    throw new GrantError('malformed grant claims');
  }
  if (c.v !== 1 || typeof c.ns !== 'string' || typeof c.run !== 'string' || typeof c.pod !== 'string'
    || !isStrList(c.read) || !isStrList(c.write) || typeof c.exp !== 'number') {
    throw new GrantError('grant claims are not version 1');
  }
  if (c.exp <= nowSec) throw new GrantError(`grant expired at ${new Date(c.exp * 1000).toISOString()}`);
  return c as GrantClaims;
}

/**
 * A location the gateway will act on: parseArtifactUri refuses `..`, `.` and empty segments; a segment that only
 * percent-decodes to one (or to a path separator) is refused too, in case something downstream decodes it.
 */
export function grantLocation(uri: string): ArtifactLocation {
  const loc = parseArtifactUri(uri);
  for (const seg of loc.key.split('/')) {
    if (!seg.includes('%')) continue;
    let d: string;
    try {
      d = decodeURIComponent(seg);
    } catch {
      throw new GrantError(`artifact URI "${uri}" has a malformed percent-encoding`);
    }
    if (d === '.' || d === '..' || d.includes('/') || d.includes('\\') || d.includes('\0')) {
      throw new GrantError(`artifact URI "${uri}" has an encoded path segment "${seg}"`);
    }
  }
  return loc;
}

// The controller serves every scheme from its one S3 server (as the pod helpers always have): compared by bucket
// and key only.

function covers(entry: string, target: ArtifactLocation, self: boolean): boolean {
  let e: ArtifactLocation;
  try {
    e = grantLocation(entry);
  } catch {
    return false;
  }
  if (e.bucket !== target.bucket) return false;
  return (self && target.key === e.key) || target.key.startsWith(`${e.key}/`);
}

/** Whether the grant lets its holder read (a read entry or under it) or write (strictly under a write prefix) at `uri`. */
export function grantAllows(claims: GrantClaims, op: 'read' | 'write', uri: string): boolean {
  let target: ArtifactLocation;
  try {
    target = grantLocation(uri);
  } catch {
    return false;
  }
  if (op === 'read') return claims.read.some((e) => covers(e, target, true));
  return claims.write.some((e) => covers(e, target, false));
}
