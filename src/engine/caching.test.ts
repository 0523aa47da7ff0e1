// Caching in the engine: which launches carry a fingerprint, how the key is scoped, and Cached facts.
import { plan } from './plan.js';
import { cacheFingerprint } from './fingerprint.js';
import { containerComponent, input, pipelineOf, task } from './testing/builders.js';
import type { Component } from '../model/types.js';

const cached = { enabled: true };
const outComp = (name: string): Component => containerComponent(name, { parameters: { Output: { type: 'STRING', optional: false } }, artifacts: {} });
const inComp = (name: string): Component =>
  containerComponent(name, { parameters: {}, artifacts: {} }, { parameters: { x: { type: 'STRING', optional: false } }, artifacts: {} });

const p = pipelineOf(
  [
    task('a', 'a', { caching: cached }),
    task('b', 'b', { caching: cached, inputs: { parameters: { x: { kind: 'task', task: 'a', output: 'Output' } }, artifacts: {} } }),
    task('off', 'off', { caching: { enabled: false } }),
  ],
  { a: outComp('a'), b: inComp('b') },
);

describe('plan: caching', () => {
  it('gives a fingerprint to tasks with caching on, none to set_caching_options(False) tasks', () => {
    const r = plan(input(p));
    const byId = Object.fromEntries(r.launch.map((l) => [l.nodeId, l]));
    expect(byId.a?.cacheFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(byId.off?.cacheFingerprint).toBeUndefined();
  });

  it('gives none at all when the run-level switch is off', () => {
    const r = plan(input(p, {}, { enableCaching: false }));
    expect(r.launch.map((l) => l.cacheFingerprint)).toEqual([undefined, undefined]);
  });

  it('treats a Cached fact like success: outputs flow on, the node shows Cached, the run succeeds', () => {
    const hit = { attempt: 1, phase: 'Cached' as const, outputs: { parameters: { Output: 'v' }, artifacts: {} } };
    const r = plan(input(p, { a: hit }));
    expect(r.nodes.a?.phase).toBe('Cached');
    const b = r.launch.find((l) => l.nodeId === 'b');
    expect(b?.inputs.parameters).toEqual({ x: 'v' });
    const end = plan(input(p, { a: hit, b: { ...hit, outputs: { parameters: {}, artifacts: {} } }, off: { attempt: 1, phase: 'Succeeded' } }));
    expect(end.phase).toBe('Succeeded');
  });

  it('changes the fingerprint with the inputs, the pipeline name and the namespace, not with the run', () => {
    const comp = inComp('b');
    const t = task('b', 'b', { caching: cached });
    const base = cacheFingerprint(p, comp, t, { parameters: { x: '1' }, artifacts: {} }, 'ns');
    expect(cacheFingerprint(p, comp, t, { parameters: { x: '1' }, artifacts: {} }, 'ns')).toBe(base);
    expect(cacheFingerprint(p, comp, t, { parameters: { x: '2' }, artifacts: {} }, 'ns')).not.toBe(base);
    expect(cacheFingerprint({ ...p, name: 'other' }, comp, t, { parameters: { x: '1' }, artifacts: {} }, 'ns')).not.toBe(base);
    expect(cacheFingerprint(p, comp, t, { parameters: { x: '1' }, artifacts: {} }, 'other-ns')).not.toBe(base);
    const keyed = task('b', 'b', { caching: { enabled: true, key: 'k' } });
    const k = cacheFingerprint(p, comp, keyed, { parameters: { x: '1' }, artifacts: {} }, 'ns');
    expect(cacheFingerprint(p, comp, keyed, { parameters: { x: '2' }, artifacts: {} }, 'ns')).toBe(k);
    expect(cacheFingerprint({ ...p, name: 'other' }, comp, keyed, { parameters: { x: '1' }, artifacts: {} }, 'ns')).not.toBe(k);
  });

  it('keys an input artifact by its URI', () => {
    const comp = inComp('b');
    const t = task('b', 'b', { caching: cached });
    const art = (uri: string) => ({ parameters: {}, artifacts: { d: [{ name: 'd', uri, type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: {} }] } });
    expect(cacheFingerprint(p, comp, t, art('/a/1'))).not.toBe(cacheFingerprint(p, comp, t, art('/a/2')));
  });
});
