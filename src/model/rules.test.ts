// Rules that several modules act on, each with one definition: pipeline format detection, a task's upstream,
// metadata-only artifact types and the phase sets.
import { ACTIVE_NODE_PHASES, isFinishedAttempt, isRunTerminal, isTerminal, RUN_PHASES, TERMINAL_NODE_PHASES, TERMINAL_RUN_PHASES, type NodePhase } from '../engine/state.js';
import { task } from '../engine/testing/builders.js';
import { isMetadataOnly } from './artifact-types.js';
import { notAPipeline, pipelineFormat } from './pipeline-format.js';
import { upstreamOf } from './upstream.js';

describe('pipeline format: one rule for the CLI, the controller and the API server', () => {
  it('tells native, KFP IR and neither apart', () => {
    expect(pipelineFormat({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec' })).toBe('native');
    expect(pipelineFormat({ pipelineInfo: { name: 'p' }, root: { dag: {} } })).toBe('kfp-ir');
    expect(pipelineFormat({ deploymentSpec: {}, root: {} })).toBe('kfp-ir');
    expect(pipelineFormat({ pipelineInfo: { name: 'p' } })).toBe('unknown');
    expect(pipelineFormat({ tasks: [] })).toBe('unknown');
    expect(pipelineFormat('text')).toBe('unknown');
    expect(pipelineFormat(undefined)).toBe('unknown');
  });

  it('says what a document of neither format looks like', () => {
    const msg = (doc: unknown): string => notAPipeline(doc, 'f.yaml').diagnostics[0]!.message;
    expect(msg(undefined)).toBe('this is not a pipeline: the file is empty');
    expect(msg({ pipelineInfo: {}, components: {} })).toMatch(/looks like KFP IR without its root DAG/);
    expect(msg({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow' })).toMatch(/Argo Workflow \(KFP v1 output\)/);
    expect(notAPipeline({ a: 1 }, 'f.yaml').diagnostics[0]).toMatchObject({ code: 'NOT_A_PIPELINE', location: { file: 'f.yaml' } });
  });
});

describe('a task upstream', () => {
  it('is its dependencies and every task it takes a value from, once each, dependencies first', () => {
    const t = task('c', 'c', {
      dependsOn: ['a'],
      inputs: {
        parameters: { x: { kind: 'task', task: 'b', output: 'o' }, y: { kind: 'finalStatus', task: 'z' }, k: { kind: 'constant', value: 1 } },
        artifacts: { d: { kind: 'task', task: 'a', output: 'ds' }, e: { kind: 'task', task: 'b', output: 'm' } },
      },
    });
    expect(upstreamOf(t)).toEqual(['a', 'b', 'z']);
    expect(upstreamOf(task('solo', 'solo'))).toEqual([]);
  });
});

describe('metadata-only artifact types', () => {
  it('are the metrics types, which carry no file', () => {
    expect(isMetadataOnly('system.Metrics')).toBe(true);
    expect(isMetadataOnly('system.ClassificationMetrics')).toBe(true);
    expect(isMetadataOnly('system.SlicedClassificationMetrics')).toBe(true);
    expect(isMetadataOnly('system.Dataset')).toBe(false);
    expect(isMetadataOnly('system.HTML')).toBe(false);
  });
});

describe('phase sets', () => {
  const NODE: NodePhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Skipped', 'Cached', 'Cancelled'];
  it('split every node phase into active or terminal, never both', () => {
    for (const p of NODE) expect(ACTIVE_NODE_PHASES.has(p) !== TERMINAL_NODE_PHASES.has(p)).toBe(true);
    expect(NODE.filter(isTerminal)).toEqual(['Succeeded', 'Failed', 'Error', 'Skipped', 'Cached', 'Cancelled']);
    expect(NODE.filter(isFinishedAttempt)).toEqual(['Succeeded', 'Failed', 'Error', 'Cached', 'Cancelled']);
  });
  it('end a run in Succeeded, Failed, Error or Cancelled; a run without a phase is not finished', () => {
    expect(RUN_PHASES.filter(isRunTerminal)).toEqual(['Succeeded', 'Failed', 'Error', 'Cancelled']);
    expect([...TERMINAL_RUN_PHASES].every((p) => RUN_PHASES.includes(p))).toBe(true);
    expect(isRunTerminal(undefined)).toBe(false);
  });
});
