// How long `pipewright validate` takes, and its peak memory, on generated pipelines: flat native pipelines of
// 2,000 and 10,000 tasks, a 5,000-task dependency chain, an IR file of 10,000 tasks, and two ~50 MB files (one
// over the task limit, refused before the model is built; one with a 50 MB command string). Each figure is one
// run of the real CLI (node start-up included) in a child process: wall time, and maxRSS from the child.
//
//   npm run bench:validate            (builds, then prints one line per input)
//
// Targets (issue 10): 10,000 tasks < 3 s; 50 MB < 10 s and < 1 GB.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let repo = path.dirname(new URL(import.meta.url).pathname);
while (!statSync(repo).isDirectory() || !safeExists(path.join(repo, 'package.json'))) repo = path.dirname(repo);

function safeExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

const NATIVE = 'apiVersion: pipewright.dev/v1alpha1\nkind: PipelineSpec\nmetadata: {name: bench}\nspec:\n  tasks:\n';

const flat = (n: number): string => NATIVE + Array.from({ length: n }, (_, i) => `    - {name: t${i}, image: alpine, command: [echo, "${i}"]}\n`).join('');
const chain = (n: number): string => NATIVE + Array.from({ length: n }, (_, i) => `    - {name: t${i}, image: alpine, command: [echo, "${i}"]${i ? `, dependsOn: [t${i - 1}]` : ''}}\n`).join('');
function irFlat(n: number): string {
  let s = 'pipelineInfo: {name: bench}\nschemaVersion: 2.1.0\ndeploymentSpec:\n  executors:\n    exec-a: {container: {image: alpine, command: [echo, hi]}}\ncomponents:\n  comp-a: {executorLabel: exec-a}\nroot:\n  dag:\n    tasks:\n';
  for (let i = 0; i < n; i++) s += `      t${i}: {taskInfo: {name: t${i}}, componentRef: {name: comp-a}${i ? `, dependentTasks: [t${i - 1}]` : ''}}\n`;
  return s;
}
const bigString = (mb: number): string => `${NATIVE}    - name: a\n      image: alpine\n      command: [sh, -c, "${'x'.repeat(mb * 1024 * 1024)}"]\n`;

interface Figure {
  name: string;
  bytes: number;
  seconds: number;
  rssMb: number;
  exit: number | null;
  out: string;
}

const MEASURE = `
const { main } = await import(process.env.PW_MAIN);
const code = await main(['node', 'pipewright', 'validate', process.env.PW_FILE]);
process.stderr.write('\\nmaxRSS ' + process.resourceUsage().maxRSS + '\\n');
process.exitCode = code;
`;

function measure(dir: string, name: string, text: string): Figure {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', MEASURE], {
    env: { ...process.env, PW_MAIN: path.join(repo, 'dist/cli/main.js'), PW_FILE: file },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssKb = Number(/maxRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const out = `${r.stdout}${r.stderr}`.replace(/\nmaxRSS \d+\n/, '').trim().split('\n')[0]!.slice(0, 110);
  rmSync(file);
  return { name, bytes: text.length, seconds, rssMb: rssKb / 1024, exit: r.status, out };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-bench-validate-'));
const inputs: [string, () => string][] = [
  ['native-flat-2000.yaml', () => flat(2000)],
  ['native-flat-10000.yaml', () => flat(10000)],
  ['native-chain-5000.yaml', () => chain(5000)],
  ['ir-chain-10000.yaml', () => irFlat(10000)],
  ['native-flat-800000-50MB.yaml', () => flat(800000)],
  ['native-50MB-string.yaml', () => bigString(50)],
];
process.stdout.write(`pipewright validate (one run each, node start-up included; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)})\n`);
for (const [name, make] of inputs) {
  const f = measure(dir, name, make());
  process.stdout.write(`${f.name.padEnd(30)} ${(f.bytes / 1e6).toFixed(1).padStart(6)} MB ${f.seconds.toFixed(2).padStart(7)} s ${f.rssMb.toFixed(0).padStart(6)} MB RSS  exit ${f.exit}  ${f.out}\n`);
}
rmSync(dir, { recursive: true, force: true });
