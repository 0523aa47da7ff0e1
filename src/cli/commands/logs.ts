// `pipewright logs <run> [task]`: the output of a run's task pods (their main container). With -f it follows:
// tasks are picked up as they start, each line prefixed with its task, until the run ends.
import type { Command } from 'commander';
import type { StatusNode } from '../../controller/status.js';
import type { PipelineRunObject } from '../../controller/types.js';
import type { Cluster, ClusterFlags } from '../cluster/connect.js';
import { CliError, EXIT, similarNames } from '../cluster/errors.js';
import { paint, type Style } from '../cluster/format.js';
import { checkName, connectFrom, runAction, styleOf, withClusterOptions, type CommandIo } from '../cluster/options.js';

export interface LogsFlags extends ClusterFlags {
  follow?: boolean;
  prefix?: boolean;
}

/** Nodes with a pod that match `task` (a node id, a task name, or an id prefix such as a loop), oldest first. */
export function podNodes(run: PipelineRunObject, task?: string): [string, StatusNode][] {
  const all = Object.entries(run.status?.nodes ?? {}).filter(([, n]) => n.kind === 'container');
  const picked = task ? all.filter(([id, n]) => id === task || n.task === task || id.startsWith(`${task}/`)) : all;
  return picked.sort(([a, x], [b, y]) => (x.startedAt ?? '~').localeCompare(y.startedAt ?? '~') || a.localeCompare(b));
}

const COLOURS = ['cyan', 'yellow', 'green', 'bold'] as const;
function prefixer(style: Style, enabled: boolean): (id: string) => string {
  const seen = new Map<string, number>();
  return (id) => {
    if (!enabled) return '';
    if (!seen.has(id)) seen.set(id, seen.size);
    return `${paint(style, COLOURS[seen.get(id)! % COLOURS.length]!, id)} | `;
  };
}

function unknownTask(run: PipelineRunObject, task: string): CliError {
  const ids = Object.keys(run.status?.nodes ?? {});
  const similar = similarNames(task, [...ids, ...Object.values(run.status?.nodes ?? {}).map((n) => n.task)]);
  const hint = similar.length ? `did you mean: ${similar.join(', ')}?` : `its tasks: ${ids.slice(0, 12).join(', ') || '(none yet)'}`;
  return new CliError(`run ${run.metadata?.name} has no task "${task}" with a pod; ${hint}`, EXIT.notFound);
}

async function printAll(cluster: Cluster, run: PipelineRunObject, task: string | undefined, flags: LogsFlags, io: CommandIo): Promise<number> {
  const { streamLog } = await import('../cluster/follow.js');
  const nodes = podNodes(run, task).filter(([, n]) => n.pod);
  if (task && nodes.length === 0) throw unknownTask(run, task);
  const prefix = prefixer(styleOf(io), flags.prefix ?? nodes.length > 1);
  for (const [id, n] of nodes) {
    try {
      await streamLog(cluster, run.metadata!.namespace!, n.pod!, (l) => io.stdout.write(`${prefix(id)}${l}\n`), { signal: io.signal });
    } catch (err) {
      io.stderr.write(`pipewright: ${id}: no log from pod ${n.pod} (${(err as { code?: number }).code === 404 ? 'the pod is gone' : (err as Error).message})\n`);
    }
  }
  return EXIT.ok;
}

/** Follows every matching task as it starts; ends when the run has ended and every stream has closed. */
async function follow(cluster: Cluster, run0: PipelineRunObject, task: string | undefined, flags: LogsFlags, io: CommandIo): Promise<number> {
  const { followRun, notReadyYet, streamLog } = await import('../cluster/follow.js');
  const ns = run0.metadata!.namespace!;
  const prefix = prefixer(styleOf(io), flags.prefix ?? true);
  const streams = new Map<string, Promise<void>>(); // by pod
  let latest = run0;
  const TERMINAL = new Set(['Succeeded', 'Failed', 'Error', 'Cancelled', 'Skipped', 'Cached']);
  /** The node ended, or moved on to another pod (a retry): its log is complete, so one more read is the last. */
  const settled = (id: string, pod: string): boolean => {
    const node = latest.status?.nodes?.[id];
    return !node || node.pod !== pod || TERMINAL.has(node.phase);
  };
  const stream = async (id: string, pod: string): Promise<void> => {
    // A follow that ends before the task did (its container had not started yet) is read again from the start;
    // lines already printed are skipped.
    let printed = 0;
    for (;;) {
      const last = settled(id, pod);
      let seen = 0;
      try {
        await streamLog(cluster, ns, pod, (l) => {
          if (seen++ < printed) return;
          printed++;
          io.stdout.write(`${prefix(id)}${l}\n`);
        }, { follow: true, signal: io.signal });
        if (last || io.signal?.aborted) return;
      } catch (err) {
        // Until the container starts the log endpoint answers 400; a pod deleted after it ran, 404.
        if (!notReadyYet(err) || io.signal?.aborted || last) {
          if ((err as { code?: number }).code !== 400 || !last) io.stderr.write(`pipewright: ${id}: no log from pod ${pod} (${(err as Error).message})\n`);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const pickUp = (run: PipelineRunObject): void => {
    latest = run;
    for (const [id, n] of podNodes(run, task)) {
      if (!n.pod || streams.has(n.pod)) continue;
      streams.set(n.pod, stream(id, n.pod));
    }
  };
  const end = await followRun(cluster, ns, run0.metadata!.name!, pickUp, { signal: io.signal });
  if (task && podNodes(end, task).length === 0) throw unknownTask(end, task);
  await Promise.all(streams.values());
  return EXIT.ok;
}

export async function logsCommand(name: string, task: string | undefined, flags: LogsFlags, io: CommandIo): Promise<number> {
  checkName(name, 'run');
  const cluster = await connectFrom(flags);
  const run = await cluster.getRun(name);
  return flags.follow ? follow(cluster, run, task, flags, io) : printAll(cluster, run, task, flags, io);
}

export function registerLogsCommand(program: Command): void {
  withClusterOptions(program.command('logs').description('Print the logs of a PipelineRun\'s task pods; -f follows tasks as they start, until the run ends'))
    .argument('<run>', 'PipelineRun name')
    .argument('[task]', 'a task (its name, node id, or a loop/DAG id for all tasks inside); default: every task')
    .option('-f, --follow', 'stream new output, picking up tasks as they start, until the run ends')
    .option('--prefix', 'prefix each line with its task (default: when more than one task is shown)')
    .option('--no-prefix', 'never prefix lines')
    .action((name: string, task: string | undefined, flags: LogsFlags) => runAction((io) => logsCommand(name, task, flags, io)));
}
