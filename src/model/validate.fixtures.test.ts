// Real compiled pipelines must validate cleanly: no false alarms on what the kfp SDK writes.
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from './diagnostics.js';
import { parseKfpIr } from './kfp-ir.js';
import { parseNativeSpec } from './native.js';
import { validatePipeline } from './validate.js';

const dir = path.resolve('test/fixtures/ir');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f)) : [];
const example = path.resolve('examples/training/pipeline.yaml');
if (fs.existsSync(example)) files.push(example);

describe('validatePipeline on compiled fixtures', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThan(0));
  it.each(files.map((f) => [path.relative(process.cwd(), f)]))('%s validates cleanly', (f) => {
    const p = parseKfpIr(fs.readFileSync(f, 'utf8'), f);
    expect(validatePipeline(p, f).map(formatDiagnostic)).toEqual([]);
  });
});

describe('validatePipeline on native examples', () => {
  const native = path.resolve('examples/native');
  const examples = fs.existsSync(native) ? fs.readdirSync(native).filter((f) => f.endsWith('.yaml')).map((f) => path.join(native, f)) : [];
  it.each(examples.map((f) => [path.relative(process.cwd(), f)]))('%s validates cleanly', (f) => {
    const p = parseNativeSpec(fs.readFileSync(f, 'utf8'), f);
    expect(validatePipeline(p, f).map(formatDiagnostic)).toEqual([]);
  });
});

describe('docs/native-spec.md', () => {
  it('its full example parses and validates cleanly', () => {
    const doc = fs.readFileSync(path.resolve('docs/native-spec.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const p = parseNativeSpec(yaml, 'docs/native-spec.md');
    expect(validatePipeline(p).map(formatDiagnostic)).toEqual([]);
    expect(Object.keys(p.executors)).toEqual(['exec-produce', 'exec-consume', 'exec-shard', 'exec-fetch']);
  });
});
