import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { lightweightComponentPackages, shellWords, stripPipInstall } from './component-command.js';
import { defaultCacheDir, envKey, KFP_SDK_VERSION, normalizePackages, pythonEnvVars, requirementName } from './python-env.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Ir {
  deploymentSpec: { executors: Record<string, { container?: { command?: string[]; args?: string[] } }> };
}
async function commands(file: string): Promise<Record<string, string[]>> {
  // The first YAML document is the PipelineSpec (a second one may hold the platform spec).
  const text = await fs.readFile(path.join(repo, file), 'utf8');
  const ir = parse(text.split(/^---$/m)[0]!) as Ir;
  const out: Record<string, string[]> = {};
  for (const [name, ex] of Object.entries(ir.deploymentSpec.executors)) out[name] = ex.container?.command ?? [];
  return out;
}

describe('requirementName', () => {
  test.each([
    ['pandas', 'pandas'],
    ['Scikit_Learn>=1.4', 'scikit-learn'],
    ['requests[socks]==2.0', 'requests'],
    ['typing-extensions>=3.7.4,<5; python_version<"3.9"', 'typing-extensions'],
    ['kfp==2.15.2', 'kfp'],
    ['kfp-kubernetes', 'kfp-kubernetes'],
    ['zope.interface', 'zope-interface'],
    ['pkg @ https://x/y.whl', 'pkg'],
    ['git+https://github.com/kubeflow/pipelines.git#subdirectory=sdk/python', undefined],
  ])('%s -> %s', (spec, name) => expect(requirementName(spec)).toBe(name));
});

describe('normalizePackages / envKey', () => {
  test('sorts, dedupes, trims and adds the kfp pin', () => {
    expect(normalizePackages(['scikit-learn', ' pandas ', 'pandas', ''])).toEqual([`kfp==${KFP_SDK_VERSION}`, 'pandas', 'scikit-learn']);
    expect(normalizePackages([])).toEqual([`kfp==${KFP_SDK_VERSION}`]);
  });
  test('an explicit kfp requirement wins over the default pin', () => {
    expect(normalizePackages(['pandas', 'kfp==2.10.1'])).toEqual(['kfp==2.10.1', 'pandas']);
    expect(normalizePackages(['KFP>=2'])).toEqual(['KFP>=2']);
    // kfp-kubernetes is not kfp
    expect(normalizePackages(['kfp-kubernetes'])).toEqual([`kfp==${KFP_SDK_VERSION}`, 'kfp-kubernetes']);
  });
  test('the key depends on the package set and the interpreter, not on order', () => {
    const v = '3.11.7 (main, Jan  1 2024) [GCC 12.2.0]';
    const k = envKey(v, normalizePackages(['pandas', 'scikit-learn']));
    expect(k).toMatch(/^[0-9a-f]{24}$/);
    expect(envKey(v, normalizePackages(['scikit-learn', 'pandas', 'pandas']))).toBe(k);
    expect(envKey('3.12.1', normalizePackages(['pandas', 'scikit-learn']))).not.toBe(k);
    expect(envKey(v, normalizePackages(['pandas']))).not.toBe(k);
    // What a compiled component needs maps onto the same env as what a user asks for.
    expect(envKey(v, normalizePackages(['pandas', 'scikit-learn', `kfp==${KFP_SDK_VERSION}`]))).toBe(k);
  });
  test('cache dir honours PIPEWRIGHT_CACHE', () => {
    expect(defaultCacheDir({ PIPEWRIGHT_CACHE: '/x/cache' })).toBe('/x/cache');
    expect(defaultCacheDir({})).toMatch(/\.cache\/pipewright$/);
  });
  test('pythonEnvVars puts the venv first on PATH', () => {
    const env = pythonEnvVars({ dir: '/v', binDir: '/v/bin', python: '/v/bin/python' }, { PATH: '/usr/bin', PYTHONHOME: '/x' });
    expect(env).toEqual({ PATH: '/v/bin:/usr/bin', VIRTUAL_ENV: '/v' });
  });
});

describe('shellWords', () => {
  test('quotes, escapes and operators', () => {
    const w = shellWords(`A=1 pip install 'a b' "c\\"d" e\\ f && "$0" "$@"\nx;y`);
    expect(w.map((x) => (x.op ? `<${x.text}>` : x.text))).toEqual(['A=1', 'pip', 'install', 'a b', 'c"d', 'e f', '<&&>', '$0', '$@', '<\n>', 'x', '<;>', 'y']);
  });
});

