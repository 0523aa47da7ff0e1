// One container run: bwrap in its own process group, output written in the CRI log format
// ("<RFC3339Nano> <stream> <F|P> <line>") that the log endpoint serves back.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Exit { exitCode: number; startError?: string }

export interface RunSpec {
  bwrap: string; // path of the bwrap binary
  sandbox: string[]; // bwrap options
  argv: string[];
  env: Record<string, string>;
  logFile: string;
}

const nowNano = (): string => new Date().toISOString().replace('Z', '000000Z');

class LogWriter {
  private readonly fd: number;
  private readonly partial: Record<string, string> = { stdout: '', stderr: '' };
  constructor(file: string) { mkdirSync(dirname(file), { recursive: true }); this.fd = openSync(file, 'a'); }
  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = this.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop()!;
    for (const l of lines) writeSync(this.fd, `${nowNano()} ${stream} F ${l}\n`);
  }
  close(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) writeSync(this.fd, `${nowNano()} ${s} P ${this.partial[s]}\n`);
    }
    closeSync(this.fd);
  }
}

export class ContainerProcess {
  readonly exited: Promise<Exit>;
  readonly startedAt = new Date();
  private child: ChildProcess;
  private mainPid: number | undefined;
  private done = false;

  constructor(spec: RunSpec) {
    const log = new LogWriter(spec.logFile);
    let bwrapErr = '';
    this.child = spawn(spec.bwrap, [...spec.sandbox, '--info-fd', '3', '--', ...spec.argv], {
      env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => log.write('stdout', c));
    this.child.stderr!.on('data', (c: Buffer) => {
      const s = c.toString();
      if (s.startsWith('bwrap: ')) bwrapErr += s; else log.write('stderr', c);
    });
    const info = this.child.stdio[3] as NodeJS.ReadableStream;
    let infoText = '';
    info.on('data', (c: Buffer) => {
      infoText += c.toString();
      const m = /"child-pid":\s*(\d+)/.exec(infoText);
      if (m) this.mainPid = Number(m[1]);
    });
    info.on('error', () => undefined);
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on('error', (e) => { bwrapErr += e.message; });
      this.child.on('close', (code, signal) => {
        this.done = true;
        this.killGroup('SIGKILL'); // what is left of the container goes with it, as with a container's cgroup
        log.close();
        const exitCode = code ?? 128 + (signal ? signalNumber(signal) : 9);
        if (bwrapErr) resolve({ exitCode: 128, startError: bwrapErr.trim().replace(/^bwrap: /, '') });
        else resolve({ exitCode });
      });
    });
  }

  private killGroup(sig: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try { process.kill(-this.child.pid, sig); } catch { /* already gone */ }
  }

  /** SIGTERM to the container's main process, SIGKILL to all of it after graceMs. */
  async stop(graceMs: number): Promise<Exit> {
    if (!this.done) {
      if (this.mainPid !== undefined) for (const pid of [this.mainPid, ...childrenOf(this.mainPid)]) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
      else this.killGroup('SIGTERM');
      const timer = setTimeout(() => this.killGroup('SIGKILL'), Math.max(0, graceMs));
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  kill(): void { this.killGroup('SIGKILL'); }
}

/**
 * With its own PID namespace (--unshare-pid) bwrap's reported child is the namespace's init, which ignores a
 * SIGTERM from outside (no handler); the command runs as its child. Both get the signal, as a runtime's init
 * (tini, catatonit) forwards it.
 */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function signalNumber(s: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return table[s] ?? 9;
}
