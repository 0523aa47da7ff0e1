// Live progress of a local run on a terminal stream (stderr): one line per task start/finish/skip,
// task output prefixed with the task name, and on a TTY a status line of what is running.
import type { RunEvent } from './events.js';

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Stream task stdout/stderr lines (default true). */
  showLogs?: boolean;
  /** Force the TTY status line on/off; default out.isTTY. */
  tty?: boolean;
  now?: () => number;
}

export interface ProgressReporter {
  onEvent: (e: RunEvent) => void;
  /** Clears the status line; call before printing anything else. */
  close: () => void;
}

function fmtSeconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

export function createProgress(opts: ProgressOptions): ProgressReporter {
  const tty = opts.tty ?? Boolean(opts.out.isTTY);
  const now = opts.now ?? Date.now;
  const running = new Map<string, { name: string; since: number }>();
  const setupShown = new Set<string>();
  let finished = 0;
  let status = '';
  let timer: NodeJS.Timeout | undefined;

  const clearStatus = (): void => {
    if (tty && status) opts.out.write('\r\x1b[K');
    status = '';
  };
  const drawStatus = (): void => {
    if (!tty) return;
    clearStatus();
    if (running.size === 0) return;
    const t = now();
    const parts = [...running.values()].map((r) => `${r.name} ${fmtSeconds((t - r.since) / 1000)}`);
    const width = (opts.out.columns || 100) - 1;
    let line = `… ${finished} done, running: ${parts.join(', ')}`;
    if (line.length > width) line = `${line.slice(0, width - 1)}…`;
    status = line;
    opts.out.write(line);
  };
  const print = (line: string): void => {
    clearStatus();
    opts.out.write(`${line}\n`);
    drawStatus();
  };
  if (tty) {
    timer = setInterval(drawStatus, 1000);
    timer.unref();
  }

  const onEvent = (e: RunEvent): void => {
    switch (e.type) {
      case 'task-started':
        running.set(e.nodeId, { name: e.nodeId, since: now() });
        print(`▶ ${e.nodeId}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
        break;
      case 'task-log':
        if (opts.showLogs !== false) print(`  ${e.nodeId} | ${e.line}`);
        break;
      case 'task-finished': {
        running.delete(e.nodeId);
        finished++;
        const took = fmtSeconds(e.durationSeconds);
        if (e.phase === 'Succeeded' || e.phase === 'Cached') print(`✓ ${e.nodeId} ${e.phase.toLowerCase()} in ${took}`);
        else {
          const first = e.message?.split('\n')[0];
          print(`✗ ${e.nodeId} ${e.phase.toLowerCase()} after ${took}${first ? `: ${first}` : ''}`);
        }
        break;
      }
      case 'node-skipped':
        print(`- ${e.nodeId} skipped${e.message ? `: ${e.message}` : ''}`);
        break;
      case 'warning':
        print(`⚠ ${e.message}`);
        break;
      case 'setup': {
        // pip prints many lines; say once per task that an environment is being built.
        const key = e.nodeId ?? '';
        if (setupShown.has(key)) break;
        setupShown.add(key);
        print(`· ${e.nodeId ? `${e.nodeId}: ` : ''}building a Python environment (cached for later runs)`);
        break;
      }
    }
  };
  return {
    onEvent,
    close: () => {
      if (timer) clearInterval(timer);
      clearStatus();
    },
  };
}
