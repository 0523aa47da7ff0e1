import { describe, expect, it } from '@jest/globals';
import { PipelineError } from './diagnostics.js';
import { parseNativeSpec } from './native.js';
import { nativePath } from './native-refs.js';
import type { ContainerExecutor } from './types.js';

const HELLO = `
apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: hello}
spec:
  params:
    - {name: greeting, type: string, default: hello}
    - {name: xs, type: list, default: [1, 2]}
  tasks:
    - name: produce
      image: python:3.11
      command: [python3, -c, "print(1)"]
      args: ["{{inputs.parameters.greeting}}", "{{outputs.artifacts.data.path}}", "{{outputs.parameters.count.path}}", "{{params.xs}}"]
      inputs: {parameters: [{name: greeting, value: "{{params.greeting}}"}, {name: label, value: "say {{params.greeting}}"}]}
      outputs: {parameters: [{name: count, type: integer}], artifacts: [{name: data, type: Dataset}]}
      resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi, nvidia.com/gpu: 1}}
      env: [{name: A, value: b}]
      retries: 2
      timeout: 1m30s
    - name: consume
      image: alpine
      inputs:
        parameters: [{name: n, from: tasks.produce.outputs.parameters.count}]
        artifacts: [{name: data, from: tasks.produce.outputs.artifacts.data}]
      when: "inputs.n > 2"
    - name: fan
      image: alpine
      args: ["{{inputs.parameters.item}}", "{{inputs.parameters.n}}"]
      inputs: {parameters: [{name: n, from: tasks.produce.outputs.parameters.count}]}
      loop: {from: params.xs, as: item, type: integer, parallelism: 2}
`;

describe('parseNativeSpec', () => {
  const p = parseNativeSpec(HELLO, 'hello.yaml');
  const dag = p.root.implementation.kind === 'dag' ? p.root.implementation.dag : undefined;

  it('maps each task to its own component and executor', () => {
    expect(p.source).toBe('native');
    expect(Object.keys(dag!.tasks)).toEqual(['produce', 'consume', 'fan']);
    expect(p.components['comp-produce']!.implementation).toEqual({ kind: 'executor', executor: 'exec-produce' });
    expect(p.root.inputs.parameters.greeting).toEqual({ type: 'STRING', optional: true, default: 'hello' });
  });

  it('maps placeholders to KFP forms and declares hidden inputs for params used in args', () => {
    const ex = p.executors['exec-produce'] as ContainerExecutor;
    expect(ex.args).toEqual([
      "{{$.inputs.parameters['greeting']}}",
      "{{$.outputs.artifacts['data'].path}}",
      "{{$.outputs.parameters['count'].output_file}}",
      "{{$.inputs.parameters['pipelinechannel--xs']}}",
    ]);
    expect(p.components['comp-produce']!.inputs.parameters['pipelinechannel--xs']!.type).toBe('LIST');
    expect(ex.resources).toEqual({ cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '128Mi', accelerator: { type: 'nvidia.com/gpu', count: '1' } });
    const t = dag!.tasks.produce!;
    expect(t.inputs.parameters.greeting).toEqual({ kind: 'input', name: 'greeting' });
    expect(t.inputs.parameters.label).toEqual({ kind: 'constant', value: "say {{$.inputs.parameters['pipelinechannel--greeting']}}" });
    expect(t.inputs.parameters['pipelinechannel--greeting']).toEqual({ kind: 'input', name: 'greeting' });
    expect(t.retry).toEqual({ maxRetries: 2, backoffSeconds: 0, backoffFactor: 2, maxBackoffSeconds: 3600 });
    expect(t.timeoutSeconds).toBe(90);
  });

  it('infers types from producers and implies dependencies', () => {
    const t = dag!.tasks.consume!;
    expect(t.dependsOn).toEqual(['produce']);
    expect(p.components['comp-consume']!.inputs.parameters.n!.type).toBe('NUMBER_INTEGER');
    expect(p.components['comp-consume']!.inputs.artifacts.data!.type.schemaTitle).toBe('system.Dataset');
    expect(t.condition).toEqual({ expression: 'inputs.n > 2', dialect: 'native' });
  });

  it('wraps loops in a DAG task like KFP does', () => {
    const outer = dag!.tasks.fan!;
    expect(outer.component).toBe('comp-fan--loop');
    expect(outer.loop).toEqual({ itemInput: 'pipelinechannel--xs-loop-item', items: { kind: 'parameter', input: 'pipelinechannel--xs' }, parallelism: 2 });
    expect(outer.dependsOn).toEqual(['produce']);
    const wrapper = p.components['comp-fan--loop']!;
    const inner = wrapper.implementation.kind === 'dag' ? wrapper.implementation.dag.tasks.fan! : undefined;
    expect(inner!.inputs.parameters.item).toEqual({ kind: 'input', name: 'pipelinechannel--xs-loop-item' });
    expect(inner!.inputs.parameters.n).toEqual({ kind: 'input', name: 'pipelinechannel--produce-count' });
    expect(wrapper.inputs.parameters['pipelinechannel--produce-count']!.type).toBe('NUMBER_INTEGER');
  });

  it('reports structural problems with native paths and suggestions, all at once', () => {
    const bad = `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: x}
spec:
  tasks:
    - {name: a, image: alpine, dependOn: [b], timeout: soon}
    - {name: Bad_Name, image: alpine, inputs: {parameters: [{name: n, type: int}]}}
`;
    let err: unknown;
    try {
      parseNativeSpec(bad, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PipelineError);
    const lines = (err as PipelineError).diagnostics.map((d) => `${d.location.path}: ${d.message} (${d.fix})`);
    expect(lines).toEqual([
      expect.stringContaining('spec.tasks[Bad_Name].name: task name "Bad_Name" is not a DNS label'),
      expect.stringMatching(/spec\.tasks\[a\]\.dependOn: unknown field "dependOn" \(did you mean 'dependsOn'\?\)/),
      expect.stringContaining('spec.tasks[a].timeout must be a duration'),
      expect.stringMatching(/unknown parameter type "int" \(did you mean 'integer'\?/),
    ]);
  });
});

describe('nativePath', () => {
  it.each([
    ['root.dag.tasks.a.inputs.parameters.n', 'spec.tasks[a].inputs.parameters[n]'],
    ['root.dag.tasks.a.triggerPolicy.condition', 'spec.tasks[a].when'],
    ['root.dag.tasks.a.dependentTasks[0]', 'spec.tasks[a].dependsOn[0]'],
    ['components.comp-a--loop.dag.tasks.a.inputs.parameters.item', 'spec.tasks[a].inputs.parameters[item]'],
    ['deploymentSpec.executors.exec-a.container.args[2]', 'spec.tasks[a].args[2]'],
    ['components.comp-a.inputDefinitions.parameters.n.defaultValue', 'spec.tasks[a].inputs.parameters[n].default'],
    ['root.inputDefinitions.parameters.lr', 'spec.params[lr]'],
  ])('%s → %s', (ir, native) => expect(nativePath(ir)).toBe(native));
});
