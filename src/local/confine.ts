// A local task's outputs stay inside its own task root, as on the cluster (pod-io.ts checks artifact URIs
// against the task root): artifact URIs it reports (executor output, dsl.get_uri renames) and the files it
// asks to be copied (custom_path / Artifact.set_path). No symbolic link is followed on the way, so a task
// cannot have the runner copy /etc/passwd (or anything else of the host's) into an artifact.
import { cp, lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { OutputError } from '../executor/executor-output.js';

/** `p` is lexically inside `root` (or is it). */
export function isInside(p: string, root: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(p));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Checks that `p` lies under `root` and that no existing path component from root down to p is a symbolic
 * link; returns p resolved. `what` names the output in the message, e.g. "output artifact 'model': custom_path".
 */
export async function confinedPath(what: string, p: string, root: string): Promise<string> {
  const abs = path.resolve(p);
  if (!isInside(abs, root)) {
    throw new OutputError(`${what} ${p} is outside the task's root ${root}; a task's outputs must be written under its own output directory (next to the artifact's default path)`);
  }
  let cur = path.resolve(root);
  for (const seg of path.relative(cur, abs).split(path.sep).filter(Boolean)) {
    cur = path.join(cur, seg);
    const st = await lstatOrUndefined(cur);
    if (!st) break;
    if (st.isSymbolicLink()) throw new OutputError(`${what} ${p}: ${cur} is a symbolic link; artifacts are read without following links`);
  }
  return abs;
}

/** Copies a file or directory without following any symbolic link inside it (one refuses the copy). */
export async function copyConfined(what: string, from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    force: true,
    filter: async (src) => {
      if ((await lstat(src)).isSymbolicLink()) {
        throw new OutputError(`${what}: ${src} is a symbolic link; artifacts are copied without following links`);
      }
      return true;
    },
  });
}
