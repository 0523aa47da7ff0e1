// `pipewright get <run>`: one run in detail: its summary, the tree of its tasks (phase, duration, reason) and the
// outputs they produced.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { isFromHistory } from '../../controller/run-history.js';
import type { PipelineRunObject } from '../../controller/types.js';
import type { ClusterFlags } from '../cluster/connect.js';
import { CliError, EXIT } from '../cluster/errors.js';
import { historySource } from '../cluster/history.js';
import { pipelineNameOf, type Style } from '../cluster/format.js';
import { checkName, connectFrom, outputOption, runAction, styleOf, withClusterOptions, type CommandIo } from '../cluster/options.js';
import { outputLines, summaryLines, taskTable } from '../cluster/tree.js';

export interface GetFlags extends ClusterFlags {
  output?: 'json' | 'yaml' | 'wide';
}

/** The text `get` prints (and `watch` redraws). */
export function describeRun(run: PipelineRunObject, now: number, style: Style, wide: boolean): string {
  const parts = [
    ...(isFromHistory(run) ? [`The PipelineRun was deleted; shown from its history: ${run.status?.historyRef ?? ''}`] : []),
    summaryLines(run, pipelineNameOf(run), now, style).join('\n'),
    taskTable(run.status?.nodes ?? {}, { now, style, wide }),
  ];
  const outputs = outputLines(run);
  if (outputs.length > 0) parts.push(`Outputs:\n${outputs.map((l) => `  ${l}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

export const withoutManagedFields = (r: PipelineRunObject): PipelineRunObject => ({ ...r, metadata: { ...r.metadata, managedFields: undefined } });

export async function getCommand(name: string, flags: GetFlags, io: CommandIo): Promise<number> {
  checkName(name, 'run');
  const cluster = await connectFrom(flags);
  let run: PipelineRunObject;
  try {
    run = await cluster.getRun(name);
  } catch (err) {
    // A run deleted by its TTL is shown from its history (with the controller's S3 settings in the environment).
    const gone = err instanceof CliError && err.exitCode === EXIT.notFound ? await (await historySource(io.env, io))?.byName(cluster.namespace, name) : undefined;
    if (!gone) throw err;
    run = gone;
  }
  if (flags.output === 'json') io.stdout.write(`${JSON.stringify(withoutManagedFields(run), null, 2)}\n`);
  else if (flags.output === 'yaml') io.stdout.write(stringify(withoutManagedFields(run)));
  else io.stdout.write(describeRun(run, io.now?.() ?? Date.now(), styleOf(io), flags.output === 'wide'));
  return EXIT.ok;
}

export function registerGetCommand(program: Command): void {
  withClusterOptions(program.command('get').description('Show a PipelineRun: summary, task tree (phase, duration, reason) and outputs; a deleted run from its history (with S3 settings in the environment)'))
    .argument('<run>', 'PipelineRun name')
    .addOption(outputOption(['json', 'yaml', 'wide']))
    .action((name: string, flags: GetFlags) => runAction((io) => getCommand(name, flags, io)));
}
