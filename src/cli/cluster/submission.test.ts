import { describe, expect, it } from '@jest/globals';
import { PipelineError } from '../../model/diagnostics.js';
import { parsePipelineText } from '../../model/parse-text.js';
import type { PipelineRunObject } from '../../controller/types.js';
import { exportPipeline, exportRun } from '../commands/export.js';
import { parsePhases } from '../commands/list.js';
import { podNodes } from '../commands/logs.js';
import { exitCodeOf } from '../commands/watch.js';
import { buildRun, isRunManifest, namePrefix } from './submission.js';

const TEXT = `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: Hello_World}
spec:
  params:
    - {name: n, type: integer}
    - {name: greeting, type: string, default: hi}
  tasks:
    - {name: say, image: alpine, command: [echo, "{{inputs.parameters.g}}"], inputs: {parameters: [{name: g, from: params.greeting}]}}
`;
const pipeline = parsePipelineText(TEXT, 'p.yaml');

describe('the run submit creates', () => {
  it('from a file: the YAML verbatim, arguments typed, a generated name from the pipeline', () => {
    const r = buildRun({ kind: 'text', text: TEXT, pipeline }, { n: '3' }, {});
    expect(r).toEqual({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { generateName: 'hello-world-' }, spec: { pipelineYAML: TEXT, arguments: { n: 3 } } });
    expect(buildRun({ kind: 'text', text: TEXT, pipeline }, { n: '1' }, { name: 'mine' }, { team: 'a' }).metadata).toEqual({ name: 'mine', labels: { team: 'a' } });
  });

  it('refuses arguments the pipeline does not take or cannot type, and missing ones, before any call', () => {
    const problems = (args: Record<string, string>): string[] => {
      try {
        buildRun({ kind: 'text', text: TEXT, pipeline }, args, {});
        return [];
      } catch (e) {
        return (e as PipelineError).diagnostics.map((d) => d.code);
      }
    };
    expect(problems({ n: 'three' })).toEqual(['INVALID_ARGUMENT']);
    expect(problems({ n: '1', nn: '2' })).toEqual(['UNKNOWN_ARGUMENT']);
    expect(problems({})).toEqual(['MISSING_ARGUMENT']);
    expect(() => buildRun({ kind: 'text', text: TEXT, pipeline }, { n: '1' }, { name: 'a', generateName: 'b-' })).toThrow(/exclude each other/);
  });

  it('from a Pipeline name: a pipelineRef', () => {
    expect(buildRun({ kind: 'pipeline', name: 'shared', pipeline }, { n: '2' }, { generateName: 'x-' }).spec).toEqual({ pipelineRef: { name: 'shared' }, arguments: { n: 2 } });
  });

  it('from an exported run: the same run again (own name, arguments kept unless overridden, never cancelled)', () => {
    const manifest: PipelineRunObject = { kind: 'PipelineRun', metadata: { name: 'old', labels: { a: 'b' } }, spec: { pipelineYAML: TEXT, arguments: { n: 1, greeting: 'yo' }, cancel: true } };
    expect(isRunManifest(manifest)).toBe(true);
    const r = buildRun({ kind: 'run', manifest, pipeline }, { n: '5' }, {});
    expect(r.metadata).toEqual({ name: 'old', labels: { a: 'b' } });
    expect(r.spec).toEqual({ pipelineYAML: TEXT, arguments: { n: 5, greeting: 'yo' } });
    expect(buildRun({ kind: 'run', manifest, pipeline }, {}, { generateName: 'again-' }).metadata!.generateName).toBe('again-');
  });

  it('name prefixes are DNS names', () => {
    expect(namePrefix('My Pipeline: v2!')).toBe('my-pipeline-v2-');
    expect(namePrefix('___')).toBe('run-');
    expect(namePrefix('x'.repeat(80))).toHaveLength(51);
  });
});

describe('export', () => {
  const live: PipelineRunObject = {
    apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun',
    metadata: { name: 'r', namespace: 'team', uid: 'u', resourceVersion: '9', generation: 2, creationTimestamp: new Date(), managedFields: [{}], labels: { x: 'y' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'kept' } },
    spec: { pipelineRef: { name: 'p' }, arguments: { n: 1 }, cancel: true },
    status: { phase: 'Cancelled' },
  };

  it('drops what the cluster assigned and spec.cancel; keeps the status unless asked not to', () => {
    expect(exportRun(live, true)).toEqual({
      apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'r', labels: { x: 'y' }, annotations: { note: 'kept' } },
      spec: { pipelineRef: { name: 'p' }, arguments: { n: 1 } }, status: { phase: 'Cancelled' },
    });
    expect(exportRun(live, false)).not.toHaveProperty('status');
    expect(exportPipeline({ metadata: { name: 'p', uid: 'u' }, spec: { pipelineYAML: 'x' } })).toEqual({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'p' }, spec: { pipelineYAML: 'x' } });
  });

  it('an exported run submits as the same run', () => {
    const again = buildRun({ kind: 'run', manifest: exportRun(live, true) }, {}, {});
    expect(again.spec).toEqual({ pipelineRef: { name: 'p' }, arguments: { n: 1 } });
    expect(again.metadata!.name).toBe('r');
  });
});

describe('small command helpers', () => {
  it('--phase takes any case, commas or repeats, and refuses unknown phases', () => {
    expect([...parsePhases(['running,FAILED', 'succeeded'])!]).toEqual(['Running', 'Failed', 'Succeeded']);
    expect(parsePhases([])).toBeUndefined();
    expect(() => parsePhases(['done'])).toThrow(/not a run phase; use one of Pending, Running/);
  });

  it('logs picks task pods by task name, node id, or an enclosing loop id, oldest first', () => {
    const run: PipelineRunObject = { status: { nodes: {
      loop: { task: 'loop', kind: 'loop', phase: 'Running' },
      'loop/1/work': { task: 'work', kind: 'container', phase: 'Running', pod: 'p1', startedAt: '2026-01-01T00:00:02Z' },
      'loop/0/work': { task: 'work', kind: 'container', phase: 'Succeeded', pod: 'p0', startedAt: '2026-01-01T00:00:01Z' },
      first: { task: 'first', kind: 'container', phase: 'Succeeded', pod: 'pf', startedAt: '2026-01-01T00:00:00Z' },
    } } };
    expect(podNodes(run).map(([id]) => id)).toEqual(['first', 'loop/0/work', 'loop/1/work']);
    expect(podNodes(run, 'work').map(([id]) => id)).toEqual(['loop/0/work', 'loop/1/work']);
    expect(podNodes(run, 'loop').map(([id]) => id)).toEqual(['loop/0/work', 'loop/1/work']);
    expect(podNodes(run, 'loop/1/work').map(([id]) => id)).toEqual(['loop/1/work']);
  });

  it('watch exits by the final phase', () => {
    expect(['Succeeded', 'Failed', 'Error', 'Cancelled'].map((phase) => exitCodeOf({ status: { phase: phase as never } }))).toEqual([0, 1, 1, 3]);
  });
});
