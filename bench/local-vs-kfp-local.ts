/**
 * Benchmark: pipewright's local runner against the kfp SDK's own kfp.local (SubprocessRunner(use_venv=False)), on
 * this machine, shape by shape, each repeated (default 3, alternating the two runners) with the median and the
 * spread (min–max) printed:
 *   training    the tutorial's pipeline (examples/training: pipewright runs pipeline.yaml, kfp.local calls
 *               ml_pipeline() of pipeline.py)
 *   chain10     ten lightweight Python tasks in a chain (bench/pipelines/chain10.py, compiled once by
 *               `pipewright compile`); both runners' final output is checked to be start + 10
 *   fanout1000  a native 1,000-task fan-out (generated; pipewright only: kfp.local runs no native specs)
 *
 * What is measured: wall time of each whole process (interpreter/runtime start, pipeline load, all tasks,
 * artifact writes; pipewright with --no-cache, kfp.local without caching, its default), after a warm-up that is
 * not timed: the Python envs are built if missing and both runners use the same one (kfp.local gets the `docker`
 * module, which it imports even for the SubprocessRunner, from a --target dir on PYTHONPATH). kfp.local runs each
 * task's generated `pip install` lines (already satisfied in that env); pipewright drops them (its env is built
 * from exactly those packages, see stripPipInstall).
 *
 * Run:  npm run bench:local [-- --repeat 3] [--shapes training,chain10,fanout1000]
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

// Calls pipeline function argv[3] of argv[1] with the keyword arguments of JSON argv[4]; prints its single output (if any) as JSON on the last line.
const KFP_LOCAL_SCRIPT = String.raw`
import importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
pipeline_py, root, fn, kwargs = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
from kfp import local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root, raise_on_error=True)
spec = importlib.util.spec_from_file_location("bench_pipeline", pipeline_py)
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod
spec.loader.exec_module(mod)
task = getattr(mod, fn)(**kwargs)
outputs = getattr(task, "outputs", None) or {}
print(json.dumps(outputs.get("Output")))
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

interface Shape {
  name: string;
  /** What pipewright runs (IR or native YAML) and with which arguments. */
  pipewright: { file: string; args: string[] };
  /** The .py file and pipeline function kfp.local calls; none for native specs. */
  kfpLocal?: { py: string; fn: string; kwargs?: Record<string, unknown> };
  /** The root pipeline's single output both runners must give, when it has one. */
  expectOutput?: unknown;
}

/** A native spec: one producer and a loop of `n` tasks over its items (each a tiny process). */
function fanoutSpec(n: number): string {
  return `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: fanout-${n}}
spec:
  params:
    - {name: items, type: list, default: ${JSON.stringify(Array.from({ length: n }, (_, i) => i))}}
  tasks:
    - name: shard
      image: alpine
      command: [echo, "{{inputs.parameters.item}}"]
      loop: {from: params.items, as: item, type: integer}
`;
}

async function shapes(wanted: string[], work: string): Promise<Shape[]> {
  const all: Array<{ name: string; make: () => Promise<Shape> }> = [
    {
      name: 'training',
      make: async () => ({
        name: 'training (the tutorial pipeline, 4 tasks)',
        pipewright: { file: path.join(repo, 'examples/training/pipeline.yaml'), args: [] },
        kfpLocal: { py: path.join(repo, 'examples/training/pipeline.py'), fn: 'ml_pipeline' },
      }),
    },
    {
      name: 'chain10',
      make: async () => {
        const py = path.join(repo, 'bench/pipelines/chain10.py');
        const ir = path.join(work, 'chain10.yaml');
        const c = await timed(path.join(work, 'compile-chain10.log'), process.execPath, ['bin/pipewright.js', 'compile', py, '-o', ir], process.env);
        if (c.code !== 0) throw new Error(`pipewright compile ${py} failed (exit ${c.code}); log: ${c.logFile}`);
        return { name: 'chain10 (10 Python tasks in a chain)', pipewright: { file: ir, args: ['--param', 'start=5'] }, kfpLocal: { py, fn: 'chain', kwargs: { start: 5 } }, expectOutput: 15 };
      },
    },
    {
      name: 'fanout1000',
      make: async () => {
        const file = path.join(work, 'fanout1000.yaml');
        await fs.writeFile(file, fanoutSpec(1000));
        return { name: 'fanout1000 (native, 1,000 tasks; pipewright only)', pipewright: { file, args: [] } };
      },
    },
  ];
  const unknown = wanted.filter((w) => !all.some((a) => a.name === w));
  if (unknown.length) throw new Error(`unknown shape(s) ${unknown.join(', ')}; known: ${all.map((a) => a.name).join(', ')}`);
  return Promise.all(all.filter((a) => wanted.includes(a.name)).map((a) => a.make()));
}

