// Fuzzing parse → validate → plan with generated inputs: mutations of real pipelines (text and structure) and
// hostile fragments (aliases, deep nesting, prototype keys, huge numbers, bad quantities and durations, CEL).
// A crash is any error other than a PipelineError with a located message (an INTERNAL_ERROR diagnostic counts as
// a crash: it is our bug turned into a message), or plan() throwing; a hang is one input taking over --hang-ms of CPU time.
//
//   npm run fuzz -- --count 100000 [--seed 42] [--hang-ms 2000] [--from N] [--shard i/n]
//
// --from N skips the first N inputs of the seed's stream (a stopped run goes on where it stopped); --shard i/n runs
// the inputs whose index % n is i, so n processes cover one stream on n cores.
//
// Prints the seed first (replay with --seed), each problem as it is found, progress every 10,000 inputs, then a
// summary; exits 1 when there was a crash or a hang.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { dump, load } from 'js-yaml';
import { plan } from '../src/engine/plan.js';
import type { ExecutionFact, PlanInput } from '../src/engine/state.js';
import { PipelineError } from '../src/model/diagnostics.js';
import { parsePipelineText } from '../src/model/parse-text.js';
import type { JsonValue, Pipeline } from '../src/model/types.js';
import { rng } from '../test/support/rng.js';

export interface FuzzProblem {
  index: number;
  kind: 'crash' | 'hang';
  message: string;
  input: string;
}

export interface FuzzReport {
  seed: number;
  count: number;
  accepted: number;
  rejected: number;
  problems: FuzzProblem[];
  /** Inputs run (count less those skipped by from and shard). */
  ran: number;
  slowestMs: number;
}


const NATIVE = `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: fuzz}
spec:
  params:
    - {name: n, type: integer, default: 3}
    - {name: xs, type: list, default: [1, 2, 3]}
  tasks:
    - name: produce
      image: alpine
      command: [sh, -c, 'echo 3 > "$0"', "{{outputs.parameters.count.path}}"]
      outputs: {parameters: [{name: count, type: integer}]}
      resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
      retries: {limit: 2, backoff: 5s, factor: 2, maxBackoff: 1m}
      timeout: 1h30m
    - name: consume
      image: alpine
      command: [echo, "{{inputs.parameters.n}}"]
      inputs: {parameters: [{name: n, from: tasks.produce.outputs.parameters.count}, {name: xs, from: params.xs}]}
      when: inputs.n > 2 && inputs.xs.exists(x, x == 2)
    - name: shard
      image: alpine
      command: [echo, "{{inputs.parameters.item}}"]
      dependsOn: [produce]
      loop: {from: params.xs, as: item, type: integer, parallelism: 2}
`;

const IR = `pipelineInfo: {name: fuzz}
schemaVersion: 2.1.0
deploymentSpec:
  executors:
    exec-a: {container: {image: alpine, command: [echo, hi], resources: {resourceCpuLimit: '1', resourceMemoryLimit: 1Gi}}}
components:
  comp-a: {executorLabel: exec-a, inputDefinitions: {parameters: {x: {parameterType: NUMBER_INTEGER}}}}
  comp-loop: {dag: {tasks: {a: {taskInfo: {name: a}, componentRef: {name: comp-a}, inputs: {parameters: {x: {componentInputParameter: item}}}}}}, inputDefinitions: {parameters: {item: {parameterType: NUMBER_INTEGER}}}}
root:
  inputDefinitions: {parameters: {n: {parameterType: NUMBER_INTEGER, defaultValue: 2}}}
  dag:
    tasks:
      a: {taskInfo: {name: a}, componentRef: {name: comp-a}, inputs: {parameters: {x: {componentInputParameter: n}}}, retryPolicy: {maxRetryCount: 2, backoffDuration: 1s}}
      b:
        taskInfo: {name: b}
        componentRef: {name: comp-a}
        dependentTasks: [a]
        inputs: {parameters: {x: {runtimeValue: {constant: 1}}}}
        triggerPolicy: {condition: "inputs.parameter_values['x'] > 0"}
      loop: {taskInfo: {name: loop}, componentRef: {name: comp-loop}, parameterIterator: {itemInput: item, items: {raw: '[1, 2, 3]'}}}
`;

/** Seeds: the two inline pipelines, and the repository's examples and IR fixtures when present. */
function seeds(): string[] {
  // The repository: the nearest directory above this file (bench/ or dist/bench-build/bench/) with a package.json.
  let root = path.dirname(new URL(import.meta.url).pathname);
  while (!existsSync(path.join(root, 'package.json')) && path.dirname(root) !== root) root = path.dirname(root);
  const extra = ['examples/native/hello.yaml', 'test/fixtures/ir/parallel_for.yaml', 'test/fixtures/ir/condition_basic.yaml', 'test/fixtures/ir/nested_pipeline.yaml'].flatMap((f) => {
    try {
      return [readFileSync(path.join(root, f), 'utf8')];
    } catch {
      return [];
    }
  });
  return [NATIVE, IR, ...extra];
}

