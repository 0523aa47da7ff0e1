// One subprocess: argv only (no shell built by us), its own process group so a stop reaches
// everything it started, output teed to log files and streamed line by line.
import { failureCause } from '../executor/failure-cause.js';
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { longTimeout } from '../util/long-timeout.js';

export type Stream = 'stdout' | 'stderr';

export interface ProcessSpec {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdoutFile: string;
  stderrFile: string;
  timeoutSeconds?: number;
  /** Abort stops the process; `String(signal.reason)` becomes `stopReason`. */
  signal?: AbortSignal;
  onLine?: (stream: Stream, line: string) => void;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** How many trailing stderr lines to keep for the failure message. */
  tailLines?: number;
}

export interface ProcessResult {
  exitCode: number | null;
  /** Set when the process died of a signal. */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Why it was stopped from outside (cancel, plan stop), if it was. */
  stopReason?: string;
  stderrTail: string[];
  startedAt: Date;
  finishedAt: Date;
  /** spawn itself failed (e.g. command not found). */
  spawnError?: string;
}

/** Splits chunks into lines; the last partial line waits for the next chunk or flush(). */
class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.emit(p.endsWith('\r') ? p.slice(0, -1) : p);
  }
  flush(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(resolve));
}

// Process groups still running, so a forced exit (second Ctrl-C) can take them down too.
const liveGroups = new Set<number>();

/** Sends `sig` to every task process group still running (for a last-resort exit). */
export function killAllTaskGroups(sig: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of liveGroups) killGroup(pid, sig);
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

export async function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  await mkdir(path.dirname(spec.stdoutFile), { recursive: true });
  await mkdir(path.dirname(spec.stderrFile), { recursive: true });
  const out = createWriteStream(spec.stdoutFile);
  const err = createWriteStream(spec.stderrFile);
  const tailMax = spec.tailLines ?? 20;
  const tail: string[] = [];
  const startedAt = new Date();
  const [cmd, ...args] = spec.argv;
  if (!cmd) throw new Error('empty command line');

  return new Promise<ProcessResult>((resolve) => {
    // detached: a new process group, so Ctrl-C in the terminal reaches only us and we stop tasks in order.
    const child = spawn(cmd, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) liveGroups.add(child.pid);
    let timedOut = false;
    let stopReason: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: string | undefined;

    const stop = (reason: string): void => {
      if (stopReason !== undefined || child.pid === undefined || child.exitCode !== null) return;
      stopReason = reason;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), spec.killGraceMs ?? 5000);
      killTimer.unref();
    };
    const onAbort = (): void => stop(spec.signal?.reason !== undefined ? String(spec.signal.reason) : 'stopped');
    const timeout = spec.timeoutSeconds
      ? longTimeout(() => {
          timedOut = true;
          stop(`timed out after ${spec.timeoutSeconds}s`);
        }, spec.timeoutSeconds * 1000)
      : undefined;
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    const outLines = new LineSplitter((l) => spec.onLine?.('stdout', l));
    const errLines = new LineSplitter((l) => {
      tail.push(l);
      if (tail.length > tailMax) tail.shift();
      spec.onLine?.('stderr', l);
    });
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out.write(c);
      outLines.push(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err.write(c);
      errLines.push(c);
    });
    child.on('error', (e) => {
      spawnError = `cannot start ${cmd}: ${e.message}`;
    });
    child.on('close', (code, signal) => {
      outLines.flush();
      errLines.flush();
      timeout?.clear();
      if (killTimer) clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      // The group may hold stragglers (background jobs) after the leader exits.
      if (child.pid !== undefined) {
        killGroup(child.pid, 'SIGKILL');
        liveGroups.delete(child.pid);
      }
      void Promise.all([closeStream(out), closeStream(err)]).then(() => {
        const result: ProcessResult = { exitCode: code, signal, timedOut, stderrTail: tail, startedAt, finishedAt: new Date() };
        if (stopReason !== undefined) result.stopReason = stopReason;
        if (spawnError !== undefined) result.spawnError = spawnError;
        resolve(result);
      });
    });
  });
}

/** "exit code 3: ValueError: bad (log: <stderr file>)": the cause in one line (failure-cause.ts), the whole log a path away. */
export function describeFailure(r: ProcessResult, logFile?: string): string {
  if (r.spawnError) return r.spawnError;
  const how = r.stopReason ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`);
  const cause = failureCause(r.stderrTail);
  return `${how}${cause ? `: ${cause}` : ''}${logFile ? ` (log: ${logFile})` : ''}`;
}
