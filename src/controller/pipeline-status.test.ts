import { pipelineStatusFor } from './pipeline-status.js';
import type { PipelineObject } from './types.js';

const pipeline = (spec: PipelineObject['spec'], generation = 1, status?: object): PipelineObject & { status?: object } => ({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'p', namespace: 'ns', generation }, spec, ...(status ? { status } : {}),
});
const good = { pipelineSpec: { params: [], tasks: [{ name: 'hello', image: 'python:3.11', command: ['python3', '-c', 'print(1)'] }] } };

describe('pipelineStatusFor', () => {
  it('says valid, once per generation', () => {
    const s = pipelineStatusFor(pipeline(good), '2026-01-01T00:00:00Z');
    expect(s).toMatchObject({ observedGeneration: 1, valid: true, conditions: [{ type: 'Valid', status: 'True', reason: 'Valid' }, { type: 'Stalled', status: 'False' }] });
    expect(pipelineStatusFor(pipeline(good, 1, s!), '2026-01-01T00:01:00Z')).toBeUndefined();
  });

  it('says invalid, naming the field and the fix, and keeps the transition time while it stays invalid', () => {
    const bad = { pipelineSpec: { params: [], tasks: [{ name: 'a', image: 'python:3.11', inputs: { parameters: [{ name: 'x', value: '{{tasks.nope.outputs.parameters.y}}' }] } }] } };
    const s = pipelineStatusFor(pipeline(bad), '2026-01-01T00:00:00Z')!;
    expect(s).toMatchObject({ valid: false, conditions: [{ type: 'Valid', status: 'False', reason: 'InvalidPipeline' }, { type: 'Stalled', status: 'True', reason: 'InvalidPipeline' }] });
    expect(s.message).toMatch(/nope/);
    const again = pipelineStatusFor(pipeline(bad, 2, s), '2026-01-01T00:05:00Z')!;
    expect(again.observedGeneration).toBe(2);
    expect(again.conditions[0]!.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});
