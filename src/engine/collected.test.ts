// dsl.Collected over a loop whose producer sits in a branch: iterations where it did not run add nothing.
import { plan } from './plan.js';
import { containerComponent, done, input, pipelineOf, task } from './testing/builders.js';
import type { Component } from '../model/types.js';

const produce = containerComponent(
  'produce',
  { parameters: { Output: { type: 'NUMBER_INTEGER', optional: false } }, artifacts: {} },
  { parameters: { x: { type: 'NUMBER_INTEGER', optional: false } }, artifacts: {} },
);
const body: Component = {
  name: 'body',
  inputs: { parameters: { item: { type: 'NUMBER_INTEGER', optional: false } }, artifacts: {} },
  outputs: { parameters: { out: { type: 'LIST', optional: false } }, artifacts: {} },
  implementation: {
    kind: 'dag',
    dag: {
      tasks: {
        produce: task('produce', 'produce', {
          inputs: { parameters: { x: { kind: 'input', name: 'item' } }, artifacts: {} },
          condition: { expression: "int(inputs.parameter_values['x']) > 1", dialect: 'kfp' },
        }),
      },
      outputs: { parameters: { out: [{ task: 'produce', output: 'Output' }] }, artifacts: {} },
    },
  },
};
const consume = containerComponent('consume', { parameters: {}, artifacts: {} }, { parameters: { values: { type: 'LIST', optional: false } }, artifacts: {} });
const p = pipelineOf(
  [
    task('loop', 'body', { loop: { itemInput: 'item', items: { kind: 'raw', items: [1, 2, 3] } } }),
    task('consume', 'consume', { dependsOn: ['loop'], inputs: { parameters: { values: { kind: 'task', task: 'loop', output: 'out' } }, artifacts: {} } }),
  ],
  { produce, body, consume },
);

describe('plan: Collected with conditional producers', () => {
  it('collects only the iterations whose producer ran, in iteration order', () => {
    const first = plan(input(p));
    expect(first.nodes['loop[0]/produce']).toMatchObject({ phase: 'Skipped', reason: 'ConditionFalse' });
    expect(first.launch.map((l) => l.nodeId).sort()).toEqual(['loop[1]/produce', 'loop[2]/produce']);
    const out = (v: number) => done({ parameters: { Output: v }, artifacts: {} });
    const r = plan(input(p, { 'loop[1]/produce': out(20), 'loop[2]/produce': out(30) }));
    expect(r.nodes.loop?.outputs?.parameters.out).toEqual([20, 30]);
    expect(r.launch.find((l) => l.nodeId === 'consume')?.inputs.parameters.values).toEqual([20, 30]);
  });
});
