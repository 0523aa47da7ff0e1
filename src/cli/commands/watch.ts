// `pipewright watch <run>`: follows a run until it ends. On a terminal the `get` view is redrawn in place; otherwise
// one line per change. The exit code is the final phase's (docs/cli.md): 0 Succeeded, 1 Failed/Error, 3 Cancelled.
import type { Command } from 'commander';
import type { PipelineRunObject } from '../../controller/types.js';
import type { Cluster, ClusterFlags } from '../cluster/connect.js';
import { changeLines } from '../cluster/changes.js';
import { EXIT } from '../cluster/errors.js';
import { checkName, connectFrom, runAction, styleOf, withClusterOptions, type CommandIo } from '../cluster/options.js';
import { describeRun } from './get.js';

export const EXIT_INTERRUPTED = 130;

export function exitCodeOf(run: PipelineRunObject): number {
  switch (run.status?.phase) {
    case 'Succeeded': return EXIT.ok;
    case 'Cancelled': return EXIT.cancelled;
    default: return EXIT.failed;
  }
}

/** Redraws in place: the cursor goes up over the last frame, which is cleared, then the new one is written. */
class Screen {
  private lines = 0;
  constructor(private readonly out: CommandIo['stdout']) {}
  draw(text: string): void {
    const rows = this.out.rows ?? 0;
    let body = text.endsWith('\n') ? text.slice(0, -1) : text;
    const all = body.split('\n');
    // A frame taller than the screen cannot be redrawn in place: keep its head.
    if (rows > 2 && all.length > rows - 1) body = [...all.slice(0, rows - 2), `… ${all.length - rows + 2} more lines (pipewright get for all)`].join('\n');
    const up = this.lines > 0 ? `\x1b[${this.lines}F` : '';
    this.out.write(`${up}\x1b[J${body}\n`);
    this.lines = body.split('\n').length;
  }
}

/** Follows the run to its end; returns the exit code. Shared by `submit --watch`. */
export async function watchRun(cluster: Cluster, namespace: string, name: string, io: CommandIo): Promise<number> {
  const { followRun } = await import('../cluster/follow.js');
  const now = io.now ?? Date.now;
  const style = styleOf(io);
  let last: PipelineRunObject | undefined;
  let final: PipelineRunObject;
  if (io.stdout.isTTY) {
    const screen = new Screen(io.stdout);
    const draw = (): void => { if (last) screen.draw(describeRun(last, now(), style, false)); };
    // Durations of running tasks move without any change to the run: redraw each second.
    const tick = setInterval(draw, 1000);
    try {
      final = await followRun(cluster, namespace, name, (r) => { last = r; draw(); }, { signal: io.signal });
    } finally {
      clearInterval(tick);
    }
    draw();
  } else {
    final = await followRun(cluster, namespace, name, (r) => {
      for (const l of changeLines(last, r, now())) io.stdout.write(`${l}\n`);
      last = r;
    }, { signal: io.signal });
  }
  if (io.signal?.aborted && !finishedPhase(final)) return EXIT_INTERRUPTED;
  return exitCodeOf(final);
}

const finishedPhase = (r: PipelineRunObject): boolean => ['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(r.status?.phase ?? '');

export async function watchCommand(name: string, flags: ClusterFlags, io: CommandIo): Promise<number> {
  checkName(name, 'run');
  const cluster = await connectFrom(flags);
  return watchRun(cluster, cluster.namespace, name, io);
}

export function registerWatchCommand(program: Command): void {
  withClusterOptions(program.command('watch').description('Follow a PipelineRun live until it ends; exit code 0 Succeeded, 1 Failed/Error, 3 Cancelled'))
    .argument('<run>', 'PipelineRun name')
    .action((name: string, flags: ClusterFlags) => runAction((io) => watchCommand(name, flags, io)));
}
