// Namespaces are tenants: which object-store URIs a run may read and write. Pure.
//
// Layout (R0 = the controller's PIPEWRIGHT_PIPELINE_ROOT, A = an entry of PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS):
//   T(ns)            = R0/<ns>                      the tenant prefix
//   task roots       = P/<ns>/<run>/<node path>     P = R0, an A, or a path inside R0/<ns> or A/<ns>
//   outputs.json     = <task root>/outputs.json
//   cache index      = R0/<ns>/.cache/<sha256>.json
// Namespace and run names are DNS names (they never start with '.'), and a pipeline root inside a tenant prefix
// may have no segment starting with '.', so no task root can ever lie in or contain a `.cache` prefix. The
// roots R0 and A must not nest (checked at start): then P/<ns>/... of one namespace never meets another's.
//
// Comparisons use bucket and key only: the controller's store serves minio://, s3:// and gs:// URIs from the
// same S3 server, so `s3://b/k` is the object `minio://b/k`. Percent-encoding, `.`/`..`/empty segments,
// backslashes, whitespace and control characters are refused rather than interpreted.
import { diagnostic, type Diagnostic } from '../model/diagnostics.js';

export interface TenancyConfig {
  /** R0: PIPEWRIGHT_PIPELINE_ROOT. */
  pipelineRoot: string;
  /** PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: further roots a pipeline may name; its runs still write under A/<ns>/. */
  allowedPipelineRoots: readonly string[];
  /** PIPEWRIGHT_SHARED_READ_URIS: read-only data every namespace may import (the object and everything under it). */
  sharedReadUris: readonly string[];
  /** Secret names no pipeline may reference: the controller's S3 and grant-key Secrets, PIPEWRIGHT_PROTECTED_SECRETS. */
  protectedSecrets: readonly string[];
  /** The controller's namespace and service account: a run there may not run its pods as that account. */
  controllerNamespace?: string;
  controllerServiceAccount?: string;
}

/** An object-store location reduced to what the store addresses: bucket and key segments. */
export interface Location {
  scheme: string;
  bucket: string;
  segments: string[];
}

const URI_RE = /^(minio|s3|gs):\/\/([^/]*)(?:\/(.*))?$/s;
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// No interpretation: what could be decoded, normalised or trimmed somewhere along the way is refused.
const FORBIDDEN = /[%\\\s?#]/u;
const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** The location of `uri`, or why it is not an acceptable object-store URI. `allowBucket`: a bare bucket is a valid root. */
export function parseStrict(uri: string, allowBucket = false): Location | string {
  if (typeof uri !== 'string' || uri === '') return 'is empty';
  const m = URI_RE.exec(uri);
  if (!m) return 'is not a minio://, s3:// or gs://<bucket>/<key> URI';
  const [, scheme = '', bucket = '', rawKey = ''] = m;
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) return `names an invalid bucket "${bucket}"`;
  if (hasControl(rawKey)) return 'contains a control character';
  const bad = FORBIDDEN.exec(rawKey);
  if (bad) return bad[0] === '%' ? 'contains percent-encoding (%), which is not accepted in artifact URIs' : `contains the character ${JSON.stringify(bad[0])}`;
  const key = rawKey.endsWith('/') ? rawKey.slice(0, -1) : rawKey;
  if (key === '') return allowBucket ? { scheme, bucket, segments: [] } : 'has no object key';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." path segment';
  return { scheme, bucket, segments };
}

/** True when `a` is `prefix` or lies under it, segment by segment (`a` is not under `ab`). */
export function isWithin(a: Location, prefix: Location): boolean {
  return a.bucket === prefix.bucket && prefix.segments.length <= a.segments.length && prefix.segments.every((s, i) => a.segments[i] === s);
}

function format(loc: Location): string {
  return `${loc.scheme}://${loc.bucket}${loc.segments.length ? `/${loc.segments.join('/')}` : ''}`;
}

function root(uri: string): Location {
  const loc = parseStrict(uri, true);
  if (typeof loc === 'string') throw new Error(`pipeline root "${uri}" ${loc}`);
  return loc;
}

