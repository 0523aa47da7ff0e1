import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedKind, listRegularFiles, readConfinedText, UnsafePathError } from './safe-open.js';

let dir: string;
let mount: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-safe-open-'));
  mount = join(dir, 'mount');
  mkdirSync(join(mount, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'secret'), 'SECRET');
  writeFileSync(join(mount, 'ok'), 'fine');
  symlinkSync(join(dir, 'secret'), join(mount, 'link'));
  symlinkSync(join(mount, 'ok'), join(mount, 'inner-link')); // even a link that stays inside is not followed
  symlinkSync(dir, join(mount, 'up')); // a directory link: mount/up/secret
  execFileSync('mkfifo', [join(mount, 'fifo')]);
  writeFileSync(join(mount, 'sub', 'a'), 'a');
  symlinkSync('/proc/self/environ', join(mount, 'sub', 'env'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readConfinedText', () => {
  it('reads a regular file under a root, and undefined for a missing one', async () => {
    expect(await readConfinedText(join(mount, 'ok'), [mount])).toBe('fine');
    expect(await readConfinedText(join(mount, 'none'), [mount])).toBeUndefined();
  });

  it.each(['link', 'inner-link'])('refuses the symlink %s without reading its target', async (name) => {
    await expect(readConfinedText(join(mount, name), [mount], 'output parameter')).rejects.toThrow(new UnsafePathError(`output parameter ${join(mount, name)} is a symbolic link; it is not followed (write the file itself)`));
  });

  it('refuses a file reached through a symlinked directory, and one outside the roots', async () => {
    await expect(readConfinedText(join(mount, 'up', 'secret'), [mount])).rejects.toThrow(/resolves to .*secret, outside/);
    await expect(readConfinedText(join(dir, 'secret'), [mount])).rejects.toThrow(/outside/);
  });

  it('refuses a FIFO (it would block) and a directory', async () => {
    await expect(readConfinedText(join(mount, 'fifo'), [mount])).rejects.toThrow(/not a regular file/);
    await expect(readConfinedText(join(mount, 'sub'), [mount])).rejects.toThrow(/not a regular file/);
  });
});

describe('confinedKind and listRegularFiles', () => {
  it('tells files from directories, refuses symlinks and directories resolving outside', async () => {
    expect(await confinedKind(join(mount, 'ok'), [mount])).toEqual({ kind: 'file' });
    expect(await confinedKind(join(mount, 'nope'), [mount])).toEqual({ kind: 'missing' });
    expect(await confinedKind(join(mount, 'sub'), [mount])).toMatchObject({ kind: 'directory' });
    await expect(confinedKind(join(mount, 'up'), [mount])).rejects.toThrow(/symbolic link/);
    await expect(confinedKind(dir, [mount])).rejects.toThrow(/outside/);
  });

  it('lists regular files only, never through symlinks', async () => {
    expect(await listRegularFiles(mount)).toEqual(['ok', 'sub/a']);
  });
});
