// The hostile corpus (test/malformed/hostile, plus a few generated inputs too big to keep in git), each through
// the real CLI's `validate`: exit 2, one line naming the problem (and the limit's variable where one applies),
// within a time bound. Every file says what it is (# HOSTILE), what the line must contain (# EXPECT) and any
// environment it runs with (# ENV: NAME=value).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const dir = path.join(repo, 'test/malformed/hostile');
/** Node start-up included, on a loaded 2-core machine; the inputs this guards against took minutes. */
const TIME_BOUND_MS = 20_000;
const MAX_LINE = 2_000;

interface Case {
  file: string;
  expect: string;
  env: Record<string, string>;
}

const NATIVE = 'apiVersion: pipewright.dev/v1alpha1\nkind: PipelineSpec\nmetadata: {name: p}\nspec:\n  tasks:\n';
const IR_HEAD = 'pipelineInfo: {name: p}\nschemaVersion: 2.1.0\ndeploymentSpec:\n  executors:\n    exec-a: {container: {image: alpine}}\n';

/** Inputs generated at test time: sizes that would bloat the repository. */
function generated(tmp: string): Case[] {
  const write = (name: string, text: string, expected: string, env: Record<string, string> = {}): Case => {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    return { file, expect: expected, env };
  };
  const chain = (n: number, cycle: boolean): string =>
    NATIVE + Array.from({ length: n }, (_, i) => `    - {name: t${i}, image: alpine, dependsOn: [t${i === 0 ? (cycle ? n - 1 : 'x') : i - 1}]}\n`).join('').replace('dependsOn: [tx]', 'dependsOn: []');
  const nestedComponents = (depth: number): string => {
    let s = `${IR_HEAD}components:\n  comp-a: {executorLabel: exec-a}\n`;
    for (let i = 0; i < depth; i++) s += `  comp-d${i}: {dag: {tasks: {t: {taskInfo: {name: t}, componentRef: {name: ${i + 1 < depth ? `comp-d${i + 1}` : 'comp-a'}}}}}}\n`;
    return `${s}root: {dag: {tasks: {t: {taskInfo: {name: t}, componentRef: {name: comp-d0}}}}}\n`;
  };
  return [
    write('gen-cycle-3000.yaml', chain(3000, true), 'tasks form a cycle: t0 -> t1 -> t2'),
    write('gen-components-150-deep.yaml', nestedComponents(150), 'DAG components nest more than 100 levels deep'),
    write('gen-huge-string-error.yaml', `${NATIVE}    - {name: a, image: alpine, dependsOn: [${'w'.repeat(2_000_000)}]}\n`, 'characters)'),
    write('gen-too-many-tasks.yaml', NATIVE + Array.from({ length: 25_000 }, (_, i) => `    - {name: t${i}, image: alpine}\n`).join(''), 'the pipeline has 25000 tasks'),
    write('gen-many-errors.yaml', NATIVE + Array.from({ length: 500 }, (_, i) => `    - {name: t${i}, image: alpine, dependsOn: [nope]}\n`).join(''), '… and 450 more problems'),
  ];
}

function corpus(): Case[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const header = (key: string): string | undefined => new RegExp(`^# ${key}: (.*)$`, 'm').exec(text.slice(0, 2000))?.[1];
    const env = Object.fromEntries((header('ENV') ?? '').split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    return { file: path.join(dir, f), expect: header('EXPECT') ?? '(no # EXPECT line)', env };
  });
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function validate(c: Case): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/pipewright.js', 'validate', c.file], { cwd: repo, timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PIPEWRIGHT_DEBUG: '', ...c.env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function ensureBuilt(): void {
  const stamp = (() => { try { return statSync(path.join(repo, 'dist/cli/main.js')).mtimeMs; } catch { return 0; } })();
  const newest = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((m, e) => {
    const p = path.join(d, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }, 0);
  if (newest(path.join(repo, 'src')) > stamp) execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
}

const cases = [...corpus(), ...generated(mkdtempSync(path.join(os.tmpdir(), 'pipewright-hostile-')))];
const results = new Map<string, Outcome>();

beforeAll(async () => {
  ensureBuilt();
  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) results.set(c.file, await validate(c));
  };
  await Promise.all([worker(), worker()]); // two at a time: the machine is shared
}, 900_000);

describe('hostile inputs', () => {
  it('the corpus holds at least 40 files, each with an expectation', () => {
    const files = corpus();
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(files.filter((c) => c.expect.startsWith('(no'))).toEqual([]);
  });

  describe.each(cases.map((c) => [path.basename(c.file), c] as const))('%s', (_name, c) => {
    it('validate: exit 2, the expected message on short lines, no stack trace, in time', () => {
      const r = results.get(c.file)!;
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr.length > 6000 ? `${r.stderr.slice(0, 3000)}\n…\n${r.stderr.slice(-3000)}` : r.stderr }).toEqual({ code: 2, stdout: '', stderr: expect.stringContaining(c.expect) });
      expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
      expect(lines.filter((l) => l.length > MAX_LINE)).toEqual([]);
      expect(lines.length).toBeLessThanOrEqual(51); // MAX_SHOWN problems and the count of the rest
      expect(r.ms).toBeLessThan(TIME_BOUND_MS);
    });
  });

  it('one YAML mistake is one line', () => {
    for (const name of ['yaml-cascade.yaml', 'yaml-tabs.yaml', 'yaml-duplicate-key.yaml']) {
      expect(results.get(path.join(dir, name))!.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
