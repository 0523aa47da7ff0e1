import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { PodIndex, runOwnerOf } from './pod-index.js';
import { LABEL_RUN_UID, runLabels, runOwnerReference } from './names.js';

const pod = (ns: string, name: string, run: string, uid: string, rv = '1'): V1Pod => ({
  metadata: { namespace: ns, name, resourceVersion: rv, labels: runLabels(run, uid), ownerReferences: [runOwnerReference(run, uid)] },
});
const names = (ps: V1Pod[]): string[] => ps.map((p) => p.metadata!.name!).sort();

describe('runOwnerOf', () => {
  it('is the controlling PipelineRun owner, not the run-uid label', () => {
    expect(runOwnerOf(pod('a', 'p', 'r', 'u1'))).toEqual({ name: 'r', uid: 'u1' });
    expect(runOwnerOf({ metadata: { labels: { [LABEL_RUN_UID]: 'u1' } } })).toBeUndefined();
    expect(runOwnerOf({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'PipelineRun', name: 'r', uid: 'u1', controller: true }] } })).toBeUndefined();
    expect(runOwnerOf({ metadata: { ownerReferences: [{ ...runOwnerReference('r', 'u1'), controller: false }] } })).toBeUndefined();
  });
});

describe('PodIndex', () => {
  it('matches pods by namespace and owner uid: a forged label or a pod in another namespace does not count', () => {
    const ix = new PodIndex();
    ix.upsert(pod('a', 'real', 'r', 'u1'));
    // Another tenant copies the run's labels and even its owner reference, in namespace c.
    ix.upsert(pod('c', 'forged', 'r', 'u1'));
    // Same namespace, the run-uid label only (owned by nothing).
    ix.upsert({ metadata: { namespace: 'a', name: 'label-only', labels: runLabels('r', 'u1') } });
    // Same namespace, label says u1 but the owner is another run.
    ix.upsert({ metadata: { namespace: 'a', name: 'mislabelled', labels: runLabels('r', 'u1'), ownerReferences: [runOwnerReference('s', 'u2')] } });
    expect(names(ix.podsOf('a', 'u1'))).toEqual(['real']);
    expect(names(ix.podsOf('a', 'u2'))).toEqual(['mislabelled']);
    expect(names(ix.podsOf('c', 'u1'))).toEqual(['forged']);
  });

  it('moves a pod whose owner reference changed, and forgets deleted pods', () => {
    const ix = new PodIndex();
    ix.upsert(pod('a', 'p', 'r', 'u1'));
    ix.upsert(pod('a', 'p', 's', 'u2', '2'));
    expect(ix.podsOf('a', 'u1')).toEqual([]);
    expect(names(ix.podsOf('a', 'u2'))).toEqual(['p']);
    ix.remove({ metadata: { namespace: 'a', name: 'p' } });
    expect(ix.podsOf('a', 'u2')).toEqual([]);
    expect(ix.size).toBe(0);
  });

  it('a fresh list of one namespace drops that namespace\'s pods it lacks and keeps other namespaces', () => {
    const ix = new PodIndex();
    ix.upsert(pod('a', 'gone', 'r', 'u1'));
    ix.upsert(pod('a', 'kept', 'r', 'u1'));
    ix.upsert(pod('b', 'other', 's', 'u2'));
    ix.replace('a', [pod('a', 'kept', 'r', 'u1', '5'), pod('a', 'new', 'r', 'u1'), pod('b', 'not-in-scope', 's', 'u2')]);
    expect(names(ix.podsOf('a', 'u1'))).toEqual(['kept', 'new']);
    expect(ix.podsOf('a', 'u1').find((p) => p.metadata!.name === 'kept')!.metadata!.resourceVersion).toBe('5');
    expect(names(ix.podsOf('b', 'u2'))).toEqual(['other']);
    ix.replace(undefined, [pod('b', 'only', 's', 'u2')]);
    expect(ix.podsOf('a', 'u1')).toEqual([]);
    expect(names(ix.podsOf('b', 'u2'))).toEqual(['only']);
  });

  it('after any events, a replace of everything equals an index built from the list alone', () => {
    const ev = fc.record({ del: fc.boolean(), ns: fc.constantFrom('a', 'b'), name: fc.constantFrom('p1', 'p2', 'p3'), uid: fc.constantFrom('u1', 'u2') });
    fc.assert(fc.property(fc.array(ev), fc.array(ev), (events, listed) => {
      const ix = new PodIndex();
      for (const e of events) {
        if (e.del) ix.remove(pod(e.ns, e.name, 'r', e.uid));
        else ix.upsert(pod(e.ns, e.name, 'r', e.uid));
      }
      const list = [...new Map(listed.map((e) => [`${e.ns}/${e.name}`, pod(e.ns, e.name, 'r', e.uid)])).values()];
      ix.replace(undefined, list);
      const fresh = new PodIndex();
      for (const p of list) fresh.upsert(p);
      for (const ns of ['a', 'b']) for (const uid of ['u1', 'u2']) expect(names(ix.podsOf(ns, uid))).toEqual(names(fresh.podsOf(ns, uid)));
      expect(ix.size).toBe(fresh.size);
    }));
  });
});
