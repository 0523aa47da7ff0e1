import { describe, expect, it } from 'vitest';
import { initialValue, parseForm, pipelineInputs, specTaskOf } from './spec';
import type { Json } from './types';

const spec: Record<string, Json> = {
  pipeline_spec: {
    root: {
      inputDefinitions: { parameters: {
        min_accuracy: { parameterType: 'NUMBER_DOUBLE', defaultValue: 0.85, isOptional: true },
        n: { parameterType: 'NUMBER_INTEGER' },
        flag: { parameterType: 'BOOLEAN', defaultValue: false, isOptional: true },
        tags: { parameterType: 'LIST', defaultValue: ['a'], isOptional: true },
        who: { parameterType: 'STRING', defaultValue: 'kfp', isOptional: true },
      } },
      dag: { tasks: { train: { taskInfo: { name: 'train-model' }, componentRef: { name: 'comp-train' }, dependentTasks: ['load'],
        inputs: { parameters: { lr: { runtimeValue: { constant: 0.1 } }, acc: { componentInputParameter: 'min_accuracy' } },
          artifacts: { data: { taskOutputArtifact: { producerTask: 'load', outputArtifactKey: 'train_data' } } } } } } },
    },
  },
  platform_spec: {},
};

describe('pipeline inputs and the start-run form', () => {
  it('reads the typed inputs with their defaults', () => {
    const inputs = pipelineInputs(spec);
    expect(inputs.map((i) => [i.name, i.type, i.optional, initialValue(i)])).toEqual([
      ['min_accuracy', 'NUMBER_DOUBLE', true, '0.85'], ['n', 'NUMBER_INTEGER', false, ''], ['flag', 'BOOLEAN', true, 'false'],
      ['tags', 'LIST', true, '["a"]'], ['who', 'STRING', true, 'kfp'],
    ]);
  });

  it('types the values and names each field that is wrong', () => {
    const inputs = pipelineInputs(spec);
    expect(parseForm(inputs, { min_accuracy: '0.9', n: '3', flag: 'true', tags: '[1,2]', who: 'me' })).toEqual({
      parameters: { min_accuracy: 0.9, n: 3, flag: true, tags: [1, 2], who: 'me' }, errors: {},
    });
    expect(parseForm(inputs, { min_accuracy: 'high', n: '', flag: 'yes', tags: '{}', who: '' }).errors).toEqual({
      min_accuracy: 'a number, e.g. 0.9', n: 'required', flag: 'true or false', tags: 'a JSON list, e.g. [1, 2]',
    });
  });

  it('describes a task\'s input bindings', () => {
    expect(specTaskOf(spec, 'train')).toMatchObject({
      displayName: 'train-model', dependsOn: ['load'],
      inputs: { lr: '0.1', acc: 'pipeline input min_accuracy', data: 'load.train_data' },
    });
  });
});
