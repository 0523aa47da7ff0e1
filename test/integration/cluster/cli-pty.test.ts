// `pipewright watch` and `pipewright logs -f` as a person sees them: the built CLI in a real pseudo-terminal
// (util-linux `script`; node has no pty of its own and node-pty needs a native build), against the test cluster
// with a controller running. Asserted: the live redraw (cursor moved up, frame cleared, colours) from a running
// frame to the final one, the exit code, and log lines of a task that starts after `logs -f` began.
/* eslint-disable no-control-regex -- terminal output is asserted escape by escape */
import { jest } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { twoSteps } from './cli-pipelines.js';
import { clusterState, createNamespace, kubectlOk } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';

jest.setTimeout(300_000);

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
const work = mkdtempSync(join(tmpdir(), 'pw-pty-'));

/** Rebuilds dist/ when a source file is newer: the CLI under test is the built one. */
function ensureBuilt(): void {
  const stamp = (() => { try { return statSync(join(repo, 'dist/cli/main.js')).mtimeMs; } catch { return 0; } })();
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }, 0);
  if (newest(join(repo, 'src')) > stamp) execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
}

interface Chunk { at: number; text: string }
interface Session { code: number; chunks: Chunk[]; text: string }

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI in a 120x60 pseudo-terminal; resolves with its exit code and the terminal output as it arrived. */
function inTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Session> {
  const cmd = `stty cols 120 rows 60; exec ${quote(process.execPath)} ${quote(join(repo, 'bin/pipewright.js'))} ${args.map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: work, env: { ...process.env, KUBECONFIG: clusterState().kubeconfig, TERM: 'xterm-256color', NO_COLOR: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Chunk[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push({ at: Date.now(), text: b.toString('utf8') }));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, chunks, text: chunks.map((c) => c.text).join('') }));
  });
}

const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');

async function submit(name: string, seconds: number, extra: string[] = []): Promise<void> {
  // The spec directly (kubectl), so the terminal sessions below are the only CLI processes measured.
  await kubectlOk(['create', '-n', ns.name, '-f', '-'], JSON.stringify({
    apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineYAML: twoSteps(name, seconds), arguments: { n: 5, ...Object.fromEntries(extra.map((e) => e.split('='))) } },
  }));
}

beforeAll(async () => {
  ensureBuilt();
  await installCrds();
  ns = await createNamespace('clipty');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
  rmSync(work, { recursive: true, force: true });
});

it('watch redraws the run in place while it runs, in colour, and exits 0 when it succeeds', async () => {
  await submit('pty-watch', 4);
  const s = await inTerminal(['watch', 'pty-watch', '-n', ns.name]);
  expect(s.code).toBe(0);
  // Each frame after the first moves the cursor up over the last one and clears below it.
  const frames = s.text.split('\x1b[J').slice(1).map(plain);
  expect(s.text).toMatch(/\x1b\[\d+F\x1b\[J/);
  expect(frames.length).toBeGreaterThan(2);
  expect(frames.some((f) => /^● one\s+Running/m.test(f))).toBe(true);
  const last = frames[frames.length - 1]!;
  expect(last).toMatch(/^Phase:\s+Succeeded$/m);
  expect(last).toMatch(/^✔ one\s+Succeeded\s+\d+s/m);
  expect(last).toMatch(/^✔ two\s+Succeeded/m);
  expect(s.text).toContain('\x1b[32mSucceeded\x1b[0m'); // colour on a terminal
});

it('watch exits 1 for a failed run; NO_COLOR turns colours off', async () => {
  await submit('pty-fail', 0, ['fail=true']);
  const s = await inTerminal(['watch', 'pty-fail', '-n', ns.name], { NO_COLOR: '1' });
  expect(s.code).toBe(1);
  expect(plain(s.text)).toMatch(/Phase:\s+Failed/);
  expect(s.text).not.toMatch(/\x1b\[3\dm/);
});

it('logs -f follows each task as it starts, prefixed, and ends with the run', async () => {
  await submit('pty-logs', 8);
  const s = await inTerminal(['logs', 'pty-logs', '-f', '-n', ns.name]);
  expect(s.code).toBe(0);
  const lines = plain(s.text).split('\n').map((l) => l.trimEnd()).filter(Boolean);
  expect(lines).toEqual(['one | start-one', 'one | end-one', 'two | two says 5']);
  expect(s.text).toContain('\x1b[36mone\x1b[0m | start-one'); // the task prefix coloured on a terminal
  // Live: the task's first line reached the terminal while it still ran (it sleeps 8 s before its second line; the
  // first can only be read once the pod's status says its container started, seconds later on a loaded machine).
  const arrival = (line: string): number => s.chunks.find((c) => plain(c.text).includes(line))!.at;
  expect(arrival('end-one') - arrival('start-one')).toBeGreaterThan(3000);
});
