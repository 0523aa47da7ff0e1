import { describe, expect, it } from '@jest/globals';
import type { LaunchRequest, RunContext } from '../engine/state.js';
import type { Component } from '../model/types.js';
import { buildExecutorInput, clusterLocalPath, hostLocalPath, runInfoFor, taskUuid } from './executor-input.js';
import { resolveCommand } from './placeholders.js';

const run: RunContext = {
  name: 'run-1',
  displayName: 'my run',
  uid: 'uid-1',
  namespace: 'ns',
  pipelineRoot: 'minio://mlpipeline/v2/artifacts',
  createTime: '2026-01-01T00:00:00Z',
};

const component: Component = {
  name: 'comp-train',
  inputs: {
    parameters: {
      lr: { type: 'NUMBER_DOUBLE', optional: true, default: 0.1 },
      epochs: { type: 'NUMBER_INTEGER', optional: false },
      msg: { type: 'STRING', optional: false },
      opt: { type: 'STRING', optional: true },
    },
    artifacts: { dataset: { type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, isList: false, optional: false } },
  },
  outputs: {
    parameters: { Output: { type: 'STRING', optional: false } },
    artifacts: { model: { type: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' }, isList: false, optional: false } },
  },
  implementation: { kind: 'executor', executor: 'exec-train' },
};

const root = 'minio://mlpipeline/v2/artifacts/ns/run-1/train';
const MSG = "heads and {{$.inputs.parameters['pipelinechannel--random-num-Output']}} > 5! {{$.pipeline_job_name}} {{$.unknown}}";
const req: LaunchRequest = {
  nodeId: 'train',
  taskName: 'train',
  displayName: 'train',
  attempt: 1,
  componentName: 'comp-train',
  executorLabel: 'exec-train',
  inputs: {
    parameters: {
      epochs: 3,
      msg: MSG,
      'pipelinechannel--random-num-Output': 7,
    },
    artifacts: {
      dataset: [{ name: 'dataset', uri: 'minio://mlpipeline/v2/artifacts/ns/run-1/make/dataset', type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: { length: 9 } }],
    },
  },
  outputs: {
    parameters: { Output: { type: 'STRING' } },
    artifacts: { model: { uri: `${root}/model`, type: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' } } },
  },
  taskRoot: root,
  // The f-string constant as compiled (plan.ts fills this from the task's constant bindings).
  templates: { msg: MSG },
};

describe('buildExecutorInput', () => {
  const info = runInfoFor(run, req, '/kfp-workspace');
  const ei = buildExecutorInput(req, component, { localPath: clusterLocalPath, run: info, outputParameterFile: (n) => `/tmp/kfp/outputs/${n}` });

  it('has the shape of the backend driver (protojson camelCase)', () => {
    expect(ei).toEqual({
      inputs: {
        parameterValues: {
          lr: 0.1,
          epochs: 3,
          msg: 'heads and 7 > 5! my run {{$.unknown}}',
          'pipelinechannel--random-num-Output': 7,
        },
        artifacts: {
          dataset: {
            artifacts: [
              {
                name: 'dataset',
                type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' },
                uri: 'minio://mlpipeline/v2/artifacts/ns/run-1/make/dataset',
                metadata: { length: 9 },
              },
            ],
          },
        },
      },
      outputs: {
        parameters: { Output: { outputFile: '/tmp/kfp/outputs/Output' } },
        artifacts: { model: { artifacts: [{ name: 'model', type: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' }, uri: `${root}/model` }] } },
        outputFile: '/minio/mlpipeline/v2/artifacts/ns/run-1/train/executor_output.json',
      },
    });
  });

  it('feeds the lightweight component argv', () => {
    const argv = resolveCommand(['--executor_input', '{{$}}', '--function_to_execute', 'train'], { executorInput: ei, run: info, localPath: clusterLocalPath });
    expect(JSON.parse(argv[1]!)).toEqual(ei);
  });

  it('resolved values win over defaults; optional inputs without default stay absent', () => {
    const { templates: _t, ...plain } = req;
    const ei2 = buildExecutorInput({ ...plain, inputs: { ...req.inputs, parameters: { lr: 0.5, epochs: 1, msg: 'x' } } }, component, { localPath: clusterLocalPath, run: info });
    expect(ei2.inputs.parameterValues).toEqual({ lr: 0.5, epochs: 1, msg: 'x' });
    expect(ei2.outputs.parameters.Output!.outputFile).toBe('/minio/mlpipeline/v2/artifacts/ns/run-1/train/Output');
  });

  it('locally the paths are the URIs', () => {
    const local = { ...req, taskRoot: '/home/me/.pipewright/artifacts/local/run-1/train' };
    const ei3 = buildExecutorInput(local, component, { localPath: hostLocalPath, run: info });
    expect(ei3.outputs.outputFile).toBe('/home/me/.pipewright/artifacts/local/run-1/train/executor_output.json');
    expect(ei3.outputs.parameters.Output!.outputFile).toBe('/home/me/.pipewright/artifacts/local/run-1/train/Output');
  });
});

describe('placeholders inside parameter values', () => {
  const hostile = "{{$.outputs.artifacts['model'].path}} {{$.pipeline_job_name}} {{$.inputs.parameters['epochs']}}";
  const info = runInfoFor(run, req, '/kfp-workspace');

  it('are data when they come from a run argument or an upstream output: never expanded, in either mode', () => {
    const r: LaunchRequest = { ...req, inputs: { ...req.inputs, parameters: { ...req.inputs.parameters, opt: hostile } } };
    for (const localPath of [clusterLocalPath, hostLocalPath]) {
      const ei = buildExecutorInput(r, component, { localPath, run: info });
      expect(ei.inputs.parameterValues.opt).toBe(hostile);
      expect(resolveCommand(['--opt', "{{$.inputs.parameters['opt']}}"], { executorInput: ei, run: info, localPath })).toEqual(['--opt', hostile]);
    }
  });

  it('substituted into an f-string stay literal: the template is expanded once, its values are not rescanned', () => {
    const r: LaunchRequest = {
      ...req,
      inputs: { ...req.inputs, parameters: { ...req.inputs.parameters, 'pipelinechannel--random-num-Output': hostile } },
    };
    const ei = buildExecutorInput(r, component, { localPath: clusterLocalPath, run: info });
    expect(ei.inputs.parameterValues.msg).toBe(`heads and ${hostile} > 5! my run {{$.unknown}}`);
  });
});

describe('path mapping', () => {
  it.each([
    ['minio://b/k/x', '/minio/b/k/x'],
    ['s3://b/k', '/s3/b/k'],
    ['gs://b/k', '/gcs/b/k'],
    ['/abs/path', '/abs/path'],
  ])('cluster %s -> %s', (uri, p) => expect(clusterLocalPath(uri)).toBe(p));
  it('host strips file://', () => {
    expect(hostLocalPath('file:///a/b%20c')).toBe('/a/b c');
    expect(hostLocalPath('/a/b')).toBe('/a/b');
  });
  it('task uuids are stable and distinct', () => {
    expect(taskUuid('u', 'a')).toBe(taskUuid('u', 'a'));
    expect(taskUuid('u', 'a')).not.toBe(taskUuid('u', 'b'));
    expect(taskUuid('u', 'a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
