// The generated CRDs on a real kube-apiserver: every malformed run in test/fixtures/malformed-runs is refused with
// its message; a valid run is accepted, can be cancelled, and takes status through the subresource.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNamespace, kubectl, kubectlOk } from './helpers.js';

// The cluster project's testTimeout does not reach hooks; a loaded API server (just restarted by another file)
// can take more than jest's 5 s default to create a namespace.
jest.setTimeout(120_000);

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const dir = join(repo, 'test/fixtures/malformed-runs');
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

let ns: Awaited<ReturnType<typeof createNamespace>>;

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repo, 'crds')]);
  await kubectlOk(['wait', '--for=condition=established', '--timeout=60s', 'crd/pipelineruns.pipewright.dev', 'crd/pipelines.pipewright.dev']);
  ns = await createNamespace('crd');
}, 120_000);

afterAll(async () => {
  await ns?.remove();
});

describe('malformed PipelineRuns', () => {
  it.each(cases)('%s is refused', async (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const expected = /^# expect: (.*)$/m.exec(text)![1]!;
    let result;
    if (/^# on: update$/m.test(text)) {
      const [first, second] = text.split(/^---$/m);
      await kubectlOk(['create', '-n', ns.name, '-f', '-'], first);
      result = await kubectl(['replace', '-n', ns.name, '-f', '-'], second);
    } else {
      result = await kubectl(['create', '-n', ns.name, '-f', '-'], text);
    }
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(expected);
  });
});

const validRun = (name: string): string => `
apiVersion: pipewright.dev/v1alpha1
kind: PipelineRun
metadata: {name: ${name}}
spec:
  pipelineRef: {name: hello}
  arguments: {count: 3, names: [a, b], cfg: {k: 1}}
  timeout: 1h30m
  parallelism: 4
  podDefaults:
    labels: {team: ml}
    tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
    imagePullSecrets: [{name: regcred}]
`;

describe('valid PipelineRuns', () => {
  it('are accepted with caching defaulted, can be cancelled, and take status', async () => {
    await kubectlOk(['create', '-n', ns.name, '-f', '-'], validRun('good'));
    const run = JSON.parse(await kubectlOk(['get', 'pwr', 'good', '-n', ns.name, '-o', 'json']));
    expect(run.spec.caching).toBe(true);
    expect(run.spec.arguments).toEqual({ count: 3, names: ['a', 'b'], cfg: { k: 1 } });
    await kubectlOk(['patch', 'pwr', 'good', '-n', ns.name, '--type', 'merge', '-p', '{"spec":{"cancel":true}}']);
    const status = {
      phase: 'Cancelled', progress: '1/3', message: 'cancelled by user', duration: '12s',
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Cancelled', message: 'cancelled', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      nodes: { 'for-loop-2[0]/train': { phase: 'Cancelled' } }, outputs: {},
    };
    await kubectlOk(['patch', 'pwr', 'good', '-n', ns.name, '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status })]);
    const table = await kubectlOk(['get', 'pwrun', '-n', ns.name, '-o', 'wide']);
    expect(table.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'PHASE', 'PROGRESS', 'AGE', 'DURATION', 'MESSAGE', 'PIPELINE']);
    expect(table).toMatch(/good\s+Cancelled\s+1\/3\s+\S+\s+12s\s+cancelled by user\s+hello/);
    const bad = await kubectl(['patch', 'pwr', 'good', '-n', ns.name, '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"phase":"Done"}}']);
    expect(bad.stderr).toContain('Unsupported value: "Done"');
  });

  it('Pipelines take exactly one of pipelineSpec / pipelineYAML', async () => {
    const pl = (spec: string): string => `apiVersion: pipewright.dev/v1alpha1\nkind: Pipeline\nmetadata: {name: p${Math.random().toString(36).slice(2, 8)}}\nspec: ${spec}\n`;
    await kubectlOk(['create', '-n', ns.name, '-f', '-'], pl('{pipelineYAML: "pipelineInfo: {name: hello}"}'));
    for (const spec of ['{description: x}', '{pipelineYAML: "a: 1", pipelineSpec: {a: 1}}']) {
      const r = await kubectl(['create', '-n', ns.name, '-f', '-'], pl(spec));
      expect(r.stderr).toContain('set exactly one of spec.pipelineSpec');
    }
  });
});
