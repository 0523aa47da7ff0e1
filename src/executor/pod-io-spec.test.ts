import type { LaunchRequest } from '../engine/state.js';
import { downloadsFor, outputsSpecFor, parseDownloads, parseOutputsSpec, parseTerminationMessage, PodSpecError } from './pod-io-spec.js';
import { exitCodeFor, failureLine } from './pod-io.js';
import { OutputError } from './executor-output.js';

const ds = { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' };

describe('parseDownloads', () => {
  it('accepts uri/path pairs', () => {
    expect(parseDownloads('[{"uri":"minio://b1b/k/x","path":"/minio/b1b/k/x"}]')).toEqual([{ uri: 'minio://b1b/k/x', path: '/minio/b1b/k/x' }]);
    expect(parseDownloads('[]')).toEqual([]);
  });
  it.each([
    ['not json', /not valid JSON/],
    ['{}', /JSON list/],
    ['[{"uri":"minio://b1b/../x","path":"/minio/x"}]', /escapes/],
    ['[{"uri":"minio://b1b/k","path":"relative/x"}]', /absolute/],
    ['[{"uri":"minio://b1b/k","path":"/minio/../etc"}]', /absolute normalized/],
  ])('rejects %s', (text, re) => {
    expect(() => parseDownloads(text)).toThrow(PodSpecError);
    expect(() => parseDownloads(text)).toThrow(re);
  });
});

const req: LaunchRequest = {
  nodeId: 'train', taskName: 'train', displayName: 'train', attempt: 1, componentName: 'comp-train', executorLabel: 'exec-train',
  inputs: {
    parameters: {},
    artifacts: {
      data: [{ name: 'data', uri: 'minio://b1b/root/ns/run/make/data', type: ds, metadata: {} }],
      same: [{ name: 'data', uri: 'minio://b1b/root/ns/run/make/data', type: ds, metadata: {} }],
      local: [{ name: 'x', uri: '/tmp/x', type: ds, metadata: {} }],
    },
  },
  outputs: { parameters: { n: { type: 'NUMBER_INTEGER' } }, artifacts: { model: { uri: 'minio://b1b/root/ns/run/train/model', type: ds } } },
  taskRoot: 'minio://b1b/root/ns/run/train',
};

describe('spec builders', () => {
  it('lists each object-store input once at its mount path', () => {
    expect(downloadsFor(req)).toEqual([{ uri: 'minio://b1b/root/ns/run/make/data', path: '/minio/b1b/root/ns/run/make/data' }]);
  });
  it('builds an outputs spec that parses back', () => {
    const ei = {
      inputs: { parameterValues: {}, artifacts: {} },
      outputs: { parameters: { n: { outputFile: '/tmp/kfp/outputs/n' } }, artifacts: {}, outputFile: '/minio/b1b/root/ns/run/train/executor_output.json' },
    };
    const spec = outputsSpecFor(req, ei);
    expect(spec.artifacts.model!.path).toBe('/minio/b1b/root/ns/run/train/model');
    expect(parseOutputsSpec(JSON.stringify(spec))).toEqual(spec);
  });
});

describe('termination messages', () => {
  it('reads outputs, refs and failures', () => {
    expect(parseTerminationMessage('{"parameters":{"a":1},"artifacts":{}}')).toEqual({ outputs: { parameters: { a: 1 }, artifacts: {} } });
    expect(parseTerminationMessage('{"ref":"minio://b1b/x/outputs.json"}')).toEqual({ ref: 'minio://b1b/x/outputs.json' });
    expect(parseTerminationMessage('outputs: boom\n')).toEqual({ error: 'outputs: boom' });
  });
  it('classifies failures', () => {
    expect(exitCodeFor('outputs', new OutputError('x'))).toBe(1);
    expect(exitCodeFor('inputs', new OutputError('x'))).toBe(2);
    expect(exitCodeFor('outputs', new Error('S3 down'))).toBe(2);
    expect(failureLine('outputs', new Error('a\nb'))).toBe('outputs: a b');
  });
  it('names the fix when the task left a file the helper (uid 65532) cannot read', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open '/tmp/kfp/outputs/x'"), { code: 'EACCES' });
    expect(failureLine('outputs', denied)).toMatch(/permission denied, open '\/tmp\/kfp\/outputs\/x' \(the outputs step runs as uid 65532: .*umask 022 or chmod o\+r\)$/);
  });
});
