// The runner's own behaviour with real processes: retries, Ctrl-C style cancel, timeouts, importers.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileKfpPipeline } from '../../../src/local/compile-kfp.js';
import { runLocal } from '../../../src/local/runner.js';
import type { RunEvent } from '../../../src/local/events.js';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import type { Pipeline } from '../../../src/model/types.js';
import { quietLogger, repo } from './helpers.js';

const source = path.join(repo, 'test/integration/local/pipelines/runner_behaviour.py');
const compiled: Record<string, string> = {};

async function pipelineOf(func: string): Promise<Pipeline> {
  compiled[func] ??= await compileKfpPipeline(source, { pipelineFunc: func, logger: quietLogger });
  return parseKfpIr(compiled[func], source);
}

const tmp = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'pipewright-rt-'));

/** Alive and not a zombie. */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) Z/.test(stat);
}

async function waitForFile(file: string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text) return text;
    if (Date.now() > end) throw new Error(`${file} did not appear`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  for (const f of ['retry_once', 'long_sleep', 'import_file']) await pipelineOf(f);
}, 300_000);

describe('local runner', () => {
  it('retries a failed attempt after its backoff and succeeds', async () => {
    const events: RunEvent[] = [];
    const r = await runLocal(await pipelineOf('retry_once'), {
      arguments: { marker_dir: await tmp() },
      artifactRoot: await tmp(),
      logger: quietLogger,
      onEvent: (e) => events.push(e),
    });
    expect(r.phase).toBe('Succeeded');
    expect(r.nodes.flaky).toMatchObject({ phase: 'Succeeded', attempt: 2, outputs: { parameters: { Output: 'ok after retry' } } });
    const finished = events.filter((e) => e.type === 'task-finished');
    expect(finished.map((e) => [e.attempt, e.phase])).toEqual([
      [1, 'Failed'],
      [2, 'Succeeded'],
    ]);
    expect(finished[0]).toMatchObject({ message: expect.stringContaining('exit code 4: first attempt fails') });
  }, 120_000);

  it('cancel stops the whole process group and ends the run Cancelled', async () => {
    const dir = await tmp();
    const pidFile = path.join(dir, 'pid');
    const abort = new AbortController();
    const t0 = Date.now();
    const running = runLocal(await pipelineOf('long_sleep'), {
      arguments: { pid_file: pidFile, seconds: 120 },
      artifactRoot: await tmp(),
      logger: quietLogger,
      signal: abort.signal,
      killGraceMs: 2000,
    });
    const grandchild = Number(await waitForFile(pidFile, 60_000));
    expect(await alive(grandchild)).toBe(true);
    abort.abort();
    const r = await running;
    expect(r.phase).toBe('Cancelled');
    expect(r.nodes.sleeper!.phase).toBe('Cancelled');
    expect(r.nodes.after).toMatchObject({ phase: 'Skipped', reason: 'RunCancelled' });
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(await alive(grandchild)).toBe(false);
  }, 120_000);

  it('a cancel does not wait for a Python environment that is still being built', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const t0 = Date.now();
    const r = await runLocal(await pipelineOf('retry_once'), {
      arguments: { marker_dir: await tmp() },
      artifactRoot: await tmp(),
      logger: quietLogger,
      signal: abort.signal,
      pythonEnv: () => new Promise(() => undefined),
    });
    expect(r.phase).toBe('Cancelled');
    expect(r.nodes.flaky!.phase).toBe('Cancelled');
    expect(Date.now() - t0).toBeLessThan(5_000);
  }, 60_000);

  it('enforces a task timeout and names it in the failure', async () => {
    const dir = await tmp();
    const pipeline = await pipelineOf('long_sleep');
    const dag = pipeline.root.implementation as { kind: 'dag'; dag: { tasks: Record<string, { timeoutSeconds?: number }> } };
    dag.dag.tasks.sleeper!.timeoutSeconds = 10;
    const r = await runLocal(pipeline, {
      arguments: { pid_file: path.join(dir, 'pid'), seconds: 120 },
      artifactRoot: await tmp(),
      logger: quietLogger,
      killGraceMs: 1000,
    });
    expect(r.phase).toBe('Failed');
    expect(r.message).toMatch(/task sleeper failed: timed out after 10s/);
    // Under heavy load the task may not have reached its grandchild yet; when it has, it is gone.
    const pid = await readFile(path.join(dir, 'pid'), 'utf8').catch(() => '');
    if (pid) expect(await alive(Number(pid))).toBe(false);
  }, 120_000);

  it.each([
    ['an absolute path', (f: string) => f],
    ['a file:// URI', (f: string) => `file://${f}`],
  ])('imports a local file given as %s', async (_what, toUri) => {
    const dir = await tmp();
    const file = path.join(dir, 'data.txt');
    await writeFile(file, 'hello import\n');
    const r = await runLocal(await pipelineOf('import_file'), { arguments: { uri: toUri(file) }, artifactRoot: await tmp(), logger: quietLogger });
    expect(r.phase).toBe('Succeeded');
    expect(r.nodes['read-dataset']!.outputs!.parameters.Output).toBe('hello import');
    expect(r.nodes['importer']!.outputs!.artifacts.artifact![0]!.metadata).toEqual({ origin: 'test' });
  }, 120_000);

  it('says clearly that a remote importer URI cannot be fetched locally', async () => {
    const r = await runLocal(await pipelineOf('import_file'), { arguments: { uri: 'gs://some-bucket/data.csv' }, artifactRoot: await tmp(), logger: quietLogger });
    expect(r.phase).not.toBe('Succeeded');
    expect(r.message).toMatch(/gs:\/\/some-bucket\/data\.csv, which a local run cannot fetch/);
  }, 120_000);
});
