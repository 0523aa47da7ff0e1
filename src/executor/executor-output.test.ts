import { describe, expect, it } from '@jest/globals';
import type { LaunchRequest } from '../engine/state.js';
import { checkParameterValue, collectOutputs, OutputError, parseParameterText } from './executor-output.js';
import type { ExecutorInput } from './types.js';

describe('parseParameterText', () => {
  it.each([
    ['STRING', ' raw text\n', ' raw text\n'],
    ['NUMBER_INTEGER', '42\n', 42],
    ['NUMBER_INTEGER', '-7', -7],
    ['NUMBER_DOUBLE', '0.25', 0.25],
    ['NUMBER_DOUBLE', '3', 3],
    ['NUMBER_DOUBLE', '1e-3', 0.001],
    ['BOOLEAN', 'true\n', true],
    ['BOOLEAN', 'False', false],
    ['BOOLEAN', '1', true],
    ['LIST', '[1, "a"]', [1, 'a']],
    ['STRUCT', '{"k": [1]}', { k: [1] }],
  ])('%s %j', (type, text, value) => {
    expect(parseParameterText(text, type, 'p')).toEqual(value);
  });

  it.each([
    ['NUMBER_INTEGER', '3.5', /output parameter 'p' \(NUMBER_INTEGER\): cannot parse "3.5" as an integer/],
    ['NUMBER_INTEGER', 'abc', /as an integer/],
    ['NUMBER_DOUBLE', 'x1', /as a number/],
    ['BOOLEAN', 'yes', /as a boolean/],
    ['LIST', '{"a":1}', /should be LIST but is struct/],
    ['STRUCT', '[1]', /should be STRUCT but is list/],
    ['LIST', '[1,', /as JSON/],
  ])('%s rejects %j', (type, text, message) => {
    expect(() => parseParameterText(text, type, 'p')).toThrow(OutputError);
    expect(() => parseParameterText(text, type, 'p')).toThrow(message);
  });
});

describe('checkParameterValue', () => {
  it('accepts integers for doubles and rejects doubles for integers', () => {
    expect(checkParameterValue(3, 'NUMBER_DOUBLE', 'x')).toBe(3);
    expect(() => checkParameterValue(3.5, 'NUMBER_INTEGER', 'x')).toThrow("output parameter 'x' should be NUMBER_INTEGER but is double (3.5)");
    expect(() => checkParameterValue('3', 'NUMBER_INTEGER', 'x')).toThrow(/is string/);
  });
});

const dataset = { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' };
const metrics = { schemaTitle: 'system.Metrics', schemaVersion: '0.0.1' };
const req: LaunchRequest = {
  nodeId: 't',
  taskName: 't',
  displayName: 't',
  attempt: 1,
  componentName: 'comp-t',
  executorLabel: 'exec-t',
  inputs: { parameters: {}, artifacts: {} },
  outputs: {
    parameters: { Output: { type: 'STRING' }, count: { type: 'NUMBER_INTEGER' } },
    artifacts: { data: { uri: '/r/t/data', type: dataset }, metrics: { uri: '/r/t/metrics', type: metrics } },
  },
  taskRoot: '/r/t',
};
const ei = {
  outputs: { parameters: { Output: { outputFile: '/r/t/Output' }, count: { outputFile: '/r/t/count' } } },
} as unknown as ExecutorInput;

describe('collectOutputs', () => {
  it('takes executor_output.json first, output files for the rest, merges artifacts', () => {
    const text = JSON.stringify({
      parameterValues: { Output: 'yes' },
      artifacts: {
        metrics: { artifacts: [{ name: 'metrics', uri: '/r/t/metrics', metadata: { accuracy: 0.9 } }] },
        data: { artifacts: [{ name: 'data', uri: '/r/t/data', metadata: {}, custom_path: '/tmp/x' }] },
      },
    });
    const got = collectOutputs({ request: req, executorInput: ei, executorOutputText: text, parameterTexts: { count: '12\n' } });
    expect(got.outputs).toEqual({
      parameters: { Output: 'yes', count: 12 },
      artifacts: {
        data: [{ name: 'data', uri: '/r/t/data', type: dataset, metadata: {} }],
        metrics: [{ name: 'metrics', uri: '/r/t/metrics', type: metrics, metadata: { accuracy: 0.9 } }],
      },
    });
    expect(got.copies).toEqual([{ output: 'data', from: '/tmp/x', toUri: '/r/t/data' }]);
  });

  it('accepts customPath (camelCase) and works without executor_output.json', () => {
    const got = collectOutputs({ request: req, executorInput: ei, parameterTexts: { Output: 'hello', count: '1' } });
    expect(got.outputs.parameters).toEqual({ Output: 'hello', count: 1 });
    expect(got.outputs.artifacts.data![0]!.uri).toBe('/r/t/data');
    const text = JSON.stringify({ artifacts: { data: { artifacts: [{ customPath: '/tmp/y' }] } } });
    const got2 = collectOutputs({ request: req, executorInput: ei, executorOutputText: text, parameterTexts: { Output: 'a', count: '2' } });
    expect(got2.copies).toEqual([{ output: 'data', from: '/tmp/y', toUri: '/r/t/data' }]);
  });

  it('names the output that is missing or mistyped', () => {
    expect(() => collectOutputs({ request: req, executorInput: ei, parameterTexts: { Output: 'a' } })).toThrow(
      "output parameter 'count' was not produced (not in executor_output.json and no file at /r/t/count)",
    );
    const text = JSON.stringify({ parameterValues: { Output: 5, count: 1 } });
    expect(() => collectOutputs({ request: req, executorInput: ei, executorOutputText: text, parameterTexts: {} })).toThrow(
      "output parameter 'Output' should be STRING but is integer (5)",
    );
    expect(() => collectOutputs({ request: req, executorInput: ei, executorOutputText: '{oops', parameterTexts: {} })).toThrow(/not valid JSON/);
  });
});