function child(loc: Location, ...segs: string[]): Location {
  return { ...loc, segments: [...loc.segments, ...segs] };
}

/** T(ns): every object of the namespace's runs under the configured root (no trailing slash). */
export function tenantPrefix(cfg: Pick<TenancyConfig, 'pipelineRoot'>, ns: string): string {
  return format(child(root(cfg.pipelineRoot), ns));
}

/** The namespace's cache index: beside its runs, in a folder no run name can take. */
export function cacheIndexPrefix(cfg: Pick<TenancyConfig, 'pipelineRoot'>, ns: string): string {
  return format(child(root(cfg.pipelineRoot), ns, '.cache'));
}

/** Where runs of `ns` may write: R0/<ns> and A/<ns> for each allowed root. */
export function writablePrefixes(cfg: TenancyConfig, ns: string): Location[] {
  return [cfg.pipelineRoot, ...cfg.allowedPipelineRoots].map((r) => child(root(r), ns));
}

/** True when `uri` lies in one of the namespace's own prefixes (outputs.json, cache entries, its task outputs). */
export function isOwnUri(uri: string, ns: string, cfg: TenancyConfig): boolean {
  const loc = parseStrict(uri);
  return typeof loc !== 'string' && writablePrefixes(cfg, ns).some((p) => isWithin(loc, p));
}

function ownHint(cfg: TenancyConfig, ns: string): string {
  return writablePrefixes(cfg, ns).map((p) => `${format(p)}/`).join(' or ');
}

/**
 * An artifact URI a run of `ns` wants to read (an importer's, a task input's): allowed inside the namespace's
 * own prefixes and the shared read-only URIs. `field`: where the URI came from, for the message.
 */
export function checkReadUri(uri: string, ns: string, cfg: TenancyConfig, field: string): Diagnostic | undefined {
  const loc = parseStrict(uri);
  // Short: a task's message in the run status is cut at 300 characters.
  const fix = `import from ${ownHint(cfg, ns)} or a shared URI (PIPEWRIGHT_SHARED_READ_URIS)`;
  if (typeof loc === 'string') return diagnostic('FORBIDDEN_ARTIFACT_URI', { path: field }, `artifact URI ${JSON.stringify(uri)} ${loc}`, fix);
  if (writablePrefixes(cfg, ns).some((p) => isWithin(loc, p))) return undefined;
  if (cfg.sharedReadUris.some((s) => isWithin(loc, root(s)))) return undefined;
  return diagnostic('FORBIDDEN_ARTIFACT_URI', { path: field }, `artifact URI ${uri} is outside namespace ${ns}'s artifacts`, fix);
}

/**
 * The root a run's artifacts go under: the configured root when the pipeline names none; else the pipeline's,
 * if it is R0 or an allowed root (the run still writes under <root>/<ns>/), or a path inside R0/<ns> or A/<ns>.
 */
export function checkPipelineRoot(requested: string | undefined, ns: string, cfg: TenancyConfig, field: string): { root: string } | { diagnostic: Diagnostic } {
  if (requested === undefined || requested === '') return { root: format(root(cfg.pipelineRoot)) };
  const roots = [cfg.pipelineRoot, ...cfg.allowedPipelineRoots].map(root);
  const fix = `compile without pipeline_root (the controller's root ${format(roots[0]!)} is used), or name ${roots.map(format).join(', ')} or a path inside ${ownHint(cfg, ns)}; an administrator can allow more roots with PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS`;
  const refuse = (why: string): { diagnostic: Diagnostic } => ({ diagnostic: diagnostic('FORBIDDEN_PIPELINE_ROOT', { path: field }, `pipeline root ${JSON.stringify(requested)} ${why}`, fix) });
  const loc = parseStrict(requested, true);
  if (typeof loc === 'string') return refuse(loc);
  if (loc.scheme === 'gs') return refuse('is a gs:// URI; the controller writes artifacts to minio:// or s3:// roots');
  if (roots.some((r) => r.bucket === loc.bucket && r.segments.length === loc.segments.length && isWithin(loc, r))) return { root: format(loc) };
  for (const p of writablePrefixes(cfg, ns)) {
    if (!isWithin(loc, p)) continue;
    const dotted = loc.segments.slice(p.segments.length).find((s) => s.startsWith('.'));
    if (dotted) return refuse(`has the segment "${dotted}"; names starting with '.' are reserved (the cache index lives in .cache)`);
    return { root: format(loc) };
  }
  return refuse(`is outside namespace ${ns}'s artifact prefixes; a run may not write there`);
}

