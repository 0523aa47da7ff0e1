// bench/argo.ts's table: one column per controller, then Pipewright ÷ each Argo setting.

export interface Sample {
  label: string;
  ok: boolean;
  note: string;
  pods: number;
  /** ms, sorted */
  transitions: number[];
  makespanMs: number;
  podsPerSec: number;
  /** pod seen → pod Succeeded seen, ms, sorted */
  podRunMs: number[];
  cpuSec: number;
  peakRssMb: number;
  statusWrites: number;
  maxStatusBytes: number;
}
export type Side = Sample;

export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ms = (x: number): string => (Number.isNaN(x) ? 'n/a' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

interface Metric { name: string; value: (s: Sample) => number; show: (x: number) => string }

const METRICS: Metric[] = [
  { name: 'step transition p50', value: (s) => pct(s.transitions, 50), show: ms },
  { name: 'step transition p99', value: (s) => pct(s.transitions, 99), show: ms },
  { name: 'makespan', value: (s) => s.makespanMs, show: ms },
  { name: 'pods/s', value: (s) => s.podsPerSec, show: (x) => x.toFixed(1) },
  { name: 'pod run p50 (seen → Succeeded)', value: (s) => pct(s.podRunMs, 50), show: ms },
  { name: 'controller CPU', value: (s) => s.cpuSec, show: (x) => `${x.toFixed(1)} s` },
  { name: 'controller peak RSS', value: (s) => s.peakRssMb, show: (x) => `${x.toFixed(0)} MiB` },
  { name: 'run status writes', value: (s) => s.statusWrites, show: (x) => String(x) },
  { name: 'largest run status', value: (s) => s.maxStatusBytes, show: (x) => `${x.toLocaleString('en-US')} B` },
];

const ratio = (a: number, b: number): string => (!Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? 'n/a' : `${(a / b).toFixed(a / b < 0.1 ? 3 : 2)}`);

/** A markdown table: metric | each controller | Pipewright/each Argo. The first sample is Pipewright's. */
export function compare(title: string, samples: Sample[]): string {
  const [pw, ...argos] = samples;
  if (!pw) return '';
  const header = ['metric', ...samples.map((s) => s.label), ...argos.map((a) => `PW/${a.label.replace(/^Argo /, 'Argo')}`)];
  const rows = METRICS.map((m) => [m.name, ...samples.map((s) => m.show(m.value(s))), ...argos.map((a) => ratio(m.value(pw), m.value(a)))]);
  const notes = samples.filter((s) => !s.ok).map((s) => `  NOT OK ${s.label}: ${s.note || `${s.pods} pods seen`}`);
  return [`\n${title}  (pods: ${samples.map((s) => s.pods).join(' / ')})`, ...notes,
    `| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
