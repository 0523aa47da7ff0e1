import { describe, expect, it } from '@jest/globals';
import type { CommandItem } from '../model/types.js';
import {
  checkPlaceholders,
  formatNumber,
  listPlaceholders,
  parsePlaceholder,
  PlaceholderError,
  resolveCommand,
  resolveString,
  type PlaceholderContext,
} from './placeholders.js';
import type { ExecutorInput } from './types.js';

const ei: ExecutorInput = {
  inputs: {
    parameterValues: { text: 'hi there', n: 7, lr: 0.1, big: 1e21, flag: true, names: ['a', 'b'], cfg: { k: 1 }, nothing: null },
    artifacts: {
      dataset: { artifacts: [{ name: 'dataset', type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, uri: 'minio://b/run/make/dataset', metadata: { rows: 9, source: 'x' } }] },
      many: {
        artifacts: [
          { name: 'a0', type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, uri: 'minio://b/a0', metadata: {} },
          { name: 'a1', type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, uri: 'minio://b/a1', metadata: {} },
        ],
      },
    },
  },
  outputs: {
    parameters: { output_path: { outputFile: '/tmp/kfp/outputs/output_path' } },
    artifacts: { model: { artifacts: [{ name: 'model', type: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' }, uri: 's3://b/run/train/model' }] } },
    outputFile: '/minio/b/run/train/executor_output.json',
  },
};

const ctx: PlaceholderContext = {
  executorInput: ei,
  run: {
    jobName: 'my run',
    jobResourceName: 'run-1',
    jobUuid: 'uid-1',
    taskName: 'train',
    taskUuid: 'tuid',
    createTime: '2026-01-01T00:00:00Z',
    scheduleTime: '2026-01-01T00:00:01Z',
    pipelineRoot: 'minio://b/v2',
    workspacePath: '/kfp-workspace',
  },
  localPath: (uri) => uri.replace(/^minio:\/\//, '/minio/').replace(/^s3:\/\//, '/s3/'),
};

describe('resolveString', () => {
  it.each([
    ["{{$.inputs.parameters['text']}}", 'hi there'],
    ["{{$.inputs.parameters['n']}}", '7'],
    ["{{$.inputs.parameters['lr']}}", '0.1'],
    ["{{$.inputs.parameters['big']}}", '1000000000000000000000'],
    ["{{$.inputs.parameters['flag']}}", 'true'],
    ["{{$.inputs.parameters['names']}}", '["a","b"]'],
    ["{{$.inputs.parameters['cfg']}}", '{"k":1}'],
    ['{{$.inputs.parameters["text"]}}', 'hi there'],
    ["prefix-{{$.inputs.parameters['text']}}-{{$.inputs.parameters['n']}}", 'prefix-hi there-7'],
    ["{{$.inputs.artifacts['dataset'].uri}}", 'minio://b/run/make/dataset'],
    ["{{$.inputs.artifacts['dataset'].path}}", '/minio/b/run/make/dataset'],
    ["{{$.inputs.artifacts['dataset'].metadata}}", '{"rows":9,"source":"x"}'],
    ["{{$.inputs.artifacts['dataset'].metadata['rows']}}", '9'],
    ["{{$.inputs.artifacts['dataset'].metadata['source']}}", 'x'],
    ["{{$.outputs.artifacts['model'].uri}}/0", 's3://b/run/train/model/0'],
    ["{{$.outputs.artifacts['model'].path}}", '/s3/b/run/train/model'],
    ["{{$.outputs.artifacts['model'].metadata}}", '{}'],
    ["{{$.outputs.parameters['output_path'].output_file}}", '/tmp/kfp/outputs/output_path'],
    ['{{$.outputs.output_file}}', '/minio/b/run/train/executor_output.json'],
    ['{{$.outputMetadataUri}}', '/minio/b/run/train/executor_output.json'],
    ['{{$.pipeline_job_name}}', 'my run'],
    ['{{$.pipeline_job_resource_name}}', 'run-1'],
    ['{{$.pipeline_job_uuid}}', 'uid-1'],
    ['{{$.pipeline_task_name}}', 'train'],
    ['{{$.pipeline_task_uuid}}', 'tuid'],
    ['{{$.pipeline_job_create_time_utc}}', '2026-01-01T00:00:00Z'],
    ['{{$.pipeline_job_schedule_time_utc}}', '2026-01-01T00:00:01Z'],
    ['{{$.pipeline_root}}/x', 'minio://b/v2/x'],
    ['{{$.workspace_path}}/data', '/kfp-workspace/data'],
    ['no placeholders', 'no placeholders'],
  ])('%s', (input, expected) => {
    expect(resolveString(input, ctx)).toBe(expected);
  });

  it('{{$}} is the ExecutorInput JSON', () => {
    expect(JSON.parse(resolveString('{{$}}', ctx))).toEqual(ei);
  });

  it('a list-of-artifacts placeholder is a JSON list with uris', () => {
    const list = JSON.parse(resolveString("{{$.inputs.artifacts['many']}}", ctx)) as { uri: string }[];
    expect(list.map((a) => a.uri)).toEqual(['minio://b/a0', 'minio://b/a1']);
  });

  it.each([
    ['{{$.json_escape[1]}}', /unknown placeholder \{\{\$\.json_escape\[1\]\}\}/],
    ['{{$.nope}}', /unknown placeholder \{\{\$\.nope\}\}/],
    ["{{$.inputs.parameters['missing']}}", /input parameter 'missing' has no value/],
    ["{{$.inputs.parameters['nothing']}}", /input parameter 'nothing' has no value/],
    ["{{$.inputs.artifacts['gone'].path}}", /input artifact 'gone' has no value/],
    ["{{$.inputs.artifacts['dataset'].metadata['nokey']}}", /no metadata key 'nokey'/],
  ])('strict mode rejects %s', (input, message) => {
    expect(() => resolveString(input, ctx)).toThrow(PlaceholderError);
    expect(() => resolveString(input, ctx)).toThrow(message);
  });

  it('lenient mode leaves unknown or unresolvable placeholders alone', () => {
    const s = "{{$.nope}} {{$.inputs.parameters['missing']}} {{$}} {{$.inputs.parameters['n']}}";
    expect(resolveString(s, ctx, false)).toBe("{{$.nope}} {{$.inputs.parameters['missing']}} {{$}} 7");
  });
});

describe('resolveCommand', () => {
  it('expands Concat and IfPresent (then/else, params and artifacts) into argv', () => {
    const items: CommandItem[] = [
      'echo',
      { concat: ['--text=', "{{$.inputs.parameters['text']}}", '/', "{{$.outputs.artifacts['model'].uri}}"] },
      { ifPresent: { input: 'text', then: ['--t', "{{$.inputs.parameters['text']}}"], else: ['--none'] } },
      { ifPresent: { input: 'missing', then: ['--m', "{{$.inputs.parameters['missing']}}"], else: [] } },
      { ifPresent: { input: 'nothing', then: ['x'], else: ['--no-nothing'] } },
      { ifPresent: { input: 'dataset', then: ["{{$.inputs.artifacts['dataset'].path}}"], else: [] } },
      { concat: ['a', { ifPresent: { input: 'missing', then: ['b'], else: ['c'] } }] },
    ];
    expect(resolveCommand(items, ctx)).toEqual([
      'echo',
      '--text=hi there/s3://b/run/train/model',
      '--t',
      'hi there',
      '--no-nothing',
      '/minio/b/run/make/dataset',
      'ac',
    ]);
  });

  it('keeps values with shell metacharacters as single argv items', () => {
    const c = { ...ctx, executorInput: { ...ei, inputs: { ...ei.inputs, parameterValues: { s: '$(rm -rf /); "x"' } } } };
    expect(resolveCommand(['echo', "{{$.inputs.parameters['s']}}"], c)).toEqual(['echo', '$(rm -rf /); "x"']);
  });
});

describe('listPlaceholders / checkPlaceholders', () => {
  const items: CommandItem[] = [
    "{{$.inputs.parameters['a']}}",
    { concat: ["{{$.outputs.artifacts['m'].path}}", '{{$.bogus}}'] },
    { ifPresent: { input: 'zz', then: ["{{$.inputs.artifacts['d'].uri}}"], else: ["{{$.outputs.parameters['p'].output_file}}"] } },
  ];
  it('lists every placeholder', () => {
    expect(listPlaceholders(items)).toEqual([
      "{{$.inputs.parameters['a']}}",
      "{{$.outputs.artifacts['m'].path}}",
      '{{$.bogus}}',
      "{{$.inputs.artifacts['d'].uri}}",
      "{{$.outputs.parameters['p'].output_file}}",
    ]);
  });
  it('names unknown placeholders and undeclared inputs/outputs', () => {
    const empty = { parameters: {}, artifacts: {} };
    const io = {
      inputs: { parameters: { a: { type: 'STRING' as const, optional: false } }, artifacts: {} },
      outputs: empty,
    };
    expect(checkPlaceholders(items, io)).toEqual([
      "placeholder {{$.outputs.artifacts['m'].path}} names output artifact 'm', which the component does not declare",
      'unknown placeholder {{$.bogus}}',
      "placeholder {{$.inputs.artifacts['d'].uri}} names input artifact 'd', which the component does not declare",
      "placeholder {{$.outputs.parameters['p'].output_file}} names output parameter 'p', which the component does not declare",
      "IfPresent names input 'zz', which the component does not declare",
    ]);
    expect(checkPlaceholders(items)).toEqual(['unknown placeholder {{$.bogus}}']);
  });
  it('parses the forms KFP emits', () => {
    expect(parsePlaceholder('')).toEqual({ kind: 'executorInput' });
    expect(parsePlaceholder(".inputs.artifacts['x'].metadata['k']")).toEqual({ kind: 'artifact', io: 'inputs', name: 'x', field: 'metadata', key: 'k' });
    expect(parsePlaceholder(".inputs.artifacts['x'].uri['k']")).toBeUndefined();
  });
});

describe('formatNumber', () => {
  it.each([
    [7, '7'],
    [-3, '-3'],
    [0.1, '0.1'],
    [1e-7, '0.0000001'],
    [1.5e-10, '0.00000000015'],
    [2e21, '2000000000000000000000'],
  ])('%p -> %s', (n, s) => {
    expect(formatNumber(n)).toBe(s);
  });
});
