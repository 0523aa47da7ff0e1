import type { SourceLocation } from './types.js';

/** A problem with a pipeline a person can fix: where, what, and how. */
export interface Diagnostic {
  /** Stable machine-readable code, e.g. CYCLE, UNKNOWN_TASK, TYPE_MISMATCH. */
  code: string;
  location: SourceLocation;
  message: string;
  fix: string;
}

/** Thrown by front ends and validation; carries every diagnostic found, not just the first. */
export class PipelineError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
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

export function diagnostic(code: string, location: SourceLocation, message: string, fix: string): Diagnostic {
  return { code, location, message, fix };
}
