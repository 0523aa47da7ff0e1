// kfp-kubernetes config names parameters of the enclosing DAG (componentInputParameter) and sibling outputs
// (taskOutputParameter), not the task's own inputs: the engine hands their values over with the launch.
import { plan } from './plan.js';
import { containerComponent, done, input, pipelineOf, task } from './testing/builders.js';

const out = containerComponent('make', { parameters: { Output: { type: 'STRING', optional: false } }, artifacts: {} });
const p = pipelineOf([task('make', 'make'), task('use', 'use', { dependsOn: ['make'] })], { make: out }, {
  parameters: { pvc_name: { type: 'STRING', optional: true, default: 'data-pvc' } },
  artifacts: {},
});
p.platform.executors['exec-use'] = {
  pvcMount: [{ pvcNameParameter: { componentInputParameter: 'pvc_name' }, mountPath: '/data' }],
  secretAsEnv: [{ secretNameParameter: { taskOutputParameter: { producerTask: 'make', outputParameterKey: 'Output' } }, keyToEnv: [] }],
};

describe('plan: platform parameters', () => {
  it('carries the enclosing-DAG inputs and sibling outputs the platform config names', () => {
    const r = plan(input(p, { make: done({ parameters: { Output: 'made-secret' }, artifacts: {} }) }, { arguments: { pvc_name: 'given' } }));
    expect(r.launch[0]?.platformParameters).toEqual({ pvc_name: 'given', 'make.Output': 'made-secret' });
  });

  it('adds nothing for tasks without platform config', () => {
    expect(plan(input(p)).launch[0]?.platformParameters).toBeUndefined();
  });
});