/** A Secret name a pipeline refers to (kfp-kubernetes secrets, image pull secrets): never one of the controller's. */
export function checkSecretName(name: string, ns: string, cfg: TenancyConfig, field: string): Diagnostic | undefined {
  if (!cfg.protectedSecrets.includes(name)) return undefined;
  return diagnostic(
    'FORBIDDEN_SECRET',
    { path: field },
    `Secret "${name}" is one of the controller's own Secrets; a pipeline may not mount or reference it`,
    `create a Secret of your own in namespace ${ns} under another name and refer to that`,
  );
}

/** spec.serviceAccountName: in the controller's namespace, never the controller's own account. */
export function checkServiceAccount(name: string | undefined, ns: string, cfg: TenancyConfig, field = 'spec.serviceAccountName'): Diagnostic | undefined {
  const own = cfg.controllerServiceAccount ?? 'pipewright-controller';
  if (!name || !cfg.controllerNamespace || ns !== cfg.controllerNamespace || name !== own) return undefined;
  return diagnostic('FORBIDDEN_SERVICE_ACCOUNT', { path: field }, `service account "${name}" is the controller's own; task pods may not run as it`, `name a service account made for pipelines, or leave ${field} unset`);
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The tenancy settings from the environment, checked at start with the variable named: roots that parse and do
 * not nest (nesting would let one namespace's `<root>/<ns>` be another's), shared read-only URIs that hold no
 * root (that would share every tenant's artifacts).
 */
export function tenancyFromEnv(env: NodeJS.ProcessEnv, pipelineRoot: string, secrets: string[]): TenancyConfig {
  const parse = (uri: string, variable: string, allowBucket: boolean): Location => {
    const loc = parseStrict(uri, allowBucket);
    if (typeof loc === 'string') throw new Error(`${variable}: "${uri}" ${loc}`);
    return loc;
  };
  const r0 = parse(pipelineRoot, 'PIPEWRIGHT_PIPELINE_ROOT', true);
  const allowed = list(env.PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS);
  const shared = list(env.PIPEWRIGHT_SHARED_READ_URIS);
  const roots: [string, Location][] = [[pipelineRoot, r0], ...allowed.map((a): [string, Location] => [a, parse(a, 'PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS', true)])];
  for (const [i, [a, la]] of roots.entries()) {
    for (const [b, lb] of roots.slice(i + 1)) {
      if (isWithin(la, lb) || isWithin(lb, la)) {
        throw new Error(`PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: "${a}" and "${b}" nest; with nested roots one namespace's prefix could be another's (list roots that share no prefix)`);
      }
    }
  }
  for (const s of shared) {
    const ls = parse(s, 'PIPEWRIGHT_SHARED_READ_URIS', true);
    const held = roots.find(([, lr]) => isWithin(lr, ls));
    if (held) throw new Error(`PIPEWRIGHT_SHARED_READ_URIS: "${s}" contains the pipeline root "${held[0]}"; every namespace could read every other's artifacts (share a narrower prefix)`);
  }
  const cfg: TenancyConfig = {
    pipelineRoot,
    allowedPipelineRoots: allowed,
    sharedReadUris: shared,
    protectedSecrets: [...new Set([...secrets, ...list(env.PIPEWRIGHT_PROTECTED_SECRETS)])],
  };
  if (env.POD_NAMESPACE) cfg.controllerNamespace = env.POD_NAMESPACE;
  if (env.POD_SERVICE_ACCOUNT) cfg.controllerServiceAccount = env.POD_SERVICE_ACCOUNT;
  return Object.freeze(cfg);
}