const HOSTILE_TEXT = [
  '&a', '*a', '[', ']', '{', '}', ': ', '- ', '\t', '\u0000', '"', "'", '|', '>', '#', '---\n', '? ', '!!binary ', '<<: *a',
  '__proto__', 'constructor', 'prototype', 'toString', '{{', '}}', '{{$}}', '{{inputs.parameters.x}}', '1e999', '-1', '10Ei',
  '999999999999999999999', 'NaN', '.inf', '1h30m', '-5s', '0x1F', 'null', '~', '\n', '  ', 'a'.repeat(300),
];

const HOSTILE_KEYS = ['__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'dependsOn', 'name', 'tasks', 'dag', 'x'.repeat(100), ''];

function hostileValue(r: () => number, depth = 0): JsonValue {
  const pick = Math.floor(r() * 16);
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [-1, 0, 1e9, 1e308, -1e-9, 2 ** 53 + 1, 0.5][Math.floor(r() * 7)]!;
    case 3: return HOSTILE_TEXT[Math.floor(r() * HOSTILE_TEXT.length)]!;
    case 4: return ['-1', '10Ei', '100m', '1e30', 'lots', '0.000000001', '1Gi'][Math.floor(r() * 7)]!;
    case 5: return ['1h30m', '90s', '-5s', '10d', '1.5h', '500ms', '262800h', '3600s', ''][Math.floor(r() * 9)]!;
    case 6: return ['inputs.xs.all(a, inputs.xs.all(b, true))', "inputs.parameter_values['n'] > 1", '((((((((((1))))))))))', 'true ||', "'a' + 1"][Math.floor(r() * 5)]!;
    case 7: {
      let v: JsonValue = 1;
      const n = Math.floor(r() * 400);
      for (let i = 0; i < n; i++) v = [v];
      return v;
    }
    case 8: return Array.from({ length: Math.floor(r() * 30) }, (_, i) => i);
    case 9: return { [HOSTILE_KEYS[Math.floor(r() * HOSTILE_KEYS.length)]!]: depth < 3 ? hostileValue(r, depth + 1) : 1 };
    case 10: return 'x'.repeat(Math.floor(r() * 5000));
    default: return depth < 3 ? hostileValue(r, depth + 1) : 'v';
  }
}

/** Replaces, deletes or adds one value somewhere in a parsed document. */
function mutateStructure(doc: unknown, r: () => number): void {
  let node: unknown = doc;
  for (let step = 0; step < 12; step++) {
    if (typeof node !== 'object' || node === null) return;
    const keys = Object.keys(node);
    if (keys.length === 0) return;
    const k = keys[Math.floor(r() * keys.length)]!;
    const child = (node as Record<string, unknown>)[k];
    if (typeof child !== 'object' || child === null || r() < 0.25) {
      const o = node as Record<string, unknown>;
      const what = r();
      if (what < 0.6) o[k] = hostileValue(r);
      else if (what < 0.75) delete o[k];
      else Object.defineProperty(o, HOSTILE_KEYS[Math.floor(r() * HOSTILE_KEYS.length)]!, { value: hostileValue(r), enumerable: true, configurable: true, writable: true });
      return;
    }
    node = child;
  }
}

function mutateText(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const what = r();
    if (what < 0.4) s = s.slice(0, at) + HOSTILE_TEXT[Math.floor(r() * HOSTILE_TEXT.length)]! + s.slice(at);
    else if (what < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
    else if (what < 0.85) {
      const from = Math.floor(r() * s.length);
      s = s.slice(0, at) + s.slice(from, from + Math.floor(r() * 80)) + s.slice(at);
    } else s = s.slice(0, at) + s.slice(at).replace(/\d+/, String(Math.floor(r() * 1e6)));
  }
  return s;
}

/** One generated input: text mutation, or a structural one written back as YAML or JSON. */
export function generate(r: () => number, pool: string[], parsed: unknown[]): string {
  const i = Math.floor(r() * pool.length);
  if (r() < 0.5) return mutateText(pool[i]!, r);
  const doc = structuredClone(parsed[i]);
  const times = 1 + Math.floor(r() * 3);
  for (let t = 0; t < times; t++) mutateStructure(doc, r);
  try {
    return r() < 0.8 ? dump(doc, { noRefs: true, lineWidth: -1 }) : JSON.stringify(doc);
  } catch {
    return JSON.stringify(doc) ?? '';
  }
}

const RUN: PlanInput['run'] = { name: 'fuzz', displayName: 'fuzz', uid: 'u-1', namespace: 'default', pipelineRoot: 'minio://b/root', createTime: '2026-01-01T00:00:00Z' };