describe('lightweightComponentPackages on commands compiled by the real SDK', () => {
  test('every install variant (test/fixtures/commands/install_variants.yaml)', async () => {
    const c = await commands('test/fixtures/commands/install_variants.yaml');
    const pin = `kfp==${KFP_SDK_VERSION}`;
    expect(lightweightComponentPackages(c['exec-with-index-urls']!)).toEqual(['pandas', 'scikit-learn==1.5.0', "we'ird", pin]);
    expect(lightweightComponentPackages(c['exec-in-venv']!)).toEqual(['six', pin]);
    expect(lightweightComponentPackages(c['exec-no-install']!)).toEqual([]);
    expect(lightweightComponentPackages(c['exec-kfp-prefixed-package']!)).toEqual(['kfp-kubernetes']);
    expect(lightweightComponentPackages(c['exec-plain']!)).toEqual([pin]);
    expect(lightweightComponentPackages(c['exec-extras-and-ranges']!)).toEqual(['numpy>=1.26,<3', 'requests[socks]', pin]);
    expect(lightweightComponentPackages(c['exec-container']!)).toBeUndefined();
  });

  test('the training example', async () => {
    const c = await commands('examples/training/pipeline.yaml');
    const pin = `kfp==${KFP_SDK_VERSION}`;
    for (const name of ['exec-load-data', 'exec-train-model', 'exec-evaluate-model']) {
      expect(lightweightComponentPackages(c[name]!)).toEqual(['pandas', 'scikit-learn', pin]);
    }
    expect(lightweightComponentPackages(c['exec-deploy-model']!)).toEqual([pin]);
  });

  test('every fixture: lightweight commands all yield the kfp pin, container commands undefined', async () => {
    const dir = path.join(repo, 'test/fixtures/ir');
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      for (const [name, cmd] of Object.entries(await commands(`test/fixtures/ir/${f}`))) {
        const pkgs = lightweightComponentPackages(cmd);
        if (cmd.some((s) => s.includes('kfp.dsl.executor_main'))) expect([f, name, pkgs?.includes(`kfp==${KFP_SDK_VERSION}`)]).toEqual([f, name, true]);
        else expect([f, name, pkgs]).toEqual([f, name, undefined]);
      }
    }
  });

  test('not lightweight', () => {
    expect(lightweightComponentPackages([])).toBeUndefined();
    expect(lightweightComponentPackages(['python3', '-m', 'kfp.dsl.executor_main'])).toBeUndefined();
    expect(lightweightComponentPackages(['sh', '-c', 'pip install x && "$0" "$@"', 'sh', '-ec', 'echo not kfp'])).toBeUndefined();
  });

  test('a lightweight component runs without its install step (its env is built from that list); others unchanged', async () => {
    const c = await commands('test/fixtures/commands/install_variants.yaml');
    for (const name of ['exec-with-index-urls', 'exec-kfp-prefixed-package', 'exec-plain', 'exec-extras-and-ranges']) {
      const local = stripPipInstall(c[name]!);
      expect([name, local.slice(0, 2)]).toEqual([name, ['sh', '-ec']]);
      expect(local.join(' ')).not.toContain('pip install');
      expect(local.slice(2)).toEqual(c[name]!.slice(5));
    }
    for (const name of ['exec-no-install', 'exec-container']) expect(stripPipInstall(c[name]!)).toEqual(c[name]);
    const local = stripPipInstall(c['exec-in-venv']!);
    expect(local.slice(0, 2)).toEqual(['sh', '-ec']);
    expect(local[3]).toContain('def in_venv(');
    expect(local.join(' ')).not.toContain('venv "$tmp');
    // The compat pipeline's component (packages + use_venv), as compiled.
    const compat = await commands('test/fixtures/ir/compat/python_env.yaml');
    expect(lightweightComponentPackages(compat['exec-in-venv']!)).toEqual(['six==1.16.0', `kfp==${KFP_SDK_VERSION}`]);
    expect(stripPipInstall(compat['exec-in-venv']!).join(' ')).not.toContain('-m venv');
  });

  test('stripPipInstall leaves the executor part', async () => {
    const c = await commands('test/fixtures/commands/install_variants.yaml');
    const stripped = stripPipInstall(c['exec-with-index-urls']!);
    expect(stripped.slice(0, 2)).toEqual(['sh', '-ec']);
    expect(stripped[2]).toContain('_KFP_RUNTIME=true python3 -m kfp.dsl.executor_main');
    expect(stripped[3]).toContain('def with_index_urls(');
    expect(stripPipInstall(c['exec-no-install']!)).toEqual(c['exec-no-install']);
    expect(stripPipInstall(c['exec-container']!)).toEqual(c['exec-container']);
  });
});
