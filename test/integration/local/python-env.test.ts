/**
 * Builds real venvs (pip, PyPI) and compiles real pipelines with the kfp SDK.
 * The base env (kfp only) lives in the normal cache (~/.cache/pipewright or PIPEWRIGHT_CACHE) and
 * is reused across runs; the build/lock/failure tests use a throwaway cache dir.
 */
import { promises as fs } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { jest } from '@jest/globals';
import { parse } from 'yaml';
import { compileKfpPipeline } from '../../../src/local/compile-kfp.js';
import { lightweightComponentPackages } from '../../../src/local/component-command.js';
import { ensurePythonEnv, KFP_SDK_VERSION, locatePythonEnv, PythonEnvError } from '../../../src/local/python-env.js';

jest.setTimeout(15 * 60_000);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('ensurePythonEnv', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pipewright-venv-test-'));
  });
  afterAll(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  test('builds one env for concurrent callers, then reuses it', async () => {
    const lines: string[] = [];
    const [a, b] = await Promise.all([
      ensurePythonEnv(['six'], { cacheDir, logger, onProgress: (l) => lines.push(l) }),
      ensurePythonEnv([' six ', 'six'], { cacheDir, logger }),
    ]);
    expect(a).toEqual(b);
    expect(a.dir.startsWith(path.join(cacheDir, 'venvs'))).toBe(true);
    expect(lines.some((l) => /Collecting six|Installing collected packages/.test(l))).toBe(true);
    // kfp is always there, with the pinned version, and the executor entry point imports.
    const r = spawnSync(a.python, ['-c', 'import kfp, six, kfp.dsl.executor_main; print(kfp.__version__)'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(KFP_SDK_VERSION);
    // Console scripts were relocated from the temp build dir.
    const pipScript = await fs.readFile(path.join(a.binDir, 'pip'), 'utf8');
    expect(pipScript.split('\n')[0]).toMatch(new RegExp(`^#!${a.binDir}/python3?$`));
    const names = await fs.readdir(path.join(cacheDir, 'venvs'));
    expect(names.filter((n) => n.startsWith('.tmp-') || n.endsWith('.lock'))).toEqual([]);

    const t0 = Date.now();
    const again = await ensurePythonEnv(['six'], { cacheDir, logger });
    expect(again).toEqual(a);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('waits while a live process holds the build lock, breaks a dead one', async () => {
    const loc = await locatePythonEnv(['pipewright-lock-test'], { cacheDir });
    await fs.mkdir(path.dirname(loc.dir), { recursive: true });
    const lock = `${loc.dir}.lock`;
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await fs.writeFile(lock, JSON.stringify({ pid: sleeper.pid, host: os.hostname() }));
      await expect(ensurePythonEnv(['pipewright-lock-test'], { cacheDir, logger, lockTimeoutMs: 1200 })).rejects.toThrow(/timed out waiting for the lock/);
      // The holder "finishes": the env appears and the lock goes away; the waiter uses that env.
      const waiting = ensurePythonEnv(['pipewright-lock-test'], { cacheDir, logger, lockTimeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 700));
      await fs.mkdir(loc.dir);
      await fs.writeFile(path.join(loc.dir, 'pipewright-env.json'), '{}');
      await fs.rm(lock);
      await expect(waiting).resolves.toEqual({ dir: loc.dir, binDir: path.join(loc.dir, 'bin'), python: path.join(loc.dir, 'bin', 'python') });
    } finally {
      sleeper.kill();
    }
    // A lock left by a dead process does not block: the build starts (and fails in pip here).
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    const bad = await locatePythonEnv(['pipewright-no-such-package-xyz'], { cacheDir });
    await fs.writeFile(`${bad.dir}.lock`, JSON.stringify({ pid: Number(dead), host: os.hostname() }));
    await expect(ensurePythonEnv(['pipewright-no-such-package-xyz'], { cacheDir, logger, lockTimeoutMs: 5000 })).rejects.toThrow(/could not install pipewright-no-such-package-xyz/);
  });

  test('pip failure names the package and shows pip output', async () => {
    const err = await ensurePythonEnv(['pipewright-no-such-package-xyz'], { cacheDir, logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonEnvError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/could not install pipewright-no-such-package-xyz/);
    expect(msg).toMatch(/No matching distribution found/);
    const names = await fs.readdir(path.join(cacheDir, 'venvs'));
    expect(names.filter((n) => n.startsWith('.tmp-') || n.endsWith('.lock'))).toEqual([]);
  });
});

describe('compileKfpPipeline', () => {
  test('compiles the training example; the IR carries its packages', async () => {
    const text = await compileKfpPipeline(path.join(repo, 'examples/training/pipeline.py'), { logger });
    const ir = parse(text) as { pipelineInfo: { name: string }; sdkVersion: string; deploymentSpec: { executors: Record<string, { container: { command: string[] } }> } };
    expect(ir.pipelineInfo.name).toBe('training-pipeline');
    expect(ir.sdkVersion).toBe(`kfp-${KFP_SDK_VERSION}`);
    const train = ir.deploymentSpec.executors['exec-train-model']!;
    expect(lightweightComponentPackages(train.container.command)).toEqual(['pandas', 'scikit-learn', `kfp==${KFP_SDK_VERSION}`]);
  });

  describe('errors name the file and show only the last Python line', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pipewright-compile-test-'));
    });
    afterAll(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });
    const header = 'from kfp import dsl\n\n@dsl.component\ndef hello(name: str) -> str:\n    return name\n\n';
    const cases: [string, string, RegExp][] = [
      ['none.py', header, /none\.py: it defines no @dsl\.pipeline function/],
      [
        'two.py',
        header + '@dsl.pipeline\ndef a():\n    hello(name="a")\n\n@dsl.pipeline\ndef b():\n    hello(name="b")\n',
        /two\.py: it defines several pipelines \(a, b\); choose one with --pipeline-func NAME/,
      ],
      ['broken.py', header + 'import no_such_module_xyz\n', /broken\.py: importing it raised ModuleNotFoundError: No module named 'no_such_module_xyz' \(broken\.py line 7\)$/],
      ['badwire.py', header + '@dsl.pipeline\ndef p(n: int = 1):\n    hello(name=n)\n', /badwire\.py: importing it raised InconsistentTypeException: Incompatible argument passed to the input 'name' of component 'hello'.* \(badwire\.py line 9\)$/],
    ];
    test.each(cases)('%s', async (name, source, expected) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, source);
      const err = await compileKfpPipeline(file, { logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PythonEnvError);
      expect((err as Error).message).toMatch(expected);
      expect((err as Error).message).not.toMatch(/Traceback/);
    });

    test('a file importing kfp.kubernetes compiles (kfp-kubernetes added), with its platform spec', async () => {
      const file = path.join(dir, 'k8s.py');
      await fs.writeFile(file, header + 'from kfp import kubernetes\n\n@dsl.pipeline\ndef p():\n    t = hello(name="x")\n    kubernetes.use_secret_as_env(t, secret_name="s", secret_key_to_env={"k": "K"})\n');
      const text = await compileKfpPipeline(file, { logger });
      const docs = text.split(/^---$/m);
      expect(docs).toHaveLength(2);
      expect(docs[1]).toContain('secretAsEnv');
    });

    test('--pipeline-func picks one of several', async () => {
      const file = path.join(dir, 'pick.py');
      await fs.writeFile(file, header + '@dsl.pipeline(name="first")\ndef a():\n    hello(name="a")\n\n@dsl.pipeline(name="second")\ndef b():\n    hello(name="b")\n');
      const text = await compileKfpPipeline(file, { logger, pipelineFunc: 'b' });
      expect((parse(text) as { pipelineInfo: { name: string } }).pipelineInfo.name).toBe('second');
      await expect(compileKfpPipeline(file, { logger, pipelineFunc: 'c' })).rejects.toThrow(/pick\.py: it has no function named 'c' \(pipelines found: a, b\)/);
    });
  });
});
