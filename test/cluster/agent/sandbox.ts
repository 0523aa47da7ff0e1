// bwrap arguments that give a container its own mount namespace: the host's root read-only, a private /tmp, and
// each volume bound at its mountPath. bwrap's root is an empty tmpfs, so host directories are bound one by one and
// a directory is "split" (its children bound individually) only where a mountPath needs a directory that does not
// exist on the host: the host itself is never written to.
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

export interface Mount { host: string; path: string; readOnly: boolean }

const SPECIAL = new Set(['/proc', '/dev', '/tmp']);

/** Resolves symlinks in the longest existing prefix of p (as the kernel would when bwrap mounts there). */
export function resolveTarget(p: string): string {
  const parts = posix.normalize(p).split('/').filter(Boolean);
  for (let i = parts.length; i > 0; i--) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    if (existsSync(prefix)) return posix.join(realpathSync(prefix), ...parts.slice(i));
  }
  return `/${parts.join('/')}`;
}

function hostEntries(dir: string): { path: string; link?: string }[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.map((n) => {
    const path = join(dir, n);
    try {
      const st = lstatSync(path);
      return st.isSymbolicLink() ? { path, link: readlinkSync(path) } : { path };
    } catch { return { path }; }
  });
}

/** Directories that must be rebuilt from their children because some target below them is missing on the host. */
function splitSet(targets: string[]): Set<string> {
  const split = new Set<string>(['/']);
  for (const t of targets) {
    if (existsSync(t)) continue; // binding onto an existing path needs no new directory
    let a = dirname(t);
    while (a !== '/' && !existsSync(a)) a = dirname(a);
    if ([...SPECIAL].some((s) => a === s || a.startsWith(`${s}/`))) continue; // writable in the sandbox
    for (; a !== '/'; a = dirname(a)) split.add(a);
  }
  return split;
}

/**
 * Host directories a container must not see (a real pod could not): the test cluster's own directory with its
 * certificates, kubeconfigs, state.json (S3 keys) and every pod's volumes. Each becomes an empty tmpfs; `keep`
 * paths under them (the pipewright shim) are bound back read-only.
 */
export interface Hidden { dirs: string[]; keep: string[] }

/**
 * readOnlyRoot (securityContext.readOnlyRootFilesystem): the sandbox's own root and /tmp are remounted read-only
 * once everything is in place; volumes and /dev stay as mounted, as on a real node.
 */
export function bwrapArgs(mounts: Mount[], workingDir: string | undefined, extraRo: string[] = [], hidden: Hidden = { dirs: [], keep: [] }, readOnlyRoot = false): string[] {
  const resolved = mounts.map((m) => ({ ...m, path: resolveTarget(m.path) }));
  const split = splitSet(resolved.map((m) => m.path).concat(workingDir ? [resolveTarget(workingDir)] : []));
  const args = ['--die-with-parent'];
  const walk = (dir: string): void => {
    for (const e of hostEntries(dir)) {
      if (SPECIAL.has(e.path)) continue;
      if (e.link !== undefined) args.push('--symlink', e.link, e.path);
      else if (split.has(e.path)) { args.push('--dir', e.path); walk(e.path); }
      else args.push('--ro-bind', e.path, e.path);
    }
  };
  walk('/');
  // Its own PID namespace: /proc shows the container's processes only, not the host's (the S3 server's environ).
  args.push('--unshare-pid', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  for (const d of hidden.dirs) args.push('--tmpfs', d);
  for (const k of hidden.keep) args.push('--ro-bind', k, k);
  for (const p of extraRo) args.push('--ro-bind', p, p);
  // Shorter paths first so a volume mounted inside another volume lands on top of it.
  for (const m of [...resolved].sort((a, b) => a.path.length - b.path.length)) {
    args.push(m.readOnly ? '--ro-bind' : '--bind', m.host, m.path);
  }
  if (workingDir) args.push('--dir', workingDir, '--chdir', workingDir);
  if (readOnlyRoot) args.push('--remount-ro', '/tmp', '--remount-ro', '/');
  return args;
}

/** An image's USER, which applies when neither the container nor the pod names one. */
export interface ImageUser { uid: number; gid?: number }

/**
 * runAsUser / runAsGroup (container over pod over the image's USER) as a user namespace; runAsNonRoot refuses
 * uid 0 as the kubelet does (an image without USER runs as root).
 */
export function identityArgs(pod: V1PodSecurityContext | undefined, c: V1SecurityContext | undefined, image?: ImageUser): string[] {
  const named = c?.runAsUser ?? pod?.runAsUser;
  const uid = named ?? image?.uid;
  const gid = c?.runAsGroup ?? pod?.runAsGroup ?? (named === undefined ? image?.gid : undefined);
  if ((c?.runAsNonRoot ?? pod?.runAsNonRoot) && !uid) {
    throw new Error('container has runAsNonRoot and image will run as root');
  }
  if (uid === undefined && gid === undefined) return [];
  return ['--unshare-user', ...(uid !== undefined ? ['--uid', String(uid)] : []), ...(gid !== undefined ? ['--gid', String(gid)] : [])];
}
