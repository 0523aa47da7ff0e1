// test/pipelines/expectations.json stays consistent with the pipelines and their compiled IR,
// and checkRun reports what differs.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkRun, irFixture, loadCases, repoRoot, type PipelineCase, type RunOutput } from '../pipelines/expectations.js';

const cases = await loadCases();

interface IrDag {
  tasks?: Record<string, { componentRef: { name: string } }>;
}
interface Ir {
  root: { dag: IrDag; inputDefinitions?: { parameters?: Record<string, unknown> } };
  components: Record<string, { dag?: IrDag; executorLabel?: string }>;
}

/** Every executable task key of the pipeline, through all sub-DAGs. */
function executableTasks(ir: Ir): Set<string> {
  const out = new Set<string>();
  const walk = (dag: IrDag) => {
    for (const [key, t] of Object.entries(dag.tasks ?? {})) {
      const comp = ir.components[t.componentRef.name]!;
      if (comp.dag) walk(comp.dag);
      else out.add(key);
    }
  };
  walk(ir.root.dag);
  return out;
}

describe('expectations.json', () => {
  test('has at least 10 pipelines and unique case names', () => {
    expect(new Set(cases.map((c) => c.file)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s refers to real files, tasks and parameters', (_n, c: PipelineCase) => {
    expect(existsSync(path.join(repoRoot, c.file))).toBe(true);
    const ir = parseAllDocuments(readFileSync(path.join(repoRoot, irFixture(c)), 'utf8'))[0]!.toJS() as Ir;
    const tasks = executableTasks(ir);
    for (const t of Object.keys(c.tasks)) expect([t, tasks.has(t)]).toEqual([t, true]);
    const params = Object.keys(ir.root.inputDefinitions?.parameters ?? {});
    for (const a of Object.keys(c.args ?? {})) expect([a, params.includes(a)]).toEqual([a, true]);
  });
});

describe('checkRun', () => {
  const c: PipelineCase = {
    name: 'x/defaults',
    file: 'test/pipelines/x.py',
    phase: 'Failed',
    tasks: {
      a: { state: 'Succeeded', parameters: { Output: 1.25, l: [1, 'b'] }, artifacts: { d: { metadata: { rows: 3 }, contents: 'hi' } } },
      b: { state: 'Failed', exitCode: 3 },
      c: { state: 'Skipped', reason: 'UpstreamFailed' },
      sq: { state: 'Succeeded', iterations: [{ state: 'Succeeded', parameters: { Output: 1 } }, { state: 'Succeeded', parameters: { Output: 4 } }] },
    },
  };
  const good: RunOutput = {
    phase: 'Failed',
    tasks: {
      a: { state: 'Succeeded', outputs: { parameters: { Output: 1.25, l: [1, 'b'], extra: 0 }, artifacts: { d: [{ uri: 'mem://d', metadata: { rows: 3, more: true } }] } } },
      b: { state: 'Failed', message: 'exit code 3: boom' },
      c: { state: 'Skipped', reason: 'UpstreamFailed' },
      'for-loop-2[1]/sq': { state: 'Succeeded', outputs: { parameters: { Output: 4 } } },
      'for-loop-2[0]/sq': { state: 'Succeeded', outputs: { parameters: { Output: 1 } } },
    },
  };
  const read = async (uri: string) => (uri === 'mem://d' ? 'hi' : undefined);

  test('a matching run has no problems', async () => {
    expect(await checkRun(c, good, read)).toEqual([]);
  });

  test('mismatches are named', async () => {
    const bad: RunOutput = JSON.parse(JSON.stringify(good)) as RunOutput;
    bad.phase = 'Succeeded';
    bad.tasks.a!.outputs!.parameters!.l = [1, 'c'];
    bad.tasks.a!.outputs!.artifacts!.d![0]!.metadata = { rows: 4 };
    bad.tasks.b!.message = 'exit code 4';
    delete bad.tasks.c;
    delete bad.tasks['for-loop-2[1]/sq'];
    const problems = await checkRun(c, bad, async () => 'other');
    expect(problems).toEqual([
      'run phase: want Failed, got Succeeded',
      'a: output parameter l: want [1,"b"], got [1,"c"]',
      'a: artifact d metadata: want (subset) {"rows":3}, got {"rows":4}',
      'a: artifact d contents at mem://d: want "hi", got "other"',
      'b: exit code: want 3, got exitCode=undefined message="exit code 4"',
      'c: missing from the run\'s tasks (have: a, b, sq)',
      'sq: want 2 iterations, got 1 (for-loop-2[0]/sq)',
    ]);
  });
});
