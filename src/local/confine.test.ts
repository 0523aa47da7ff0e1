import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { confinedPath, copyConfined, isInside } from './confine.js';

let dir: string;
let root: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-confine-'));
  root = path.join(dir, 'run', 'task');
  await mkdir(path.join(root, 'model'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('isInside', () => {
  it('is lexical and segment-wise', () => {
    expect(isInside('/a/b/c', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b/../c', '/a/b')).toBe(false);
    expect(isInside('/a/bc', '/a/b')).toBe(false);
    expect(isInside('/etc/passwd', '/a/b')).toBe(false);
  });
});

describe('confinedPath', () => {
  it('accepts paths under the task root, existing or not', async () => {
    await expect(confinedPath('x', path.join(root, 'model', 'weights.txt'), root)).resolves.toBe(path.join(root, 'model', 'weights.txt'));
    await expect(confinedPath('x', path.join(root, 'new', 'deep', 'file'), root)).resolves.toBe(path.join(root, 'new', 'deep', 'file'));
  });

  it('refuses /etc/passwd and a climb out of the root, naming the output and the fix', async () => {
    await expect(confinedPath("output artifact 'model': custom_path", '/etc/passwd', root)).rejects
      .toThrow(`output artifact 'model': custom_path /etc/passwd is outside the task's root ${root}; a task's outputs must be written under its own output directory`);
    await expect(confinedPath('x', path.join(root, '..', 'other-task', 'model'), root)).rejects.toThrow(/is outside the task's root/);
  });

  it('refuses a symbolic link anywhere below the root, pointing in or out', async () => {
    await symlink('/etc/passwd', path.join(root, 'model', 'leak'));
    await symlink(path.join(root, 'model'), path.join(root, 'alias'));
    await expect(confinedPath('x', path.join(root, 'model', 'leak'), root)).rejects.toThrow(`${path.join(root, 'model', 'leak')} is a symbolic link`);
    await expect(confinedPath('x', path.join(root, 'alias', 'weights.txt'), root)).rejects.toThrow(/alias is a symbolic link/);
  });
});

describe('copyConfined', () => {
  it('copies a directory tree and refuses one holding a link', async () => {
    const src = path.join(root, 'custom');
    await mkdir(path.join(src, 'sub'), { recursive: true });
    await writeFile(path.join(src, 'sub', 'a.txt'), 'a');
    await copyConfined('x', src, path.join(root, 'model', 'copy'));
    expect(await readFile(path.join(root, 'model', 'copy', 'sub', 'a.txt'), 'utf8')).toBe('a');

    await symlink('/etc/passwd', path.join(src, 'sub', 'passwd'));
    await expect(copyConfined("output artifact 'model': custom_path", src, path.join(root, 'model', 'copy2'))).rejects
      .toThrow(`output artifact 'model': custom_path: ${path.join(src, 'sub', 'passwd')} is a symbolic link; artifacts are copied without following links`);
  });
});
