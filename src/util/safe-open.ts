// Opening files a task's code wrote, from the helper containers, without following symlinks: the task could
// otherwise point an output at /proc/self/environ or a helper's own files and have the helper read them out.
// lstat + O_NOFOLLOW, regular files only, and the file actually opened (/proc/self/fd) must lie under a root.
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';

export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

const isUnder = (p: string, root: string): boolean => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

async function realRoots(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) out.push(await realpath(r).catch(() => r));
  return out;
}

async function openedPath(fh: FileHandle, fallback: string): Promise<string> {
  // The kernel's name for what we hold: no window between a check and the open.
  return readlink(`/proc/self/fd/${fh.fd}`).catch(() => realpath(fallback));
}

/** A regular file under one of `roots`, opened for reading; undefined when nothing is at `path`. */
export async function openConfined(path: string, roots: string[], what = 'file'): Promise<FileHandle | undefined> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (!st) return undefined;
  if (st.isSymbolicLink()) throw new UnsafePathError(`${what} ${path} is a symbolic link; it is not followed (write the file itself)`);
  if (!st.isFile()) throw new UnsafePathError(`${what} ${path} is not a regular file`);
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafePathError(`${what} ${path} is a symbolic link; it is not followed (write the file itself)`);
    throw e;
  }
  try {
    if (!(await fh.stat()).isFile()) throw new UnsafePathError(`${what} ${path} is not a regular file`);
    const real = await openedPath(fh, path);
    const allowed = await realRoots(roots);
    if (!allowed.some((r) => isUnder(real, r))) {
      throw new UnsafePathError(`${what} ${path} resolves to ${real}, outside ${roots.join(', ')}`);
    }
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** The text of a regular file under `roots` (see openConfined); undefined when missing. */
export async function readConfinedText(path: string, roots: string[], what = 'file'): Promise<string | undefined> {
  const fh = await openConfined(path, roots, what);
  if (!fh) return undefined;
  try {
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

export type PathKind = { kind: 'missing' } | { kind: 'file' } | { kind: 'directory'; real: string };

/** What is at `path` without following a final symlink; a directory must itself resolve under `roots`. */
export async function confinedKind(path: string, roots: string[], what = 'path'): Promise<PathKind> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (!st) return { kind: 'missing' };
  if (st.isSymbolicLink()) throw new UnsafePathError(`${what} ${path} is a symbolic link; it is not followed (write the file or directory itself)`);
  if (st.isFile()) return { kind: 'file' };
  if (!st.isDirectory()) throw new UnsafePathError(`${what} ${path} is neither a regular file nor a directory`);
  const real = await realpath(path);
  if (!(await realRoots(roots)).some((r) => isUnder(real, r))) throw new UnsafePathError(`${what} ${path} resolves to ${real}, outside ${roots.join(', ')}`);
  return { kind: 'directory', real };
}

/** Relative paths (with `/`) of the regular files under `dir`; symlinks and other special files are skipped. */
export async function listRegularFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const rel = join(entry.parentPath, entry.name).slice(dir.length + 1);
    out.push(rel.split(sep).join('/'));
  }
  return out.sort();
}
