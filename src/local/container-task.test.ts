import { describe, expect, it } from '@jest/globals';
import type { LaunchRequest } from '../engine/state.js';
import { localizeInputs } from './container-task.js';

const type = { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' };
const req = (uri: string): LaunchRequest => ({
  nodeId: 't', taskName: 't', displayName: 't', attempt: 1, componentName: 'c', executorLabel: 'e',
  inputs: { parameters: { p: 1 }, artifacts: { data: [{ name: 'data', uri, type, metadata: {} }] } },
  outputs: { parameters: {}, artifacts: {} },
  taskRoot: '/r/t',
});

describe('localizeInputs', () => {
  it.each([
    ['/abs/data.csv', '/abs/data.csv'],
    ['file:///abs/my%20data.csv', '/abs/my data.csv'],
    ['rel/data.csv', '/work/rel/data.csv'],
  ])('%s -> %s', (uri, local) => {
    const got = localizeInputs(req(uri), '/work');
    expect(got.artifacts.data![0]!.uri).toBe(local);
    expect(got.parameters).toEqual({ p: 1 });
  });
  it.each(['gs://b/k', 's3://b/k', 'minio://b/k', 'https://host/x'])('refuses %s', (uri) => {
    expect(() => localizeInputs(req(uri))).toThrow(`input artifact 'data' is at ${uri}, which a local run cannot fetch; import a local path or file:// URI instead`);
  });
});
