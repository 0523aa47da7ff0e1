// `pipewright list`: the PipelineRuns of a namespace (or all, -A) as a table, or as JSON/YAML for scripts.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { PipelineRunObject } from '../../controller/types.js';
import type { ClusterFlags } from '../cluster/connect.js';
import { CliError, EXIT } from '../cluster/errors.js';
import { byNewest, runHeaders, runRow, table } from '../cluster/format.js';
import { historySource } from '../cluster/history.js';
import { connectFrom, outputOption, runAction, styleOf, withClusterOptions, type CommandIo } from '../cluster/options.js';

export interface ListFlags extends ClusterFlags {
  allNamespaces?: boolean;
  phase?: string[];
  output?: 'json' | 'yaml' | 'wide' | 'name';
}

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Cancelled'];

/** --phase values, any case, comma-separated or repeated. */
export function parsePhases(given: readonly string[] | undefined): Set<string> | undefined {
  if (!given?.length) return undefined;
  const out = new Set<string>();
  for (const p of given.flatMap((g) => g.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const known = PHASES.find((k) => k.toLowerCase() === p.toLowerCase());
    if (!known) throw new CliError(`--phase ${p}: not a run phase; use one of ${PHASES.join(', ')}`, EXIT.badInput);
    out.add(known);
  }
  return out;
}

export async function listCommand(flags: ListFlags, io: CommandIo): Promise<number> {
  const phases = parsePhases(flags.phase);
  const cluster = await connectFrom(flags);
  const live = await cluster.listRuns(flags.allNamespaces ? undefined : cluster.namespace);
  // Runs whose objects are gone (TTL) are listed from their history when the S3 settings are at hand.
  const history = await historySource(io.env, io);
  const namespaces = flags.allNamespaces ? [...new Set([cluster.namespace, ...live.map((r) => r.metadata?.namespace ?? '')].filter(Boolean))] : [cluster.namespace];
  const gone = history ? (await Promise.all(namespaces.map((ns) => history.list(ns, live)))).flat() : [];
  const runs = [...live, ...gone]
    .filter((r) => !phases || phases.has(r.status?.phase ?? 'Pending'))
    .sort(byNewest);
  if (flags.output === 'json' || flags.output === 'yaml') {
    const list = { apiVersion: 'v1', kind: 'List', items: runs.map((r): PipelineRunObject => ({ ...r, metadata: { ...r.metadata, managedFields: undefined } })) };
    io.stdout.write(flags.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list));
    return EXIT.ok;
  }
  if (flags.output === 'name') {
    for (const r of runs) io.stdout.write(`pipelinerun/${r.metadata?.name}\n`);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    io.stderr.write(`No runs found${flags.allNamespaces ? '' : ` in namespace ${cluster.namespace}`}${phases ? ` in phase ${[...phases].join('|')}` : ''}.\n`);
    return EXIT.ok;
  }
  const now = io.now?.() ?? Date.now();
  const format = flags.output === 'wide' ? 'wide' : 'table';
  const style = styleOf(io);
  io.stdout.write(`${table(runHeaders(format, !!flags.allNamespaces), runs.map((r) => runRow(r, now, format, !!flags.allNamespaces, style)))}\n`);
  return EXIT.ok;
}

export function registerListCommand(program: Command): void {
  withClusterOptions(program.command('list').alias('ls').description('List PipelineRuns: NAME, PHASE, PROGRESS, AGE, DURATION, MESSAGE (newest first); with S3 settings in the environment also deleted runs from their history'))
    .option('-A, --all-namespaces', 'runs of every namespace')
    .option('--phase <phase...>', `only runs in these phases (${PHASES.join(', ')})`)
    .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
    .action((flags: ListFlags) => runAction((io) => listCommand(flags, io)));
}
