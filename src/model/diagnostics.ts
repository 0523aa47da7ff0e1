import type { SourceLocation } from './types.js';

/** A problem with a pipeline a person can fix: where, what, and how. */
export interface Diagnostic {
  /** Stable machine-readable code, e.g. CYCLE, UNKNOWN_TASK, TYPE_MISMATCH. */
  code: string;
  location: SourceLocation;
  message: string;
  fix: string;
}

/** Diagnostics printed (CLI) or kept in a message (controller); the rest are counted. */
export const MAX_SHOWN = 50;

export const moreProblems = (n: number): string => `… and ${n} more problem${n === 1 ? '' : 's'} (fix the ones above first)`;

/** Thrown by front ends and validation; carries every diagnostic found, not just the first. */
export class PipelineError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    super(formatDiagnostics(diagnostics, '\n'));
    this.name = 'PipelineError';
    this.diagnostics = diagnostics;
  }
}

export function formatLocation(location: SourceLocation): string {
  const parts: string[] = [];
  if (location.file) parts.push(location.file);
  if (location.path) parts.push(location.path);
  else if (location.task) parts.push(`task ${location.task}`);
  return parts.join(': ');
}

/** One line: `file: yaml.path: message (fix: ...)`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d.location);
  return `${where ? `${where}: ` : ''}${d.message} (fix: ${d.fix})`;
}

/** Longest message, fix or path a diagnostic keeps: values quoted from a hostile file can be megabytes. */
export const MAX_TEXT = 300;

/** `s` cut to `max` characters (with an ellipsis and the original length), on one line. */
export function clip(s: string, max = MAX_TEXT): string {
  const line = s.replace(/\s*\n\s*/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length} characters)`;
}

/** Many diagnostics as one bounded text (a run's status message, an error's message): MAX_SHOWN, then a count. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], separator = '; '): string {
  const shown = diagnostics.slice(0, MAX_SHOWN).map(formatDiagnostic);
  if (diagnostics.length > MAX_SHOWN) shown.push(moreProblems(diagnostics.length - MAX_SHOWN));
  return shown.join(separator);
}

export function diagnostic(code: string, location: SourceLocation, message: string, fix: string): Diagnostic {
  const loc: SourceLocation = { ...location };
  if (loc.path !== undefined) loc.path = clip(loc.path, 200);
  if (loc.task !== undefined) loc.task = clip(loc.task, 100);
  if (loc.file !== undefined) loc.file = clip(loc.file, 200);
  return { code, location: loc, message: clip(message), fix: clip(fix) };
}

/**
 * A failure of our own while reading a pipeline (a bug, or a shape no check foresaw) is still about this input:
 * one line naming the file, exit 2 in the CLI, and a Failed run in the controller instead of retrying forever.
 */
export function internalErrorsAsDiagnostics<T>(file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PipelineError) throw e;
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new PipelineError([diagnostic('INTERNAL_ERROR', { file }, `pipewright could not read this pipeline: ${msg}`, 'simplify the file around the most recent change, and report this as a bug with the file')]);
  }
}
