/**
 * Benchmark: the compiled training example (examples/training/pipeline.yaml) run end to end by
 *   (a) pipewright's local runner: `node bin/pipewright.js run examples/training/pipeline.yaml`
 *   (b) the kfp SDK's own kfp.local with SubprocessRunner(use_venv=False), calling the pipeline
 *       function of examples/training/pipeline.py,
 * on this machine, in one invocation, and prints both wall-clock times and their ratio.
 *
 * What is measured: wall time of each whole process (interpreter/runtime start, pipeline load,
 * all four tasks, artifact writes; pipewright with --no-cache, kfp.local without caching, its
 * default), after a warm-up that is not timed: the Python env with
 * pandas + scikit-learn + kfp (pipewright's cached venv for those components) is built if
 * missing, and both runners use that same venv (kfp.local gets the `docker` module, which it
 * imports even for the SubprocessRunner, from a --target dir on PYTHONPATH). kfp.local still runs
 * each task's generated `pip install` lines (already satisfied in that venv); pipewright skips
 * them. Use --repeat N to alternate N runs of each and report every time, the median and the
 * ratio of medians.
 *
 * Run:  npm run bench:local [-- --repeat 3]
 *   (= npm run build, compile this file to dist/bench-build, run it)
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { defaultCacheDir, ensurePythonEnv, KFP_SDK_VERSION, pythonEnvVars, type PythonEnv } from '../src/local/python-env.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Compiled to dist/bench-build/bench/, sources in bench/: find the repo root either way.
const repo = [path.resolve(here, '..'), path.resolve(here, '../../..')].find((d) => existsSync(path.join(d, 'bin/pipewright.js')))!;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));

const KFP_LOCAL_SCRIPT = String.raw`
import importlib.util, sys, warnings
warnings.simplefilter("ignore")
pipeline_py, root = sys.argv[1], sys.argv[2]
from kfp import local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root, raise_on_error=True)
spec = importlib.util.spec_from_file_location("training_pipeline", pipeline_py)
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod
spec.loader.exec_module(mod)
mod.ml_pipeline()
`;

interface Timed {
  seconds: number;
  code: number | null;
  logFile: string;
  stdout: string;
}

async function timed(logFile: string, file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const log = await fs.open(logFile, 'w');
  const t0 = process.hrtime.bigint();
  let stdout = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(file, args, { cwd: repo, env, stdio: ['ignore', 'pipe', log.fd] });
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await log.write(`\n--- stdout ---\n${stdout}`);
  await log.close();
  return { seconds, code, logFile, stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function dockerModuleDir(env: PythonEnv): Promise<string> {
  // kfp.local imports `docker` at module load even for the SubprocessRunner; it is not a kfp
  // dependency. Installed once, without deps (requests/urllib3 are in the env already).
  const dir = path.join(defaultCacheDir(), 'bench', 'docker-module');
  if (!existsSync(path.join(dir, 'docker'))) {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(env.python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', dir, 'docker'], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`pip install docker into ${dir} failed (exit ${code})`);
  }
  return dir;
}

async function main(argv: string[]): Promise<number> {
  const repeatIdx = argv.indexOf('--repeat');
  const repeat = repeatIdx >= 0 ? Number(argv[repeatIdx + 1]) : 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat needs a positive integer');
  const ir = path.join(repo, 'examples/training/pipeline.yaml');
  const py = path.join(repo, 'examples/training/pipeline.py');
  if (!existsSync(path.join(repo, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build first (npm run bench:local does)');

  logger.info('preparing the Python env with pandas + scikit-learn (built once, then cached)');
  const env = await ensurePythonEnv(['pandas', 'scikit-learn'], { logger, onProgress: (l) => logger.debug(l) });
  const dockerDir = await dockerModuleDir(env);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pipewright-bench-'));
  const pyEnv = pythonEnvVars(env, { ...process.env, PYTHONPATH: [dockerDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) });

  const pw: number[] = [];
  const kl: number[] = [];
  for (let i = 1; i <= repeat; i++) {
    const a = await timed(path.join(work, `pipewright-${i}.log`), process.execPath, ['bin/pipewright.js', 'run', ir, '--output', 'json', '--no-cache', '--artifact-root', path.join(work, `pw-${i}`)], process.env);
    const phase = (() => {
      try {
        return (JSON.parse(a.stdout) as { phase?: string }).phase;
      } catch {
        return undefined;
      }
    })();
    if (a.code !== 0 || phase !== 'Succeeded') throw new Error(`pipewright run failed (exit ${a.code}, phase ${phase}); log: ${a.logFile}`);
    pw.push(a.seconds);
    logger.info({ run: i, seconds: a.seconds.toFixed(2) }, 'pipewright');

    const b = await timed(path.join(work, `kfp-local-${i}.log`), env.python, ['-c', KFP_LOCAL_SCRIPT, py, path.join(work, `kl-${i}`)], pyEnv);
    if (b.code !== 0) throw new Error(`kfp.local run failed (exit ${b.code}); log: ${b.logFile}`);
    kl.push(b.seconds);
    logger.info({ run: i, seconds: b.seconds.toFixed(2) }, 'kfp.local');
  }

  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const ratio = median(kl) / median(pw);
  console.log(`training pipeline (examples/training), ${repeat} run(s) each, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}, kfp ${KFP_SDK_VERSION}`);
  console.log(`  pipewright run (IR YAML):          ${median(pw).toFixed(2)} s   [${fmt(pw)}]`);
  console.log(`  kfp.local SubprocessRunner (.py):  ${median(kl).toFixed(2)} s   [${fmt(kl)}]`);
  console.log(`  ratio kfp.local / pipewright:      ${ratio.toFixed(2)}x`);
  console.log(`  logs and outputs: ${work}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
