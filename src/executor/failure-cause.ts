// The one line of a failed task's log a person can act on, the same in both modes: the exception of a Python
// traceback, else the first line that reads as an error, else the last line. Pure.
//
// A log tail is the wrong summary: it starts mid-path, and a KFP component's log carries the executor's
// `Got executor_input:` JSON dump (kfp.dsl.executor_main), whose closing braces are all a component that exits
// without a word leaves at the end.

const MAX_CHARS = 400;
const FRAME = /^\s+File "/;
const ERRORISH = /\b(error|errno|fatal|exception|failed|failure|denied|refused|not found|no such|cannot|can't|could not|unable to|invalid|timed out|killed)\b/i;
/** Noise that reads as an error but is not the task's: pip's resolver notice, warnings. */
const NOISE = /^(ERROR: pip's dependency resolver|WARNING:|DEPRECATION:)/;
/** A line of a pretty-printed JSON document: punctuation, or `"key": value`. */
const JSON_LINE = /^\s*([{}[\],]+|"[^"]*"\s*:.*|"[^"]*",?|-?\d[\d.eE+-]*,?|true,?|false,?|null,?)\s*$/;

/** Drops the executor's JSON dump and every line that is only JSON. */
function meaningful(lines: string[]): string[] {
  const out: string[] = [];
  let inDump = false;
  for (const line of lines) {
    if (/Got executor_input:\s*$/.test(line)) {
      inDump = true;
      continue;
    }
    if (inDump) {
      // The dump is json.dumps(indent=4): it ends at the first line that is a bare closing brace at column 0.
      if (line === '}') inDump = false;
      continue;
    }
    if (line.trim() === '' || JSON_LINE.test(line)) continue;
    out.push(line);
  }
  return out;
}

/** The exception line after the last traceback's frames (`ValueError: bad`), if the log has frames. */
function lastException(lines: string[]): string | undefined {
  let lastFrame = -1;
  for (let i = 0; i < lines.length; i++) if (FRAME.test(lines[i]!)) lastFrame = i;
  if (lastFrame < 0) return undefined;
  for (let i = lastFrame + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!/^\s/.test(l) && !/^Traceback \(most recent call last\)/.test(l)) return l;
  }
  return undefined;
}

function clip(line: string): string {
  const one = line.replace(/\s+/g, ' ').trim();
  return one.length > MAX_CHARS ? `${one.slice(0, MAX_CHARS - 1)}…` : one;
}

/** The root cause of a failure from its log lines (or text), one line; undefined when the log says nothing. */
export function failureCause(log: string | string[]): string | undefined {
  const lines = meaningful((Array.isArray(log) ? log : log.split('\n')).map((l) => l.replace(/\r$/, '').trimEnd()));
  if (lines.length === 0) return undefined;
  const found = lastException(lines) ?? lines.find((l) => ERRORISH.test(l) && !NOISE.test(l)) ?? lines[lines.length - 1]!;
  return clip(found);
}
