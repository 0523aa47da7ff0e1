// The pipewright CLI. Exit codes: 0 ok, 1 failure (run failed, unexpected error), 2 bad input (a pipeline,
// argument or option problem: one line per problem on stderr, never a stack trace); the cluster commands add
// 3 cancelled, 4 not found, 5 denied, 6 cluster unreachable (docs/cli.md).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { MAX_SHOWN, PipelineError, clip, diagnostic, formatDiagnostic, moreProblems } from '../model/diagnostics.js';
import { configureLimits, limitsFromEnv, type Limits } from '../model/limits.js';
import { CliError } from './cluster/errors.js';
import { registerCancelCommand } from './commands/cancel.js';
import { registerRetryCommand } from './commands/retry.js';
import { registerCompileCommand } from './commands/compile.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerControllerCommand } from './commands/controller.js';
import { registerDeleteCommand } from './commands/delete.js';
import { registerExportCommand } from './commands/export.js';
import { registerGetCommand } from './commands/get.js';
import { registerListCommand } from './commands/list.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerPodCommand } from './commands/pod-command.js';
import { registerRunCommand } from './commands/run.js';
import { registerServerCommand } from './commands/server.js';
import { registerSubmitCommand } from './commands/submit.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWatchCommand } from './commands/watch.js';

export const EXIT_BAD_INPUT = 2;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

// Every command registers without loading the Kubernetes or S3 client (seconds on a busy machine): the cluster
// commands, server, controller and pod import them in their actions.
export async function buildProgram(_argv: readonly string[] = []): Promise<Command> {
  const program = new Command()
    .name('pipewright')
    .description('Run Kubeflow Pipelines v2 pipelines locally or on Kubernetes')
    .version(version())
    .exitOverride()
    .showHelpAfterError('(run pipewright help for usage)');
  registerRunCommand(program);
  registerValidateCommand(program);
  registerCompileCommand(program);
  registerSubmitCommand(program);
  registerListCommand(program);
  registerGetCommand(program);
  registerLogsCommand(program);
  registerWatchCommand(program);
  registerCancelCommand(program);
  registerRetryCommand(program);
  registerDeleteCommand(program);
  registerExportCommand(program);
  registerServerCommand(program);
  registerControllerCommand(program);
  registerPodCommand(program);
  registerCompletionCommand(program);
  program.addHelpText('after', '\nOn this machine: run, validate, compile. Against the current kubeconfig: submit, list, get, logs, watch, cancel,\n' +
    'retry, delete, export (--kubeconfig, --context, -n). In a cluster: server (the KFP REST API for kfp.Client), controller\n' +
    '(the operator), pod inputs|outputs (inside task pods). pipewright help <command> for its options; docs/cli.md.');
  return program;
}

/** Commander's own non-error exits (`help` with no command prints usage and exits 1). */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

/** Writes the error as the CLI reports it and returns the exit code. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number {
  if (err instanceof PipelineError) {
    for (const d of err.diagnostics.slice(0, MAX_SHOWN)) stderr.write(`${oneLine(formatDiagnostic(d))}\n`);
    if (err.diagnostics.length > MAX_SHOWN) stderr.write(`${moreProblems(err.diagnostics.length - MAX_SHOWN)}\n`);
    return EXIT_BAD_INPUT;
  }
  // Commander already printed the message; a usage error (missing argument, unknown option) is bad input.
  if (err instanceof CommanderError) return err.exitCode !== 0 && !HELP_CODES.has(err.code) ? EXIT_BAD_INPUT : err.exitCode;
  if (err instanceof CliError) {
    stderr.write(`pipewright: ${clip(oneLine(err.message), 2000)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`pipewright: ${clip(oneLine(message), 2000)}\n`);
  if (env.PIPEWRIGHT_DEBUG === '1' && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
  return 1;
}

/** An invalid PIPEWRIGHT_MAX_* value is an option problem: exit 2 with the variable named. */
function limitsFromEnvForCli(env: NodeJS.ProcessEnv): Limits {
  try {
    return limitsFromEnv(env);
  } catch (e) {
    throw new PipelineError([diagnostic('INVALID_ENV', {}, (e as Error).message, 'unset it to use the default, or set a whole number')]);
  }
}

/** `--output json`, `--output=json`, `-o json` or `-ojson` among the arguments (before a `--`). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  return args.some((a, i) => a === '--output=json' || a === '-ojson' || ((a === '--output' || a === '-o') && args[i + 1] === 'json'));
}

/**
 * The JSON document of a bad-input exit (2), so a JSON consumer gets one even when the command never ran (a
 * missing argument, an unknown option) or refused the pipeline: the problems, each with its code and fix.
 */
export function errorDocument(err: unknown, exitCode: number): Record<string, unknown> {
  const errors = err instanceof PipelineError
    ? err.diagnostics.slice(0, MAX_SHOWN).map((d) => ({ code: d.code, message: d.message, fix: d.fix, ...(d.location.file ? { file: d.location.file } : {}), ...(d.location.path ? { path: d.location.path } : {}) }))
    : [{ code: err instanceof CommanderError ? err.code : 'ERROR', message: oneLine(err instanceof Error ? err.message : String(err)).replace(/^error: /, '') }];
  const first = errors[0]!;
  return { phase: 'Invalid', exitCode, message: 'fix' in first && first.fix ? `${first.message} (fix: ${first.fix})` : first.message, errors };
}

export async function main(argv: string[]): Promise<number> {
  try {
    configureLimits(limitsFromEnvForCli(process.env));
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const code = reportError(err, process.stderr);
    if (code === EXIT_BAD_INPUT && wantsJson(argv)) process.stdout.write(`${JSON.stringify(errorDocument(err, code))}
`);
    return code;
  }
}
