// A child process run to its end with its output kept: all of stdout and stderr, the last lines of both
// interleaved (for error messages), and each line as it comes (for progress).
import { spawn } from 'node:child_process';

const DEFAULT_TAIL_LINES = 25;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Last lines of stdout+stderr interleaved. */
  tail: string[];
}

export function runCaptured(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; tailLines?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const tail: string[] = [];
    const max = opts.tailLines ?? DEFAULT_TAIL_LINES;
    const lineReader = () => {
      let partial = '';
      return (chunk: Buffer, end = false) => {
        partial += chunk.toString('utf8');
        const lines = partial.split(/\r?\n|\r/);
        partial = end ? '' : lines.pop()!;
        for (const line of lines) {
          if (line.trim() === '') continue;
          tail.push(line);
          if (tail.length > max) tail.shift();
          opts.onLine?.(line);
        }
      };
    };
    const outLines = lineReader();
    const errLines = lineReader();
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      outLines(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err.push(c);
      errLines(c);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      outLines(Buffer.alloc(0), true);
      errLines(Buffer.alloc(0), true);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), tail });
    });
  });
}
