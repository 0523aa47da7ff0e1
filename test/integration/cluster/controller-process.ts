// The controller as a real child process (`bin/pipewright.js controller`, the built dist/), as a Deployment runs
// it: a test starts it, kills it with SIGKILL at any instant, starts it again, reads its logs, and learns whether it
// ever exited without being killed. Each incarnation registers behind the test's gateway Service (operator.ts), so
// pods made by an earlier one still reach a gateway. Logs go to <cluster dir>/logs/controller-<name>.log too,
// which the secret scan after the suite reads.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterState } from './helpers.js';
import { addGatewayBackend, controllerEnv, gatewayService, removeGatewayBackend } from './operator.js';

export interface ControllerExit { incarnation: number; code: number | null; signal: NodeJS.Signals | null; killed: boolean; logTail: string }

export interface ControllerProcessOptions {
  /** Namespaces it watches (PIPEWRIGHT_NAMESPACES, comma-separated). */
  namespaces: string;
  /** More environment over controllerEnv(namespaces). */
  env?: NodeJS.ProcessEnv;
  /** Log file suffix: logs/controller-<name>.log. */
  name?: string;
  /** How long start() waits for "controller started". */
  readyTimeoutMs?: number;
}

export class ControllerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private killing = false;
  private incarnation = 0;
  private readonly lines: string[] = [];
  /** Every exit, ours (killed) or not. */
  readonly exits: ControllerExit[] = [];

  constructor(private readonly opts: ControllerProcessOptions) {}

  /** Starts a new incarnation and waits until it logs "controller started"; throws with its log if it exits first. */
  async start(): Promise<void> {
    if (this.child) throw new Error('controller process already running');
    const env = { ...process.env, ...controllerEnv(this.opts.namespaces), PIPEWRIGHT_GATEWAY_URL: await gatewayService(), LOG_LEVEL: 'info', ...this.opts.env };
    const n = ++this.incarnation;
    const child = spawn(process.execPath, ['bin/pipewright.js', 'controller', '--kubeconfig', clusterState().kubeconfig], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.killing = false;
    const logFile = join(clusterState().dir, 'logs', `controller-${this.opts.name ?? 'process'}.log`);
    let port: number | undefined;
    let started = false;
    let partial = '';
    const onData = (d: Buffer): void => {
      const text = partial + d.toString();
      const parts = text.split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        const m = /"port":(\d+),"msg":"http server listening"/.exec(line);
        if (m && port === undefined) addGatewayBackend(port = Number(m[1]));
        if (line.includes('"msg":"controller started"')) started = true;
      }
      appendFileSync(logFile, d);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        if (port !== undefined) removeGatewayBackend(port);
        this.exits.push({ incarnation: n, code, signal, killed: this.killing, logTail: this.lines.slice(-20).join('\n') });
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000);
    while (!started) {
      if (!this.child || this.child !== child) {
        throw new Error(`controller exited while starting (${JSON.stringify(this.exits.at(-1)?.code)}):\n${this.exits.at(-1)?.logTail}`);
      }
      if (Date.now() > deadline) throw new Error(`controller not started after ${this.opts.readyTimeoutMs ?? 60_000} ms:\n${this.lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL now (a crash: nothing drains); resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.killing = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Kill and start again. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** A graceful stop (SIGTERM: drains reconciles in flight), SIGKILL after graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.killing = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  get running(): boolean { return this.child !== undefined; }
  get pid(): number | undefined { return this.child?.pid; }
  /** Incarnations started so far. */
  get starts(): number { return this.incarnation; }
  /** Every log line of every incarnation. */
  get logs(): readonly string[] { return this.lines; }
  /** Exits the test did not cause: a crash, a fatal error, leadership lost. */
  get unexpectedExits(): ControllerExit[] { return this.exits.filter((e) => !e.killed); }
}

/** A started controller process. */
export async function startControllerProcess(opts: ControllerProcessOptions): Promise<ControllerProcess> {
  const c = new ControllerProcess(opts);
  await c.start();
  return c;
}
