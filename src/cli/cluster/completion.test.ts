import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../main.js';
import { shapesOf } from '../commands/completion.js';
import { bashCompletion } from './completion.js';

/** COMPREPLY of the generated script in a real bash for the words typed; `pipewright list` answers with two runs and echoes its flags. */
const flagsFile = join(mkdtempSync(join(tmpdir(), 'pw-compl-')), 'flags');

async function complete(words: string[]): Promise<string[]> {
  const script = bashCompletion(shapesOf(await buildProgram()));
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const body = `${script}
pipewright() { echo "$*" > "$FLAGS"; printf 'pipelinerun/train-a1\\npipelinerun/train-b2\\npipelinerun/hello\\n'; }
COMP_WORDS=(${quoted}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_pipewright
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--noprofile', '--norc', '-c', body], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', FLAGS: flagsFile } });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('completes commands, options and run names', async () => {
    expect(await complete(['pipewright', 'wa'])).toEqual(['watch']);
    expect(await complete(['pipewright', 'help', 'con'])).toEqual(['controller']);
    expect(await complete(['pipewright', 'list', '--ph'])).toEqual(['--phase']);
    expect(await complete(['pipewright', 'logs', '-n', 'team', 'tr'])).toEqual(['train-a1', 'train-b2']);
    expect(readFileSync(flagsFile, 'utf8').trim()).toBe('list -o name -n team'); // run names from the namespace typed
    expect(await complete(['pipewright', 'get', '-'])).toEqual(expect.arrayContaining(['--kubeconfig', '--context', '-n', '--namespace', '-o', '--output']));
    expect(await complete(['pipewright', 'logs', '-n', ''])).toEqual([]); // a namespace, not a run
  });
});
