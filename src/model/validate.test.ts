import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatDiagnostic } from './diagnostics.js';
import { parseNativeSpec } from './native.js';
import { findCycles, validateArguments, validatePipeline } from './validate.js';

const head = 'apiVersion: pipewright.dev/v1alpha1\nkind: PipelineSpec\nmetadata: {name: t}\nspec:\n';
const lines = (yaml: string): string[] => validatePipeline(parseNativeSpec(head + yaml, 'p.yaml'), 'p.yaml').map(formatDiagnostic);

describe('validatePipeline (native)', () => {
  it('accepts a good pipeline', () => {
    expect(lines(`  params: [{name: n, type: integer, default: 3}]
  tasks:
    - name: a
      image: alpine
      args: ["{{inputs.parameters.n}}", "{{outputs.parameters.out.path}}"]
      inputs: {parameters: [{name: n, from: params.n}]}
      outputs: {parameters: [{name: out, type: number}]}
    - name: b
      image: alpine
      inputs: {parameters: [{name: x, type: number, from: tasks.a.outputs.parameters.out}, {name: k, from: params.n}]}
      when: inputs.x > 2.0 && inputs.k == 3
`)).toEqual([]);
  });

  it('names a cycle in run order', () => {
    expect(lines(`  tasks:
    - {name: a, image: alpine, dependsOn: [b]}
    - {name: b, image: alpine, dependsOn: [a]}
`)).toEqual([expect.stringMatching(/^p\.yaml: spec\.tasks\[b\]\.dependsOn: tasks form a cycle: a -> b -> a \(fix: break the cycle/)]);
  });

  it('reports unknown tasks and outputs with suggestions', () => {
    expect(lines(`  tasks:
    - {name: train, image: alpine, outputs: {parameters: [{name: score}]}}
    - name: eval
      image: alpine
      dependsOn: [trian]
      inputs: {parameters: [{name: s, from: tasks.train.outputs.parameters.scroe}]}
`)).toEqual([
      "p.yaml: spec.tasks[eval].dependsOn[0]: task \"eval\" depends on unknown task \"trian\" (fix: did you mean 'train'?)",
      "p.yaml: spec.tasks[eval].inputs.parameters[s]: input \"s\" of task \"eval\" reads output parameter \"scroe\" of task \"train\", which has no such output (fix: did you mean 'score'?)",
    ]);
  });

  it('reports type mismatches, wrong constants, bad defaults and missing inputs', () => {
    const out = lines(`  params: [{name: n, type: integer, default: abc}]
  tasks:
    - name: a
      image: alpine
      outputs: {parameters: [{name: s, type: string}], artifacts: [{name: m, type: Model}]}
    - name: b
      image: alpine
      inputs:
        parameters: [{name: x, type: integer, from: tasks.a.outputs.parameters.s}, {name: y, type: number, value: "fast"}, {name: z, type: boolean}]
        artifacts: [{name: d, type: Dataset, from: tasks.a.outputs.artifacts.m}]
`);
    expect(out).toEqual([
      'p.yaml: spec.params[n].default: default of parameter "n" of the pipeline expects integer, got "abc" (fix: change the default to integer or change the parameter\'s type)',
      'p.yaml: spec.tasks[b].inputs.parameters[x]: input "x" of task "b" is integer but output "s" of task "a" is string (fix: make the types agree: declare "x" as string or make the source produce integer)',
      'p.yaml: spec.tasks[b].inputs.parameters[y]: input "y" of task "b" expects number, got "fast" (fix: pass number here, or change the input\'s type)',
      'p.yaml: spec.tasks[b].inputs.artifacts[d]: artifact "d" of task "b" expects system.Dataset but output artifact "m" of task "a" is system.Model (fix: make the artifact types agree (or declare the input as system.Artifact, which accepts any artifact))',
      'p.yaml: spec.tasks[b].inputs.parameters[z]: task "b" does not set required input "z" (boolean) (fix: give "z" a value or from (params.NAME or tasks.TASK.outputs.parameters.NAME), or a default)',
    ]);
  });

  it('accepts integer into number and any artifact into Artifact', () => {
    expect(lines(`  tasks:
    - {name: a, image: alpine, outputs: {parameters: [{name: i, type: integer}], artifacts: [{name: m, type: Model}]}}
    - name: b
      image: alpine
      inputs: {parameters: [{name: x, type: number, from: tasks.a.outputs.parameters.i}], artifacts: [{name: d, type: Artifact, from: tasks.a.outputs.artifacts.m}]}
`)).toEqual([]);
  });

  it('checks conditions: syntax, unknown inputs, types', () => {
    const t = (when: string): string[] => lines(`  tasks:
    - name: a
      image: alpine
      inputs: {parameters: [{name: n, value: 3}, {name: s, value: hi}]}
      when: '${when}'
`);
    expect(t('inputs.n >')).toEqual([expect.stringContaining('condition of task "a" `inputs.n >` does not parse: Unexpected token')]);
    expect(t('inputs.count > 2')).toEqual([expect.stringMatching(/when: condition of task "a" reads inputs.count, which the task does not have as an input parameter \(fix: use one of the known inputs: n, s/)]);
    expect(t('inputs.s > 2')).toEqual([expect.stringContaining('is ill-typed: no such overload: string > int')]);
    expect(t('inputs.n + 1')).toEqual([expect.stringContaining('is int, not a boolean')]);
  });

  it('reports unknown placeholders and undeclared names in them', () => {
    expect(lines(`  tasks:
    - name: a
      image: alpine
      args: ["{{input.parameters.x}}", "{{inputs.parameters.nme}}", "{{outputs.artifacts.model.path}}"]
      inputs: {parameters: [{name: name, value: x}]}
`)).toEqual([
      expect.stringMatching(/^p\.yaml: spec\.tasks\[a\]\.args\[0\]: unknown placeholder \{\{input\.parameters\.x\}\} \(fix: use one of \{\{inputs\.parameters\.NAME\}\}/),
      "p.yaml: spec.tasks[a].args[1]: placeholder {{inputs.parameters.nme}} names input parameter \"nme\", which is not declared (fix: did you mean 'name'? (or declare it in the task))",
      'p.yaml: spec.tasks[a].args[2]: placeholder {{outputs.artifacts.model.path}} names output artifact "model", which is not declared (fix: there are no output artifacts here; declare one or remove the reference (or declare it in the task))',
    ]);
  });

  it('reports loops over non-lists', () => {
    expect(lines(`  params: [{name: n, type: integer, default: 2}]
  tasks:
    - {name: a, image: alpine, loop: {from: params.n}}
`)).toEqual([expect.stringMatching(/spec\.tasks\[a\]\.loop: loop of task "a" iterates over pipeline parameter "n", which is integer, not a list/)]);
  });
});

describe('validateArguments', () => {
  const p = parseNativeSpec(`${head}  params:
    - {name: n, type: integer}
    - {name: lr, type: number, default: 0.1}
    - {name: on, type: boolean, default: false}
    - {name: xs, type: list, default: []}
    - {name: cfg, type: object, default: {}}
    - {name: mode, type: string, default: a, enum: [a, b]}
  tasks: [{name: a, image: alpine}]
`);
  it('coerces CLI strings per type', () => {
    expect(validateArguments(p, { n: '3', lr: '1e-3', on: 'True', xs: '[1, "a"]', cfg: '{"k": 1}', mode: 'b' })).toEqual({
      values: { n: 3, lr: 0.001, on: true, xs: [1, 'a'], cfg: { k: 1 }, mode: 'b' },
      diagnostics: [],
    });
  });
  it('rejects wrong types, unknown names (with a suggestion), literals, and missing required ones', () => {
    const r = validateArguments(p, { lr: 'fast', xs: '{}', mdoe: 'a', mode: 'c' });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      '--arg lr: argument "lr" expects number, got "fast" (fix: pass --arg lr=0.5)',
      "--arg xs: argument \"xs\" expects list, got \"{}\" (fix: pass --arg xs='[1, 2]')",
      "--arg mdoe: pipeline \"t\" has no parameter \"mdoe\" (fix: did you mean 'mode'?)",
      '--arg mode: argument "mode" must be one of "a", "b", got "c" (fix: pass --arg mode=a)',
      '--arg n: pipeline "t" needs parameter "n" (integer), which was not given (fix: pass --arg n=3)',
    ]);
  });
  it('rejects a double for an integer', () => {
    expect(validateArguments(p, { n: '2.5' }).diagnostics[0]!.message).toBe('argument "n" expects integer, got "2.5"');
  });
});

describe('findCycles (property)', () => {
  const graph = fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 })),
  );
  const hasCycle = (n: number, edges: [number, number][]): boolean => {
    // Kahn's algorithm: a graph is acyclic iff every node can be removed in topological order.
    const indeg = Array.from({ length: n }, () => 0);
    for (const [, b] of edges) indeg[b]!++;
    const queue = indeg.flatMap((d, i) => (d === 0 ? [i] : []));
    let removed = 0;
    while (queue.length) {
      const v = queue.pop()!;
      removed++;
      for (const [a, b] of edges) if (a === v && --indeg[b]! === 0) queue.push(b);
    }
    return removed < n;
  };
  it('finds a cycle exactly when there is one, and each reported cycle is a real closed path', () => {
    fc.assert(
      fc.property(graph, ([n, edges]) => {
        const nodes = Array.from({ length: n }, (_, i) => `t${i}`);
        const succ = (v: string): string[] => edges.filter(([a]) => `t${a}` === v).map(([, b]) => `t${b}`);
        const cycles = findCycles(nodes, succ);
        expect(cycles.length > 0).toBe(hasCycle(n, edges));
        for (const c of cycles) {
          expect(c[0]).toBe(c[c.length - 1]);
          for (let i = 0; i + 1 < c.length; i++) expect(succ(c[i]!)).toContain(c[i + 1]);
        }
      }),
    );
  });
});
