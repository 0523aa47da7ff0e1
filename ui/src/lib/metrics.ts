// KFP's metrics artifacts' metadata as tables: scalar Metrics, and ClassificationMetrics' confusion matrix and ROC
// points (as `log_confusion_matrix` and `log_roc_curve` write them). Pure.
import type { Json } from './types';

type Obj = Record<string, Json>;
const obj = (v: Json | undefined): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);

export function scalarMetrics(metadata: Obj | undefined): [string, number | string][] {
  return Object.entries(metadata ?? {})
    .filter((e): e is [string, number | string] => typeof e[1] === 'number' || typeof e[1] === 'string')
    .filter(([k]) => k !== 'display_name');
}

export interface Confusion {
  labels: string[];
  rows: number[][];
}

export function confusionMatrix(metadata: Obj | undefined): Confusion | undefined {
  const cm = obj(metadata?.confusionMatrix);
  if (!cm) return undefined;
  const labels = (Array.isArray(cm.annotationSpecs) ? cm.annotationSpecs : []).map((s) => String(obj(s)?.displayName ?? ''));
  const rows = (Array.isArray(cm.rows) ? cm.rows : []).map((r) => {
    const row = obj(r)?.row;
    return Array.isArray(row) ? row.map(Number) : [];
  });
  return labels.length ? { labels, rows } : undefined;
}

export interface RocPoint { fpr: number; tpr: number; threshold: number }

export function rocCurve(metadata: Obj | undefined): RocPoint[] {
  const list = metadata?.confidenceMetrics;
  if (!Array.isArray(list)) return [];
  return list
    .map((p) => obj(p) ?? {})
    .map((p) => ({ fpr: Number(p.falsePositiveRate), tpr: Number(p.recall), threshold: Number(p.confidenceThreshold) }))
    .filter((p) => Number.isFinite(p.fpr) && Number.isFinite(p.tpr))
    .sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr);
}
