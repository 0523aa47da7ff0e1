// The IR front end against pipelines compiled by the real kfp SDK (test/fixtures/ir, examples/training).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseKfpIr } from '../../src/model/kfp-ir.js';
import { PipelineError } from '../../src/model/diagnostics.js';
import { plan } from '../../src/engine/plan.js';
import { RUN } from '../../src/engine/testing/builders.js';

const dir = 'test/fixtures/ir';
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('parseKfpIr on SDK-compiled pipelines', () => {
  it.each(fixtures)('%s parses, and the engine can plan its first step', (f) => {
    const p = parseKfpIr(readFileSync(join(dir, f), 'utf8'), f);
    expect(p.source).toBe('kfp-ir');
    expect(Object.keys(p.root.implementation.kind === 'dag' ? p.root.implementation.dag.tasks : {}).length).toBeGreaterThan(0);
    const r = plan({ pipeline: p, arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' });
    expect(['Running', 'Succeeded', 'Failed']).toContain(r.phase);
  });

  it('reads the training example: typed default, condition, resources of nothing, metrics outputs', () => {
    const p = parseKfpIr(readFileSync('examples/training/pipeline.yaml', 'utf8'));
    expect(p.root.inputs.parameters.min_accuracy).toMatchObject({ type: 'NUMBER_DOUBLE', default: 0.85 });
    const dag = p.root.implementation.kind === 'dag' ? p.root.implementation.dag : undefined;
    const cond = Object.values(dag!.tasks).find((t) => t.condition);
    expect(cond?.condition?.expression).toContain("== 'yes'");
    const evaluate = Object.values(p.components).find((c) => c.name.includes('evaluate'));
    expect(evaluate?.outputs.artifacts.metrics?.type.schemaTitle).toBe('system.Metrics');
  });

  it('loads a hand-indented file that KFP accepts though YAML 1.2 does not (quoted string continued at its dash)', () => {
    const compiled = readFileSync('test/fixtures/ir/compat/create_pvc.yaml', 'utf8');
    // Continuation lines of the double-quoted install script moved two columns left, onto the column of their `- `.
    const hand = compiled.replace(/(\\\n) {2}(\s+\\ )/g, '$1$2');
    expect(hand).not.toBe(compiled);
    expect(parseAllDocuments(hand).some((d) => d.errors.length > 0)).toBe(true);
    expect(parseKfpIr(hand, 'hand.yaml')).toEqual(parseKfpIr(compiled, 'hand.yaml'));
  });

  it('rejects an unknown schemaVersion and YAML syntax errors with a location', () => {
    const text = readFileSync('examples/training/pipeline.yaml', 'utf8').replace(/schemaVersion: 2\.1\.0/, 'schemaVersion: 9.9.9');
    expect(() => parseKfpIr(text, 'x.yaml')).toThrow(/x\.yaml: schemaVersion: unknown schemaVersion "9\.9\.9"/);
    try {
      parseKfpIr('a: [1,\nb: 2', 'bad.yaml');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineError);
      expect((e as PipelineError).diagnostics[0]?.message).toMatch(/invalid YAML/);
      expect((e as Error).message).toMatch(/^bad\.yaml: line \d+, column \d+/);
    }
  });
});
