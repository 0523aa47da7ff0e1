// What every cluster command shares: kubectl's connection flags, the streams it writes to, and lazy loading of the
// Kubernetes client (so `pipewright run` and `--help` never pay for it).
import { Option, type Command } from 'commander';
import type { Cluster, ClusterFlags } from './connect.js';
import { CliError, EXIT } from './errors.js';
import { styleFor, type Style } from './format.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Stops a long-running command (watch, logs -f) as Ctrl-C does. */
  signal?: AbortSignal;
  now?: () => number;
}

export const processIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

export function withClusterOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current one)')
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s, else "default")');
}

export function outputOption(formats: readonly string[], what = 'output format'): Option {
  return new Option('-o, --output <format>', what).choices(formats);
}

export async function connectFrom(flags: ClusterFlags): Promise<Cluster> {
  const { connect } = await import('./connect.js');
  return connect(flags);
}

export const styleOf = (io: CommandIo): Style => styleFor(io.stdout, io.env);

/** Runs a command's body as the action and sets the exit code; Ctrl-C aborts io.signal. */
export async function runAction(body: (io: CommandIo) => Promise<number>): Promise<void> {
  const abort = new AbortController();
  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    process.exitCode = await body({ ...processIo(), signal: abort.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `name` must be a Kubernetes object name; anything else is bad input, said before a call is made. */
export function checkName(name: string, what: string): void {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    throw new CliError(`${what} "${name}" is not a valid name (lower-case letters, digits, '-' and '.')`, EXIT.badInput);
  }
}
