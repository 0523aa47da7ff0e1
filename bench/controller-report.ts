// bench/controller.ts's report: one table per scenario, a summary of all, and fan-outs across rounds, each rate as
// a ratio to the API server's create throughput measured in the same run (bench/controller-limit.ts).
import type { LimitSample } from './controller-limit.js';

export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A step transition in three: upstream seen Succeeded → the controller's create called (its reaction, with the
 * watch's delivery of the upstream's end to it), → answered (the API server), → the new pod seen (watch delivery). */
export interface StepStages {
  reaction: number[];
  answer: number[];
  delivery: number[];
}

export interface Result {
  scenario: string;
  title: string;
  ok: boolean;
  note: string;
  runs: number;
  pods: number;
  transitions: number[];
  /** The step transitions' stages, each sorted (ms). */
  stages: StepStages;
  totalMs: number;
  podsPerSec: number;
  /** Pods with an upstream ÷ (last of them seen − the first moment one of them could start): the creation rate once ready. */
  readyPodsPerSec?: number;
  /** The same pods ÷ (last of them seen Succeeded − the first moment one could start): created and run. */
  readyCompletedPerSec?: number;
  /** Fan-outs: the leaves' creations ÷ (last create answered − first create called), in the controller's client: as the limit is measured. */
  leafCreatesPerSec?: number;
  reconciles: number[];
  statusWrites: number;
  peakRssMb: number;
  maxStatusBytes: number;
  cpuSec: number;
}

const ms = (x: number): string => (Number.isNaN(x) ? 'n/a' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

/** The API server's measured create throughput (measureCreateLimit): at the controller's settings, and the best. */
export interface Limit { own?: LimitSample; best?: LimitSample }

const ratio = (x: number, of: LimitSample | undefined): string => (of ? `${((100 * x) / of.podsPerSec).toFixed(0)}%` : 'n/a');

function rows(r: Result, limit: Limit): [string, string][] {
  return [
    ['runs / pods', `${r.runs} / ${r.pods}`],
    ['step transition p50', ms(pct(r.transitions, 50))],
    ['step transition p99', `${ms(pct(r.transitions, 99))} (${r.transitions.length} samples)`],
    ['  upstream seen ended → create called, p50 / p99', `${ms(pct(r.stages.reaction, 50))} / ${ms(pct(r.stages.reaction, 99))}`],
    ['  create called → answered (API server), p50 / p99', `${ms(pct(r.stages.answer, 50))} / ${ms(pct(r.stages.answer, 99))}`],
    ['  answered → pod seen created (watch), p50 / p99', `${ms(pct(r.stages.delivery, 50))} / ${ms(pct(r.stages.delivery, 99))}`],
    ['total', ms(r.totalMs)],
    ['pods created per second', r.podsPerSec.toFixed(1)],
    ['  ÷ API server, same client', ratio(r.podsPerSec, limit.own)],
    ['  ÷ API server, best', ratio(r.podsPerSec, limit.best)],
    ['fan-out: leaves\' creations per second (first call → last answer, as the limit)', r.leafCreatesPerSec?.toFixed(1) ?? 'n/a'],
    ['  ÷ API server, same client', r.leafCreatesPerSec === undefined ? 'n/a' : ratio(r.leafCreatesPerSec, limit.own)],
    ['  ÷ API server, best', r.leafCreatesPerSec === undefined ? 'n/a' : ratio(r.leafCreatesPerSec, limit.best)],
    ['fan-out: leaves seen created per second once the root was seen ended', r.readyPodsPerSec?.toFixed(1) ?? 'n/a'],
    ['  ÷ API server, best', r.readyPodsPerSec === undefined ? 'n/a' : ratio(r.readyPodsPerSec, limit.best)],
    ['fan-out: leaves created and Succeeded per second', r.readyCompletedPerSec?.toFixed(1) ?? 'n/a'],
    ['  ÷ the same client creating and running as many pods', r.readyCompletedPerSec === undefined || !limit.own?.completedPerSec ? 'n/a' : `${((100 * r.readyCompletedPerSec) / limit.own.completedPerSec).toFixed(0)}%`],
    ['reconciles', String(r.reconciles.length)],
    ['reconcile p50', ms(pct(r.reconciles, 50))],
    ['reconcile p99', ms(pct(r.reconciles, 99))],
    ['status writes', String(r.statusWrites)],
    ['peak RSS (controller + bench)', `${r.peakRssMb.toFixed(0)} MiB`],
    ['CPU (controller + bench)', `${r.cpuSec.toFixed(1)} s`],
    ['largest status', `${r.maxStatusBytes.toLocaleString('en-US')} bytes`],
  ];
}

export function printTable(r: Result, limit: Limit): void {
  const body = rows(r, limit);
  const w = Math.max(...body.map(([k]) => k.length));
  const out = [`\n${r.title}${r.ok ? '' : `  [NOT OK: ${r.note || 'incomplete'}]`}`, ...body.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)];
  process.stdout.write(`${out.join('\n')}\n`);
}

export function printSummary(results: Result[], limit: Limit, durationMs: number, workers: string): void {
  if (results.length < 2) return;
  const header = ['metric', ...results.map((r) => r.scenario)];
  const table = rows(results[0]!, limit).map(([k], i) => [k, ...results.map((r) => rows(r, limit)[i]![1])]);
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...table.map((row) => `| ${row.join(' | ')} |`)];
  process.stdout.write(`\nSummary (simulated task duration ${durationMs} ms, ${workers} reconcile workers)\n${lines.join('\n')}\n`);
}

export interface RoundRatio { scenario: string; own?: number; best?: number }

/** Fan-outs over the rounds: each round's leaves' creations ÷ the limit measured just before them, and the median. */
export function printRounds(ratios: RoundRatio[], rounds: number): void {
  const pctOf = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(100 * x).toFixed(0)}%`);
  const median = (xs: number[]): number | undefined => {
    const v = [...xs].sort((a, b) => a - b);
    if (v.length === 0) return undefined;
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const lines: string[] = [];
  for (const scenario of new Set(ratios.map((r) => r.scenario))) {
    const of = ratios.filter((r) => r.scenario === scenario);
    const own = of.flatMap((r) => (r.own === undefined ? [] : [r.own]));
    const best = of.flatMap((r) => (r.best === undefined ? [] : [r.best]));
    lines.push(`  ${scenario}: leaves' creations ÷ API server, same client: median ${pctOf(median(own))} (${own.map(pctOf).join(', ')}); ÷ best: median ${pctOf(median(best))} (${best.map(pctOf).join(', ')})`);
  }
  process.stdout.write(`\nAcross ${rounds} rounds (each against the limit measured just before it)\n${lines.join('\n')}\n`);
}
