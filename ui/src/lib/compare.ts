// Runs side by side: one row per parameter or metric, marked when the runs disagree. Pure.
import type { Json, Run } from './types';

export interface CompareRow {
  key: string;
  values: string[];
  differs: boolean;
}

const text = (v: Json | undefined): string => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function rows(runs: Run[], valuesOf: (r: Run) => Record<string, Json>): CompareRow[] {
  const per = runs.map(valuesOf);
  const keys = [...new Set(per.flatMap((v) => Object.keys(v)))].sort();
  return keys.map((key) => {
    const values = per.map((v) => text(v[key]));
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export function compareParameters(runs: Run[]): CompareRow[] {
  return rows(runs, (r) => r.runtime_config?.parameters ?? {});
}

/** Metrics artifacts' scalar values, keyed `<task>.<metric>` (e.g. evaluate-model.accuracy). */
export function metricsOf(run: Run): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const t of run.run_details?.task_details ?? []) {
    for (const list of Object.values(t.pipewright_outputs?.artifacts ?? {})) {
      for (const a of list) {
        if (a.type !== 'system.Metrics') continue;
        for (const [k, v] of Object.entries(a.metadata ?? {})) if (typeof v === 'number' || typeof v === 'string') out[`${t.display_name ?? t.task_id}.${k}`] = v;
      }
    }
  }
  return out;
}

export function compareMetrics(runs: Run[]): CompareRow[] {
  return rows(runs, metricsOf);
}
