// `pipewright retry <run...>`: a finished Failed, Error or Cancelled run runs again in place (spec.retry): its
// failed, cancelled and never-started tasks get a new attempt, succeeded ones keep their outputs (docs/lifecycle.md).
import type { Command } from 'commander';
import { retryPatch } from '../../server/retry.js';
import type { ClusterFlags } from '../cluster/connect.js';
import { EXIT } from '../cluster/errors.js';
import { checkName, connectFrom, runAction, withClusterOptions, type CommandIo } from '../cluster/options.js';

const RETRIABLE = new Set(['Failed', 'Error', 'Cancelled']);

export async function retryCommand(names: string[], flags: ClusterFlags, io: CommandIo): Promise<number> {
  for (const n of names) checkName(n, 'run');
  const cluster = await connectFrom(flags);
  let code: number = EXIT.ok;
  for (const name of names) {
    const run = await cluster.getRun(name);
    const phase = run.status?.phase ?? 'Pending';
    if (!RETRIABLE.has(phase)) {
      io.stderr.write(`pipelinerun/${name} is ${phase}: only a Failed, Error or Cancelled run can be retried\n`);
      code = EXIT.failed;
      continue;
    }
    const patch = retryPatch(run);
    if (!patch) {
      io.stdout.write(`pipelinerun/${name} retry already requested\n`);
      continue;
    }
    await cluster.patchRun(name, patch);
    io.stdout.write(`pipelinerun/${name} retry requested (round ${patch.spec.retry}): failed, cancelled and never-started tasks run again\n`);
  }
  return code;
}

export function registerRetryCommand(program: Command): void {
  withClusterOptions(program.command('retry').description('Run finished Failed, Error or Cancelled PipelineRuns again in place (succeeded tasks keep their outputs)'))
    .argument('<run...>', 'PipelineRun names')
    .action((names: string[], flags: ClusterFlags) => runAction((io) => retryCommand(names, flags, io)));
}
