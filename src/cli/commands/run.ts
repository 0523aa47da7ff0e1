// `pipewright run`: run a pipeline on this machine. Progress and logs go to stderr; stdout gets the
// summary (text) or exactly one JSON document (--output json).
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { pino, type Logger } from 'pino';
import { diagnostic, PipelineError } from '../../model/diagnostics.js';
import { loadPipeline } from '../../local/load-pipeline.js';
import { validateArguments } from '../../model/validate-args.js';
import { localRunRefusals } from '../../model/validate.js';
import { killAllTaskGroups } from '../../local/process.js';
import { createProgress } from '../../local/progress.js';
import { runLocal } from '../../local/runner.js';
import { formatSummary, summarize } from '../../local/summary.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_CANCELLED = 130;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunCommandOptions {
  arg: string[];
  parallelism?: number;
  output: 'text' | 'json';
  artifactRoot?: string;
  runName?: string;
  logs: boolean;
  pipelineFunc?: string;
  /** false with --no-cache: every task runs, nothing is looked up or recorded. */
  cache?: boolean;
  /** --component-dir: where containerized Python components' modules are, besides the pipeline file's directory. */
  componentDir?: string[];
  /** --secrets-dir: `<dir>/<secret>/<key>` files for use_secret_as_env. */
  secretsDir?: string;
}

export interface RunIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  logger: Logger;
  /** Where SIGINT is listened for; default process. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

/** `name=value` pairs; a malformed one is a PipelineError (exit 2) naming it. */
export function parseArgPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) {
      throw new PipelineError([diagnostic('INVALID_ARGUMENT', { path: `--arg ${p}` }, `--arg "${p}" is not of the form name=value`, 'pass --arg name=value')]);
    }
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

function defaultLogger(): Logger {
  return pino({ name: 'pipewright', level: process.env.PIPEWRIGHT_LOG_LEVEL ?? 'warn' }, pino.destination(2));
}

/** Runs the command and returns the exit code; PipelineError (bad input) propagates for the caller's exit 2. */
export async function runCommand(file: string, opts: RunCommandOptions, io: RunIo): Promise<number> {
  const rawArgs = parseArgPairs(opts.arg);
  const loading = createProgress({ out: io.stderr });
  let pipeline;
  try {
    pipeline = await loadPipeline(file, {
      logger: io.logger,
      onProgress: (line) => loading.onEvent({ type: 'setup', message: line }),
      ...(opts.pipelineFunc ? { pipelineFunc: opts.pipelineFunc } : {}),
    });
  } finally {
    loading.close();
  }
  const refused = localRunRefusals(pipeline, file);
  if (refused.length > 0) throw new PipelineError(refused);
  const { values, diagnostics } = validateArguments(pipeline, rawArgs);
  if (diagnostics.length > 0) throw new PipelineError(diagnostics);
  const progress = createProgress({ out: io.stderr, showLogs: opts.logs });
  const abort = new AbortController();
  const signals = io.signals ?? process;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\nstopping running tasks (Ctrl-C again to quit at once)\n');
      abort.abort();
    } else {
      progress.close();
      killAllTaskGroups();
      process.exit(EXIT_CANCELLED);
    }
  };
  // Tasks run in their own process groups (the terminal's Ctrl-C does not reach them), so every way
  // of stopping us must stop them: SIGTERM and SIGHUP (terminal closed) cancel like Ctrl-C.
  for (const sig of STOP_SIGNALS) signals.on(sig, onSigint);
  let result;
  try {
    result = await runLocal(pipeline, {
      arguments: values,
      parallelism: opts.parallelism ?? Math.max(1, os.availableParallelism()),
      artifactRoot: opts.artifactRoot,
      runName: opts.runName,
      logger: io.logger,
      onEvent: progress.onEvent,
      signal: abort.signal,
      enableCaching: opts.cache !== false,
      // target_image components run their module from these (the pipeline file's directory first).
      componentDirs: [...(opts.componentDir ?? []).map((d) => path.resolve(d)), path.dirname(path.resolve(file))],
      ...(opts.secretsDir ? { secretsDir: opts.secretsDir } : {}),
    });
  } finally {
    for (const sig of STOP_SIGNALS) signals.off(sig, onSigint);
    progress.close();
  }
  if (opts.output === 'json') io.stdout.write(`${JSON.stringify(summarize(result))}\n`);
  else io.stdout.write(`${formatSummary(result)}\n`);
  if (result.phase === 'Succeeded') return EXIT_OK;
  return result.phase === 'Cancelled' ? EXIT_CANCELLED : EXIT_FAILED;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run a pipeline on this machine (container commands run on the host; Python components in cached venvs)')
    .argument('<pipeline>', 'pipeline file: KFP IR YAML, native YAML, or a .py with one @dsl.pipeline')
    .option('-a, --arg <name=value>', 'pipeline argument, repeatable', collect, [])
    .option('-p, --param <name=value>', 'same as --arg', collect, [])
    .option('-j, --parallelism <n>', 'tasks running at once (default: number of CPUs)', positiveInt)
    .option('-o, --output <format>', 'text or json (json: one document on stdout, progress on stderr)', 'text')
    .option('--artifact-root <dir>', 'where outputs are written (default ~/.pipewright/artifacts)')
    .option('--run-name <name>', 'run name (default <pipeline>-<time>-<id>)')
    .option('--pipeline-func <name>', 'for a .py file defining several pipelines: the one to run')
    .option('--component-dir <dir>', 'where the modules of containerized Python components (target_image) are, repeatable (the pipeline file\'s directory is always searched)', collect, [])
    .option('--secrets-dir <dir>', 'Secrets for kfp-kubernetes use_secret_as_env: the file <dir>/<secret name>/<key> holds each value (as a mounted Secret)')
    .option('--no-cache', 'run every task even when its cached outputs could be reused (caching is on by default)')
    .option('--logs', 'stream task output to the terminal (always kept in <run dir>/.logs)', false)
    .action(async (file: string, o: RunCommandOptions & { param: string[] }) => {
      if (o.output !== 'text' && o.output !== 'json') {
        throw new PipelineError([diagnostic('INVALID_OPTION', { path: '--output' }, `--output must be text or json, not "${o.output}"`, 'pass --output text or --output json')]);
      }
      const code = await runCommand(file, { ...o, arg: [...o.arg, ...o.param] }, { stdout: process.stdout, stderr: process.stderr, logger: defaultLogger() });
      process.exitCode = code;
    });
}
