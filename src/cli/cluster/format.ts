// What the cluster commands print: ages, durations, tables and phase colours, kubectl-style. Pure.
import { ANNOTATION_HISTORY } from '../../controller/run-history.js';
import type { PipelineRunObject } from '../../controller/types.js';

/** Colours only when asked for (a TTY without NO_COLOR); `paint` is the identity otherwise. */
export interface Style {
  color: boolean;
}

const CODES: Record<string, string> = { green: '32', red: '31', yellow: '33', cyan: '36', grey: '90', bold: '1' };

export function paint(style: Style, colour: keyof typeof CODES, text: string): string {
  return style.color && text ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/** Colour on a TTY unless NO_COLOR is set to anything non-empty (no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  return { color: !!stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb' };
}

const PHASE_COLOUR: Record<string, keyof typeof CODES> = {
  Succeeded: 'green', Cached: 'green', Failed: 'red', Error: 'red', Running: 'cyan', Pending: 'yellow',
  Cancelled: 'grey', Skipped: 'grey',
};

export function phaseText(style: Style, phase: string | undefined): string {
  const p = phase ?? 'Pending';
  return paint(style, PHASE_COLOUR[p] ?? 'bold', p);
}

const PHASE_ICON: Record<string, string> = {
  Succeeded: '✔', Cached: '✔', Failed: '✖', Error: '⚠', Running: '●', Pending: '◷', Cancelled: '⊘', Skipped: '○',
};

export function phaseIcon(style: Style, phase: string | undefined): string {
  const p = phase ?? 'Pending';
  return paint(style, PHASE_COLOUR[p] ?? 'bold', PHASE_ICON[p] ?? '?');
}

/** kubectl's age: the two largest units for short spans (1m5s, 2h10m), one unit from days on (3d, 2y). */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

/** How long something ran: until it finished, or until now while it runs; '-' before it started. */
export function elapsed(startedAt: string | undefined, finishedAt: string | undefined, now: number): string {
  const start = startedAt ? Date.parse(startedAt) : NaN;
  if (Number.isNaN(start)) return '-';
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return age((Number.isNaN(end) ? now : end) - start);
}

export function ageOf(timestamp: string | Date | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = timestamp instanceof Date ? timestamp.getTime() : Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : age(now - t);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** Printed width: escapes take no columns (wide characters are not expected in names). */
export const width = (s: string): number => [...s.replace(ANSI, '')].length;

/** Columns separated by three spaces, the last one unpadded (kubectl's tabwriter). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c) + 3))).join('').trimEnd())
    .join('\n');
}

export function clipText(s: string, max: number): string {
  const one = s.replace(/\s*\n\s*/g, ' ');
  return [...one].length > max ? `${[...one].slice(0, max - 1).join('')}…` : one;
}

export type ListFormat = 'table' | 'wide';

export function runHeaders(format: ListFormat, allNamespaces: boolean): string[] {
  return [
    ...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'PROGRESS', 'AGE', 'DURATION',
    ...(format === 'wide' ? ['PIPELINE', 'STARTED', 'FINISHED'] : []), 'MESSAGE',
  ];
}

/** The pipeline a run executes: the Pipeline it refers to, else the name inside its spec, when cheap to see. */
export function pipelineNameOf(run: PipelineRunObject): string {
  if (run.spec?.pipelineRef?.name) return `pipeline/${run.spec.pipelineRef.name}`;
  const spec = run.spec?.pipelineSpec as { pipelineInfo?: { name?: string }; metadata?: { name?: string } } | undefined;
  const inline = spec?.pipelineInfo?.name ?? spec?.metadata?.name;
  if (inline) return inline;
  const text = run.spec?.pipelineYAML ?? '';
  // A look at the text, not a parse (lists of many runs): `pipelineInfo`/`metadata` then `name`, YAML or JSON.
  for (const key of ['pipelineInfo', 'metadata']) {
    const m = new RegExp(`(?:^|\\n|\\{|,)\\s*"?${key}"?\\s*:\\s*\\{?\\s*"?name"?\\s*:\\s*(?:"([^"]*)"|'([^']*)'|([^\\s,}]+))`).exec(text);
    if (m) return m[1] ?? m[2] ?? m[3]!;
  }
  return '-';
}

export function runRow(run: PipelineRunObject, now: number, format: ListFormat, allNamespaces: boolean, style: Style): string[] {
  const s = run.status ?? {};
  const message = clipText(s.message ?? '', format === 'wide' ? 200 : 60);
  return [
    ...(allNamespaces ? [run.metadata?.namespace ?? ''] : []),
    run.metadata?.name ?? '',
    `${phaseText(style, s.phase)}${run.metadata?.annotations?.[ANNOTATION_HISTORY] !== undefined ? ' (history)' : ''}`,
    s.progress ?? '-',
    ageOf(run.metadata?.creationTimestamp, now),
    elapsed(s.startedAt, s.finishedAt, now),
    ...(format === 'wide' ? [pipelineNameOf(run), s.startedAt ?? '-', s.finishedAt ?? '-'] : []),
    message,
  ];
}

/** Newest first, as people look for the run they just started; then by name for a stable order. */
export function byNewest(a: PipelineRunObject, b: PipelineRunObject): number {
  const t = (r: PipelineRunObject): number => Date.parse(String(r.metadata?.creationTimestamp ?? '')) || 0;
  return t(b) - t(a) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}
