// `pipewright cancel <run...>`: asks the controller to stop runs (spec.cancel); running pods are deleted by it.
import type { Command } from 'commander';
import type { ClusterFlags } from '../cluster/connect.js';
import { EXIT } from '../cluster/errors.js';
import { checkName, connectFrom, runAction, withClusterOptions, type CommandIo } from '../cluster/options.js';

export async function cancelCommand(names: string[], flags: ClusterFlags, io: CommandIo): Promise<number> {
  for (const n of names) checkName(n, 'run');
  const cluster = await connectFrom(flags);
  for (const name of names) {
    const run = await cluster.getRun(name);
    const phase = run.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Error' || phase === 'Cancelled') {
      io.stdout.write(`pipelinerun/${name} already finished (${phase}): nothing to cancel\n`);
      continue;
    }
    await cluster.patchRun(name, { spec: { cancel: true } });
    io.stdout.write(`pipelinerun/${name} cancel requested\n`);
  }
  return EXIT.ok;
}

export function registerCancelCommand(program: Command): void {
  withClusterOptions(program.command('cancel').alias('stop').description('Cancel running PipelineRuns (their pods are stopped; the runs end Cancelled)'))
    .argument('<run...>', 'PipelineRun names')
    .action((names: string[], flags: ClusterFlags) => runAction((io) => cancelCommand(names, flags, io)));
}
