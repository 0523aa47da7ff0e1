// runProcess with real (tiny) processes: exit codes, stderr tails, logs, timeouts, stop, spawn errors.
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFailure, runProcess, type ProcessSpec } from '../../../src/local/process.js';

async function spec(argv: string[], extra: Partial<ProcessSpec> = {}): Promise<ProcessSpec> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-proc-'));
  return { argv, env: process.env, cwd: dir, stdoutFile: path.join(dir, 'logs/out.log'), stderrFile: path.join(dir, 'logs/err.log'), ...extra };
}

describe('runProcess', () => {
  it('captures exit code, log files, streamed lines and the stderr tail', async () => {
    const lines: string[] = [];
    const s = await spec(['sh', '-c', 'echo out1; echo err1 >&2; printf "partial" >&2; exit 3'], { onLine: (st, l) => lines.push(`${st}:${l}`) });
    const r = await runProcess(s);
    expect(r.exitCode).toBe(3);
    expect(r.stderrTail).toEqual(['err1', 'partial']);
    expect(lines.sort()).toEqual(['stderr:err1', 'stderr:partial', 'stdout:out1']);
    expect(await readFile(s.stdoutFile, 'utf8')).toBe('out1\n');
    expect(await readFile(s.stderrFile, 'utf8')).toBe('err1\npartial');
    expect(describeFailure(r)).toBe('exit code 3: partial');
    expect(describeFailure(r, s.stderrFile)).toBe(`exit code 3: partial (log: ${s.stderrFile})`);
  });

  it('passes argv items verbatim (no shell of ours)', async () => {
    const lines: string[] = [];
    const r = await runProcess(await spec(['printf', '%s|', '$(echo no)', 'a b', '"q"'], { onLine: (_s, l) => lines.push(l) }));
    expect(r.exitCode).toBe(0);
    expect(lines).toEqual(['$(echo no)|a b|"q"|']);
  });

  it('times out, killing the process group (SIGKILL after the grace period)', async () => {
    const t0 = Date.now();
    const r = await runProcess(await spec(['sh', '-c', 'trap "" TERM; sleep 30 & wait'], { timeoutSeconds: 1, killGraceMs: 500 }));
    expect(r.timedOut).toBe(true);
    expect(r.stopReason).toBe('timed out after 1s');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(describeFailure(r)).toBe('timed out after 1s');
  });

  it('stops on abort with the abort reason', async () => {
    const ac = new AbortController();
    const p = runProcess(await spec(['sleep', '30'], { signal: ac.signal }));
    setTimeout(() => ac.abort('run cancelled'), 200);
    const r = await p;
    expect(r.stopReason).toBe('run cancelled');
    expect(r.signal).toBe('SIGTERM');
  });

  it('reports a command that cannot start', async () => {
    const r = await runProcess(await spec(['/no/such/binary']));
    expect(r.spawnError).toMatch(/cannot start \/no\/such\/binary: .*ENOENT/);
    expect(describeFailure(r)).toBe(r.spawnError);
  });
});
