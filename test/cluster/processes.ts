// Starting, probing and stopping the cluster's long-lived processes. Each runs detached in its own process group
// (pid = pgid) with output to <dir>/logs/<name>.log, so `down` can stop it from another process.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export interface Command { name: string; bin: string; args: string[]; env?: Record<string, string> }

export function start(dir: string, cmd: Command): number {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const fd = openSync(join(dir, 'logs', `${cmd.name}.log`), 'a');
  const child = spawn(cmd.bin, cmd.args, {
    detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...cmd.env },
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd.name} (${cmd.bin})`);
  return child.pid;
}

/** True while pid is alive and still runs the expected binary (guards against reused pids). */
export function running(pid: number, binHint?: string): boolean {
  try {
    process.kill(pid, 0);
    if (!binHint) return true;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline === '') return false; // zombie
    return cmdline.includes(binHint);
  } catch { return false; }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to the whole process group, SIGKILL after graceMs. */
export async function stop(pid: number, graceMs = 5000, binHint?: string): Promise<void> {
  if (!running(pid, binHint)) return;
  const signal = (s: NodeJS.Signals): void => {
    try { process.kill(-pid, s); } catch { try { process.kill(pid, s); } catch { /* gone */ } }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!running(pid, binHint)) return;
    await sleep(50);
  }
  signal('SIGKILL');
  while (running(pid, binHint)) await sleep(20);
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, pid?: number,
  logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (pid !== undefined && !running(pid)) {
      const tail = logFile ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
      throw new Error(`${what} exited while starting\n${tail}`);
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}