const spread = (xs: number[]) => `${median(xs).toFixed(2)} s (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}; ${xs.map((x) => x.toFixed(2)).join(', ')})`;

function lastJson(text: string): unknown {
  const line = text.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** `repeat` alternating runs of each runner on one shape; the lines to print. */
async function benchShape(shape: Shape, repeat: number, work: string, pyEnv: NodeJS.ProcessEnv, python: string): Promise<string[]> {
  const lines: string[] = [];
  const pw: number[] = [];
  const kl: number[] = [];
  for (let i = 1; i <= repeat; i++) {
    const tag = `${shape.name.split(' ')[0]}-${i}`;
    const a = await timed(path.join(work, `pipewright-${tag}.log`), process.execPath, ['bin/pipewright.js', 'run', shape.pipewright.file, ...shape.pipewright.args, '--output', 'json', '--no-cache', '--artifact-root', path.join(work, `pw-${tag}`)], process.env);
    const summary = (() => {
      try {
        return JSON.parse(a.stdout) as { phase?: string; outputs?: { parameters?: Record<string, unknown> } };
      } catch {
        return undefined;
      }
    })();
    if (a.code !== 0 || summary?.phase !== 'Succeeded') throw new Error(`pipewright run failed (exit ${a.code}, phase ${summary?.phase}); log: ${a.logFile}`);
    if (shape.expectOutput !== undefined && summary.outputs?.parameters?.Output !== shape.expectOutput) {
      throw new Error(`pipewright's output ${JSON.stringify(summary.outputs?.parameters?.Output)} is not ${JSON.stringify(shape.expectOutput)}; log: ${a.logFile}`);
    }
    pw.push(a.seconds);
    logger.info({ shape: shape.name, run: i, seconds: a.seconds.toFixed(2) }, 'pipewright');
    if (!shape.kfpLocal) continue;
    const b = await timed(path.join(work, `kfp-local-${tag}.log`), python, ['-c', KFP_LOCAL_SCRIPT, shape.kfpLocal.py, path.join(work, `kl-${tag}`), shape.kfpLocal.fn, JSON.stringify(shape.kfpLocal.kwargs ?? {})], pyEnv);
    if (b.code !== 0) throw new Error(`kfp.local run failed (exit ${b.code}); log: ${b.logFile}`);
    if (shape.expectOutput !== undefined && lastJson(b.stdout) !== shape.expectOutput) {
      throw new Error(`kfp.local's output ${JSON.stringify(lastJson(b.stdout))} is not ${JSON.stringify(shape.expectOutput)}; log: ${b.logFile}`);
    }
    kl.push(b.seconds);
    logger.info({ shape: shape.name, run: i, seconds: b.seconds.toFixed(2) }, 'kfp.local');
  }
  lines.push(`${shape.name}${shape.expectOutput !== undefined ? `, both outputs = ${JSON.stringify(shape.expectOutput)}` : ''}`);
  lines.push(`  pipewright run:              ${spread(pw)}`);
  if (kl.length) {
    lines.push(`  kfp.local SubprocessRunner:  ${spread(kl)}`);
    lines.push(`  ratio of medians kfp.local / pipewright: ${(median(kl) / median(pw)).toFixed(2)}x`);
  }
  return lines;
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const repeat = Number(arg('repeat') ?? 3);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat needs a positive integer');
  const wanted = (arg('shapes') ?? 'training,chain10,fanout1000').split(',').map((x) => x.trim()).filter(Boolean);
  if (!existsSync(path.join(repo, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build first (npm run bench:local does)');

  logger.info('preparing the Python env with pandas + scikit-learn (built once, then cached)');
  const env = await ensurePythonEnv(['pandas', 'scikit-learn'], { logger, onProgress: (l) => logger.debug(l) });
  const dockerDir = await dockerModuleDir(env);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pipewright-bench-'));
  const pyEnv = pythonEnvVars(env, { ...process.env, PYTHONPATH: [dockerDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) });
  const chosen = await shapes(wanted, work);

  const lines: string[] = [];
  for (const shape of chosen) lines.push(...(await benchShape(shape, repeat, work, pyEnv, env.python)));
  console.log(`bench:local, ${repeat} run(s) each, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, kfp ${KFP_SDK_VERSION}, node ${process.version}`);
  for (const l of lines) console.log(l);
  console.log(`logs and outputs: ${work}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
