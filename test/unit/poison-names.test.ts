// Names that are also Object.prototype members (constructor, toString, hasOwnProperty, valueOf, __proto__) in every
// place a pipeline names something: parse → validate → plan either runs the pipeline to its end with the right
// values, or stops at validation with a message naming the field. Never an internal error, never a vanished task.
import { describe, expect, it } from '@jest/globals';
import { plan } from '../../src/engine/plan.js';
import type { ExecutionFact, NodeOutputs, RunContext } from '../../src/engine/state.js';
import { PipelineError } from '../../src/model/diagnostics.js';
import { parsePipelineText } from '../../src/model/parse-text.js';
import { validateArguments } from '../../src/model/validate.js';

const NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];
const RUN: RunContext = { name: 'r', displayName: 'r', uid: 'u', namespace: 'ns', pipelineRoot: 'minio://b/root', createTime: '2026-01-01T00:00:00Z' };
const dns = (n: string): boolean => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n);

/** KFP IR using `n` as component, executor, root parameter, component input and output (parameter and artifact), and task where `task`. */
function ir(n: string, task: string): string {
  return `pipelineInfo: {name: p}
schemaVersion: 2.1.0
deploymentSpec:
  executors:
    ${n}: {container: {image: alpine, command: [echo]}}
components:
  ${n}:
    executorLabel: ${n}
    inputDefinitions: {parameters: {${n}: {parameterType: STRING}}}
    outputDefinitions:
      parameters: {${n}: {parameterType: STRING}}
      artifacts: {${n}: {artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}}}
root:
  inputDefinitions: {parameters: {${n}: {parameterType: STRING, defaultValue: dflt}}}
  dag:
    tasks:
      ${task}:
        taskInfo: {name: ${task}}
        componentRef: {name: ${n}}
        inputs: {parameters: {${n}: {componentInputParameter: ${n}}}}
      b:
        taskInfo: {name: b}
        componentRef: {name: ${n}}
        dependentTasks: [${task}]
        inputs: {parameters: {${n}: {taskOutputParameter: {producerTask: ${task}, outputParameterKey: ${n}}}}}
`;
}

function native(n: string, task: string): string {
  return `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: p}
spec:
  params: [{name: ${n}, type: string, default: dflt}]
  tasks:
    - {name: ${task}, image: alpine, command: [echo, "{{params.${n}}}"], outputs: {parameters: [{name: ${n}, type: string}]}}
    - {name: b, image: alpine, command: [echo, "{{tasks.${task}.outputs.parameters.${n}}}"]}
`;
}

/** Runs the plan to its end, each launch succeeding with outputs named as declared; the inputs each task got. */
function runToEnd(text: string, args: Record<string, string>): { phase: string; inputs: Record<string, Record<string, unknown>> } {
  const pipeline = parsePipelineText(text, 'p.yaml');
  const a = validateArguments(pipeline, args);
  expect(a.diagnostics).toEqual([]);
  const facts: Record<string, ExecutionFact> = {};
  const inputs: Record<string, Record<string, unknown>> = {};
  for (let round = 0; round < 10; round++) {
    const r = plan({ pipeline, arguments: a.values, facts, run: RUN, now: `2026-01-01T00:00:0${round}Z` });
    if (r.phase !== 'Running' && r.phase !== 'Pending') return { phase: r.phase, inputs };
    for (const l of r.launch) {
      inputs[l.nodeId] = { ...l.inputs.parameters };
      const outputs: NodeOutputs = { parameters: {}, artifacts: {} };
      for (const k of Object.keys(l.outputs.parameters)) outputs.parameters[k] = `out-of-${l.nodeId}`;
      for (const [k, s] of Object.entries(l.outputs.artifacts)) outputs.artifacts[k] = [{ name: k, uri: s.uri, type: s.type, metadata: {} }];
      facts[l.nodeId] = { attempt: l.attempt, phase: 'Succeeded', outputs, finishedAt: '2026-01-01T00:00:00Z' };
    }
  }
  throw new Error('the run did not end in 10 rounds');
}

describe.each(NAMES)('the name %s', (n) => {
  const task = dns(n) ? n : 'a';
  it.each([['KFP IR', ir], ['native', native]])('in %s: runs with the right values, or is refused with the field named', (_kind, make) => {
    const text = make(n, task);
    let result: ReturnType<typeof runToEnd>;
    try {
      result = runToEnd(text, {});
    } catch (err) {
      // Only __proto__ may be refused, and only by validation naming it.
      expect(n).toBe('__proto__');
      expect(err).toBeInstanceOf(PipelineError);
      const messages = (err as PipelineError).diagnostics.map((d) => `${d.code} ${d.message}`);
      expect(messages.some((m) => m.includes('INTERNAL'))).toBe(false);
      expect(messages.join('\n')).toContain(`"${n}"`);
      return;
    }
    expect(result.phase).toBe('Succeeded');
    const ids = Object.keys(result.inputs).sort();
    expect(ids).toEqual([task, 'b'].sort());
    if (make === ir) {
      expect(result.inputs[task]).toEqual({ [n]: 'dflt' });
      expect(result.inputs.b).toEqual({ [n]: `out-of-${task}` });
    }
    // An argument of that name reaches the first task.
    if (make === ir) expect(runToEnd(text, { [n]: 'given' }).inputs[task]).toEqual({ [n]: 'given' });
  });

  it('as an unknown argument is refused by name', () => {
    const a = validateArguments(parsePipelineText(native('ok', 'a'), 'p.yaml'), { [n]: 'x' });
    expect(a.diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_ARGUMENT']);
  });

  it('as a task another depends on, but which does not exist, is refused by name', () => {
    const text = native('ok', 'a').replace('command: [echo, "{{tasks.a', `dependsOn: [${JSON.stringify(n)}], command: [echo, "{{tasks.a`);
    expect(() => parsePipelineText(text, 'p.yaml')).toThrow(new RegExp(n.replace(/_/g, '_')));
  });
});
