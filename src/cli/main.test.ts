import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { PipelineError, diagnostic } from '../model/diagnostics.js';
import { buildProgram, reportError } from './main.js';

function capture(err: unknown, env: NodeJS.ProcessEnv = {}): { code: number; text: string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  const code = reportError(err, out, env);
  return { code, text };
}

describe('reportError', () => {
  it('prints each diagnostic on one line and exits 2', () => {
    const err = new PipelineError([
      diagnostic('A', { file: 'p.yaml', path: 'spec.tasks[a]' }, 'first\nproblem', 'do this'),
      diagnostic('B', { file: 'p.yaml', task: 'b' }, 'second', 'do that'),
    ]);
    expect(capture(err)).toEqual({ code: 2, text: 'p.yaml: spec.tasks[a]: first problem (fix: do this)\np.yaml: task b: second (fix: do that)\n' });
  });

  it('prints other errors as one line, exit 1, stack only with PIPEWRIGHT_DEBUG=1', () => {
    const err = new Error('disk full');
    expect(capture(err)).toEqual({ code: 1, text: 'pipewright: disk full\n' });
    const debug = capture(err, { PIPEWRIGHT_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.text).toMatch(/^pipewright: disk full\nError: disk full\n\s+at /);
  });
});

describe('the command list', () => {
  it('lists server, whose help names its options', async () => {
    const program = await buildProgram(['node', 'pipewright', 'help']);
    expect(program.commands.map((c) => c.name())).toContain('server');
    const help = program.commands.find((c) => c.name() === 'server')!.helpInformation();
    for (const flag of ['--port', '--kubeconfig', '--namespace', '--allow-anonymous', '--require-token', '--token-audience']) expect(help).toContain(flag);
  });

  it('every command is listed and `help <command>` works for each (exit 0), cluster ones with kubectl\'s flags', async () => {
    const program = await buildProgram();
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['run', 'validate', 'compile', 'submit', 'list', 'get', 'logs', 'watch', 'cancel', 'delete', 'export', 'server', 'controller', 'pod']));
    for (const name of names.filter((n) => n !== 'help')) {
      const out = new PassThrough();
      let text = '';
      out.on('data', (b: Buffer) => (text += b.toString()));
      const p = await buildProgram();
      for (const c of [p, ...p.commands]) c.configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => out.write(s) });
      let code: number | undefined;
      try {
        await p.parseAsync(['node', 'pipewright', 'help', name]);
      } catch (e) {
        code = (e as { exitCode?: number }).exitCode;
      }
      expect([name, code ?? 0]).toEqual([name, 0]);
      expect(text).toContain(`Usage: pipewright ${name}`);
      if (['submit', 'list', 'get', 'logs', 'watch', 'cancel', 'delete', 'export'].includes(name)) {
        for (const flag of ['--kubeconfig', '--context', '--namespace']) expect([name, text.includes(flag)]).toEqual([name, true]);
      }
    }
  });
});

describe('--output json on bad input', () => {
  it('finds the option in its spellings, before a --', async () => {
    const { wantsJson } = await import('./main.js');
    for (const a of [['run', '--output', 'json'], ['run', '-o', 'json'], ['run', '--output=json'], ['run', '-ojson']]) expect(wantsJson(a)).toBe(true);
    expect(wantsJson(['run', '-o', 'text'])).toBe(false);
    expect(wantsJson(['run', '--', '-o', 'json'])).toBe(false);
  });

  it('a usage error exits 2 and its document names the problem', async () => {
    const { CommanderError } = await import('commander');
    const { errorDocument } = await import('./main.js');
    const usage = new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'pipeline'");
    expect(capture(usage).code).toBe(2);
    expect(capture(new CommanderError(0, 'commander.version', '0.1.0')).code).toBe(0);
    expect(errorDocument(usage, 2)).toEqual({ phase: 'Invalid', exitCode: 2, message: "missing required argument 'pipeline'", errors: [{ code: 'commander.missingArgument', message: "missing required argument 'pipeline'" }] });
    const bad = new PipelineError([diagnostic('CYCLE', { file: 'p.yaml', path: 'root' }, 'a cycle', 'break it')]);
    expect(errorDocument(bad, 2)).toEqual({ phase: 'Invalid', exitCode: 2, message: 'a cycle (fix: break it)', errors: [{ code: 'CYCLE', message: 'a cycle', fix: 'break it', file: 'p.yaml', path: 'root' }] });
  });
});
