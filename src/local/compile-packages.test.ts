import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { KFP_SDK_VERSION } from './python-env.js';
import { compilePackagesFor } from './load-pipeline.js';

describe('compilePackagesFor: kfp-kubernetes for files that import it', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pw-compile-pkgs-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, text: string): Promise<string> => {
    const f = path.join(dir, name);
    await writeFile(f, text);
    return f;
  };

  it.each([
    ['from kfp import dsl, kubernetes\n'],
    ['from kfp import kubernetes\n'],
    ['from kfp.kubernetes import use_secret_as_env\n'],
    ['import kfp.kubernetes\n'],
  ])('adds kfp-kubernetes at the SDK version for %j', async (text) => {
    expect(await compilePackagesFor(await file('a.py', text))).toEqual([`kfp-kubernetes==${KFP_SDK_VERSION}`]);
  });

  it('adds nothing otherwise, and keeps a version the caller chose', async () => {
    expect(await compilePackagesFor(await file('b.py', 'from kfp import dsl\n# kubernetes in a comment\n'))).toEqual([]);
    expect(await compilePackagesFor(await file('c.py', 'from kfp import kubernetes\n'), ['kfp-kubernetes==2.0.0'])).toEqual(['kfp-kubernetes==2.0.0']);
  });
});
