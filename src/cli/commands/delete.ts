// `pipewright delete <run...>`: deletes PipelineRuns; their pods go with them (owner references).
import type { Command } from 'commander';
import type { ClusterFlags } from '../cluster/connect.js';
import { EXIT } from '../cluster/errors.js';
import { checkName, connectFrom, runAction, withClusterOptions, type CommandIo } from '../cluster/options.js';

export async function deleteCommand(names: string[], flags: ClusterFlags, io: CommandIo): Promise<number> {
  for (const n of names) checkName(n, 'run');
  const cluster = await connectFrom(flags);
  for (const name of names) {
    await cluster.deleteRun(name);
    io.stdout.write(`pipelinerun/${name} deleted\n`);
  }
  return EXIT.ok;
}

export function registerDeleteCommand(program: Command): void {
  withClusterOptions(program.command('delete').alias('rm').description('Delete PipelineRuns (a running one is stopped; its pods are deleted with it)'))
    .argument('<run...>', 'PipelineRun names')
    .action((names: string[], flags: ClusterFlags) => runAction((io) => deleteCommand(names, flags, io)));
}
