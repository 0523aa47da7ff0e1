// `pipewright run` as the CLI runs it (runCommand): stdout holds only the summary or one JSON
// document, exit codes 0/1/2/130, Ctrl-C cancels.
import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { PipelineError } from '../../../src/model/diagnostics.js';
import { runCommand, type RunCommandOptions } from '../../../src/cli/commands/run.js';
import { quietLogger, repo } from './helpers.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function run(file: string, opts: Partial<RunCommandOptions>, signals = new EventEmitter()): Promise<Captured> {
  const out = sink();
  const err = sink();
  const artifactRoot = await mkdtemp(path.join(os.tmpdir(), 'pipewright-cli-'));
  const code = await runCommand(
    path.join(repo, file),
    { arg: [], output: 'text', logs: false, artifactRoot, ...opts },
    { stdout: out.stream, stderr: err.stream, logger: quietLogger, signals: signals as unknown as NodeJS.Process },
  );
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('pipewright run', () => {
  it('--output json prints one JSON document and nothing else; exit 1 on a failed run', async () => {
    const r = await run('test/fixtures/ir/failing_task.yaml', { output: 'json', arg: ['code=5'] });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { phase: string; message: string; tasks: Record<string, { state: string; exitCode?: number; outputs: unknown }> };
    expect(doc.phase).toBe('Failed');
    expect(doc.message).toMatch(/task fail-with failed: exit code 5: failing on purpose/);
    expect(doc.tasks['fail-with']).toMatchObject({ state: 'Failed', exitCode: 5 });
    expect(doc.tasks.independent).toMatchObject({ state: 'Succeeded', outputs: { parameters: { Output: 'ran' }, artifacts: {} } });
    expect(r.stderr).toMatch(/✗ fail-with failed after/);
  }, 120_000);

  it('text output: a summary with outputs and where the artifacts are; exit 0', async () => {
    const r = await run('test/fixtures/ir/container_component.yaml', { arg: ['name=cli'], runName: 'cli-text' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Run cli-text Succeeded in/);
    expect(r.stdout).toContain('Output = "hello, cli / 2 lines / last=cli"');
    const dataPath = /data: (\S+)/.exec(r.stdout)![1]!;
    expect(await readFile(dataPath, 'utf8')).toBe('name\ncli\n');
  }, 120_000);

  it.each([
    [['nonsense'], /--arg "nonsense" is not of the form name=value/],
    [['nope=1'], /has no parameter "nope"/],
    [['code=abc'], /argument "code" expects/],
  ])('bad --arg %p is a PipelineError (exit 2)', async (arg, message) => {
    const p = run('test/fixtures/ir/failing_task.yaml', { arg });
    await expect(p).rejects.toThrow(PipelineError);
    await expect(p).rejects.toThrow(message);
  });

  it('Ctrl-C stops running tasks and exits 130 with the run Cancelled', async () => {
    const signals = new EventEmitter();
    const err = sink();
    const out = sink();
    const artifactRoot = await mkdtemp(path.join(os.tmpdir(), 'pipewright-cli-'));
    const pidFile = path.join(artifactRoot, 'pid');
    const done = runCommand(
      path.join(repo, 'test/integration/local/pipelines/runner_behaviour.py'),
      { arg: [`pid_file=${pidFile}`, 'seconds=120'], output: 'json', logs: false, artifactRoot, pipelineFunc: 'long_sleep' },
      { stdout: out.stream, stderr: err.stream, logger: quietLogger, signals: signals as unknown as NodeJS.Process },
    );
    while (!(await readFile(pidFile, 'utf8').catch(() => ''))) await new Promise((r) => setTimeout(r, 100));
    signals.emit('SIGINT');
    expect(await done).toBe(130);
    expect(JSON.parse(out.text())).toMatchObject({ phase: 'Cancelled', tasks: { sleeper: { state: 'Cancelled' }, after: { state: 'Skipped' } } });
    expect(err.text()).toContain('stopping running tasks');
    expect(signals.listenerCount('SIGINT')).toBe(0);
  }, 120_000);
});
