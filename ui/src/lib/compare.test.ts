import { describe, expect, it } from 'vitest';
import { compareMetrics, compareParameters } from './compare';
import { confusionMatrix, rocCurve, scalarMetrics } from './metrics';
import type { Run } from './types';

const run = (id: string, min: number, acc: number): Run => ({
  run_id: id, display_name: id, runtime_config: { parameters: { min_accuracy: min, endpoint: 'staging' } },
  run_details: { task_details: [{ run_id: id, task_id: 'evaluate-model', display_name: 'evaluate-model',
    pipewright_outputs: { artifacts: { metrics: [{ uri: 'minio://b/m', type: 'system.Metrics', metadata: { accuracy: acc, f1_score: 0.9 } }] } } }] },
});

describe('compare runs', () => {
  it('marks the parameters and metrics that differ', () => {
    const runs = [run('a', 0.9, 0.95), run('b', 0.99, 0.95)];
    expect(compareParameters(runs)).toEqual([
      { key: 'endpoint', values: ['staging', 'staging'], differs: false },
      { key: 'min_accuracy', values: ['0.9', '0.99'], differs: true },
    ]);
    expect(compareMetrics(runs)).toEqual([
      { key: 'evaluate-model.accuracy', values: ['0.95', '0.95'], differs: false },
      { key: 'evaluate-model.f1_score', values: ['0.9', '0.9'], differs: false },
    ]);
  });
});

describe('metrics metadata', () => {
  it('reads scalars, the confusion matrix and ROC points as kfp logs them', () => {
    const md = {
      accuracy: 0.75, display_name: 'x',
      confusionMatrix: { annotationSpecs: [{ displayName: 'cat' }, { displayName: 'dog' }], rows: [{ row: [8, 2] }, { row: [1, 9] }] },
      confidenceMetrics: [{ confidenceThreshold: 0.5, falsePositiveRate: 0.5, recall: 0.75 }, { confidenceThreshold: 1, falsePositiveRate: 0, recall: 0 }],
    };
    expect(scalarMetrics(md)).toEqual([['accuracy', 0.75]]);
    expect(confusionMatrix(md)).toEqual({ labels: ['cat', 'dog'], rows: [[8, 2], [1, 9]] });
    expect(rocCurve(md)).toEqual([{ fpr: 0, tpr: 0, threshold: 1 }, { fpr: 0.5, tpr: 0.75, threshold: 0.5 }]);
    expect(confusionMatrix({})).toBeUndefined();
  });
});