function planTwice(p: Pipeline): void {
  const first = plan({ pipeline: p, arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' });
  const facts: Record<string, ExecutionFact> = {};
  for (const l of first.launch) facts[l.nodeId] = { attempt: l.attempt, phase: 'Failed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', exitCode: 1 };
  plan({ pipeline: p, arguments: {}, facts, run: RUN, now: '2026-01-01T00:00:02Z' });
}

export function fuzz(opts: { seed: number; count: number; from?: number; shard?: { index: number; of: number }; hangMs?: number; onProgress?: (done: number, report: FuzzReport) => void; onProblem?: (p: FuzzProblem) => void }): FuzzReport {
  const r = rng(opts.seed);
  const pool = seeds();
  const parsed = pool.map((t) => load(t));
  const report: FuzzReport = { seed: opts.seed, count: opts.count, accepted: 0, rejected: 0, problems: [], slowestMs: 0, ran: 0 };
  const hangMs = opts.hangMs ?? 2000;
  // Reported as found, so a long run that is stopped early still tells what it saw.
  const found = (p: FuzzProblem): void => {
    report.problems.push(p);
    opts.onProblem?.(p);
  };
  for (let index = 0; index < opts.count; index++) {
    const input = generate(r, pool, parsed);
    // Inputs before --from, or of other shards, are generated (the stream stays the seed's) but not run.
    if (index < (opts.from ?? 0) || (opts.shard && index % opts.shard.of !== opts.shard.index)) continue;
    report.ran++;
    // CPU time, not wall time: the work is synchronous, so this is what the input costs whatever else the
    // machine runs (the first 1M run counted 14 "hangs" of wall time on a machine at load 20, none at rest).
    const c0 = process.cpuUsage();
    try {
      const p = parsePipelineText(input, 'fuzz.yaml');
      planTwice(p);
      report.accepted++;
    } catch (e) {
      const internal = e instanceof PipelineError ? e.diagnostics.find((d) => d.code === 'INTERNAL_ERROR') : undefined;
      if (e instanceof PipelineError && !internal) report.rejected++;
      else found({ index, kind: 'crash', message: internal ? internal.message : e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 500) : String(e), input: input.slice(0, 4000) });
    }
    const used = process.cpuUsage(c0);
    const ms = (used.user + used.system) / 1000;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > hangMs) found({ index, kind: 'hang', message: `took ${Math.round(ms)} ms of CPU`, input: input.slice(0, 4000) });
    if (opts.onProgress && report.ran % 10_000 === 0) opts.onProgress(index + 1, report);
  }
  return report;
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
  const count = Number(arg('count') ?? 10_000);
  const hangMs = Number(arg('hang-ms') ?? 2000);
  const from = Number(arg('from') ?? 0);
  const shardArg = arg('shard');
  const m = shardArg ? /^(\d+)\/(\d+)$/.exec(shardArg) : undefined;
  if (shardArg && (!m || Number(m[1]) >= Number(m[2]))) throw new Error(`--shard ${shardArg}: give i/n with 0 <= i < n, e.g. --shard 0/2`);
  const shard = m ? { index: Number(m[1]), of: Number(m[2]) } : undefined;
  process.stdout.write(`fuzz: seed ${seed}, ${count} inputs (replay: npm run fuzz -- --seed ${seed} --count ${count})\n`);
  const t0 = Date.now();
  const crashes = (r: FuzzReport): number => r.problems.filter((p) => p.kind === 'crash').length;
  if (from || shard) process.stdout.write(`  running inputs ${from}..${count - 1}${shard ? `, those with index % ${shard.of} = ${shard.index}` : ''}\n`);
  const report = fuzz({
    seed, count, from, ...(shard ? { shard } : {}), hangMs,
    onProgress: (n, r) => process.stdout.write(`  ${r.ran} inputs run (up to #${n}), ${Math.round((Date.now() - t0) / 1000)} s: ${crashes(r)} crashes, ${r.problems.length - crashes(r)} hangs so far; slowest ${Math.round(r.slowestMs)} ms of CPU\n`),
    onProblem: (p) => process.stdout.write(`  #${p.index} ${p.kind}: ${p.message}\n    input: ${JSON.stringify(p.input.slice(0, 300))}\n`),
  });
  process.stdout.write(`fuzz: ${report.ran} inputs run (of ${report.count} generated) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${report.accepted} accepted, ${report.rejected} rejected with a message, ${report.problems.filter((p) => p.kind === 'crash').length} crashes, ${report.problems.filter((p) => p.kind === 'hang').length} hangs; slowest input ${Math.round(report.slowestMs)} ms of CPU\n`);
  return report.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  process.exitCode = await main(process.argv.slice(2));
}
