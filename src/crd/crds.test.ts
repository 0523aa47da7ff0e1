import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CRD_DIRS, pipelineRunCrd, renderCrds } from './crds.js';
import type { Schema } from './schema.js';

const repo = join(new URL('.', import.meta.url).pathname, '../..');

describe('generated CRD files', () => {
  it.each(CRD_DIRS.flatMap((dir) => Object.keys(renderCrds()).map((name) => [dir, name])))('%s/%s is up to date (npm run gen:crds)', (dir, name) => {
    expect(readFileSync(join(repo, dir, name), 'utf8')).toBe(renderCrds()[name]);
  });
});

/** The structural-schema rules the apiserver enforces on CRDs, checked before a cluster sees them. */
function structuralProblems(s: Schema, path: string): string[] {
  const out: string[] = [];
  if (!s.type && !s['x-kubernetes-preserve-unknown-fields']) out.push(`${path}: no type`);
  if (s.properties && s.additionalProperties) out.push(`${path}: properties and additionalProperties`);
  if ((s.properties || s.additionalProperties) && s.type !== 'object') out.push(`${path}: properties on a non-object`);
  if (s.type === 'array' && !s.items) out.push(`${path}: array without items`);
  for (const r of s['x-kubernetes-validations'] ?? []) if (!r.message) out.push(`${path}: rule without message`);
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...structuralProblems(v, `${path}.${k}`));
  if (s.additionalProperties) out.push(...structuralProblems(s.additionalProperties, `${path}[*]`));
  if (s.items) out.push(...structuralProblems(s.items, `${path}[]`));
  return out;
}

describe('PipelineRun CRD', () => {
  const crd = parse(renderCrds()['pipewright.dev_pipelineruns.yaml']!);
  const version = crd.spec.versions[0];

  it('is a structural schema', () => {
    expect(structuralProblems(version.schema.openAPIV3Schema, 'root')).toEqual([]);
  });

  it('has the printer columns kubectl shows', () => {
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Phase', 'Progress', 'Age', 'Duration', 'Message', 'Pipeline']);
    expect(crd.spec.names.shortNames).toEqual(['pwr', 'pwrun']);
    expect(version.subresources).toEqual({ status: {} });
  });

  it('guards every spec field but cancel and the lifecycle settings against updates', () => {
    const spec = version.schema.openAPIV3Schema.properties.spec as Schema;
    for (const [name, field] of Object.entries(spec.properties!)) {
      const guarded = (field['x-kubernetes-validations'] ?? []).some((r) => r.rule === 'self == oldSelf');
      expect([name, guarded]).toEqual([name, !['cancel', 'retry', 'ttlStrategy', 'podGC'].includes(name)]);
    }
  });

  it('is the object exported for the controller', () => {
    expect(crd).toEqual(JSON.parse(JSON.stringify(pipelineRunCrd)));
  });
});

describe('malformed-run fixtures', () => {
  const dir = join(repo, 'test/fixtures/malformed-runs');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it('has at least 8 cases, each naming the error it expects', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect([f, /^# expect: \S/.test(text)]).toEqual([f, true]);
      const docs = parseAllDocuments(text).map((d) => d.toJS());
      expect(docs.length).toBe(/^# on: update$/m.test(text) ? 2 : 1);
      for (const d of docs) expect(d.kind).toBe('PipelineRun');
    }
  });
});
