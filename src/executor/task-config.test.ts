import { describe, expect, it } from '@jest/globals';
import type { Component, ContainerExecutor } from '../model/types.js';
import { canonicalQuantity, hasTaskConfigInput, passthroughRouting, taskConfigValue, taskSettings, withTaskConfig } from './task-config.js';
import type { ExecutorInput } from './types.js';

const id = (s: string): string => s;
const executor: ContainerExecutor = {
  kind: 'container',
  image: 'python:3.11',
  command: ['true'],
  args: [],
  env: [{ name: 'A', value: '1' }, { name: 'EMPTY', value: '' }],
  resources: { cpuRequest: '0.5', cpuLimit: '1000m', memoryLimit: '1024Mi', accelerator: { type: 'nvidia.com/gpu', count: '1' } },
};
const platform = {
  secretAsEnv: [{ secretNameParameter: { runtimeValue: { constant: 's' } }, keyToEnv: [{ secretKey: 'k', envVar: 'S' }], optional: false }],
  pvcMount: [{ pvcNameParameter: { componentInputParameter: 'pvc' }, mountPath: '/data' }],
  nodeSelector: { labels: { pool: 'x' } },
  tolerations: [{ key: 't', operator: 'Exists' }],
};
const component = (passthroughs?: Component['taskConfigPassthroughs']): Component => ({
  name: 'comp',
  inputs: { parameters: { cfg: { type: 'TASK_CONFIG', optional: true }, x: { type: 'STRING', optional: false } }, artifacts: {} },
  outputs: { parameters: {}, artifacts: {} },
  implementation: { kind: 'executor', executor: 'exec-comp' },
  ...(passthroughs ? { taskConfigPassthroughs: passthroughs } : {}),
});

describe('canonicalQuantity (Go resource.Quantity marshalling)', () => {
  it.each([
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['250m', '250m'],
    ['1500', '1500'],
    ['2000', '2k'],
    ['1024Mi', '1Gi'],
    ['524288Ki', '512Mi'],
    ['1000Ki', '1000Ki'],
    ['512', '512'],
    ['1G', '1G'],
    ['0.0001', '1m'],
    ['0', '0'],
    ['{{$.inputs.parameters[\'x\']}}', '{{$.inputs.parameters[\'x\']}}'],
  ])('%s → %s', (q, want) => expect(canonicalQuantity(q)).toBe(want));
});

describe('passthroughRouting (KFP getTaskConfigOptions)', () => {
  it('without passthroughs applies everything to the task and nothing to the TaskConfig', () => {
    const r = passthroughRouting(component());
    expect(r.toTask('RESOURCES') && r.toTask('ENV') && r.toTask('KUBERNETES_VOLUMES')).toBe(true);
    expect(r.toConfig('RESOURCES') || r.toConfig('ENV')).toBe(false);
  });

  it('with passthroughs: listed fields reach the TaskConfig, and the task only with applyToTask; others neither', () => {
    const r = passthroughRouting(component([{ field: 'RESOURCES', applyToTask: false }, { field: 'ENV', applyToTask: true }]));
    expect([r.toConfig('RESOURCES'), r.toTask('RESOURCES')]).toEqual([true, false]);
    expect([r.toConfig('ENV'), r.toTask('ENV')]).toEqual([true, true]);
    expect([r.toConfig('KUBERNETES_TOLERATIONS'), r.toTask('KUBERNETES_TOLERATIONS')]).toEqual([false, false]);
  });
});

describe('taskConfigValue', () => {
  const settings = taskSettings(executor, platform, { pvc: 'claim' }, id);

  it('is all null with resources {} when nothing is passed through (json.Marshal of an empty TaskConfig)', () => {
    expect(taskConfigValue(settings, passthroughRouting(component()))).toEqual({
      affinity: null, tolerations: null, nodeSelector: null, env: null, volumes: null, volumeMounts: null, resources: {},
    });
  });

  it('carries every passed-through field with canonical quantities, secrets by reference, empty values omitted', () => {
    const all = (['RESOURCES', 'ENV', 'KUBERNETES_AFFINITY', 'KUBERNETES_TOLERATIONS', 'KUBERNETES_NODE_SELECTOR', 'KUBERNETES_VOLUMES'] as const).map((field) => ({ field, applyToTask: false }));
    expect(taskConfigValue(settings, passthroughRouting(component(all)))).toEqual({
      affinity: null,
      tolerations: [{ key: 't', operator: 'Exists' }],
      nodeSelector: { pool: 'x' },
      env: [{ name: 'A', value: '1' }, { name: 'EMPTY' }, { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }],
      volumes: [{ name: 'pvc-0-claim', persistentVolumeClaim: { claimName: 'claim' } }],
      volumeMounts: [{ name: 'pvc-0-claim', mountPath: '/data' }],
      resources: { limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' }, requests: { cpu: '500m' } },
    });
  });

  it('gives [] for a passed-through ENV with no variables', () => {
    const s = taskSettings({ ...executor, env: [] }, undefined, {}, id);
    expect(taskConfigValue(s, passthroughRouting(component([{ field: 'ENV', applyToTask: true }]))).env).toEqual([]);
  });
});

describe('withTaskConfig', () => {
  const ei: ExecutorInput = { inputs: { parameterValues: { x: 'a' }, artifacts: {} }, outputs: { parameters: {}, artifacts: {}, outputFile: '/o' } };

  it('puts the value into every TASK_CONFIG input and leaves the rest', () => {
    expect(hasTaskConfigInput(component())).toBe(true);
    expect(withTaskConfig(ei, component(), { resources: {} }).inputs.parameterValues).toEqual({ x: 'a', cfg: { resources: {} } });
    expect(ei.inputs.parameterValues).toEqual({ x: 'a' });
  });
});
