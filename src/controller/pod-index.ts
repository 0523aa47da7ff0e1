// Task pods by the run that owns them (pure). A pod belongs to a run when it is in the run's namespace and its
// PipelineRun owner reference carries the run's uid: a label can be forged by anyone who can create a pod, in any
// namespace, and an owner reference is only honoured within its own namespace.
import type { V1Pod } from '@kubernetes/client-node';
import { GROUP } from './names.js';

/** The PipelineRun that controls the pod, from its owner references. */
export function runOwnerOf(pod: V1Pod): { name: string; uid: string } | undefined {
  const o = pod.metadata?.ownerReferences?.find((r) => r.kind === 'PipelineRun' && r.apiVersion?.startsWith(`${GROUP}/`) && r.controller === true);
  return o?.uid && o.name ? { name: o.name, uid: o.uid } : undefined;
}

export class PodIndex {
  /** namespace → owner uid → pod name → pod */
  private readonly byNs = new Map<string, Map<string, Map<string, V1Pod>>>();
  /** `namespace/name` → owner uid the pod is filed under (an update may change or drop the owner). */
  private readonly filed = new Map<string, string>();

  upsert(pod: V1Pod): void {
    this.remove(pod);
    const ns = pod.metadata?.namespace;
    const name = pod.metadata?.name;
    const owner = runOwnerOf(pod);
    if (!ns || !name || !owner) return;
    let runs = this.byNs.get(ns);
    if (!runs) this.byNs.set(ns, (runs = new Map()));
    let pods = runs.get(owner.uid);
    if (!pods) runs.set(owner.uid, (pods = new Map()));
    pods.set(name, pod);
    this.filed.set(`${ns}/${name}`, owner.uid);
  }

  remove(pod: V1Pod): void {
    const ns = pod.metadata?.namespace;
    const name = pod.metadata?.name;
    if (!ns || !name) return;
    const uid = this.filed.get(`${ns}/${name}`);
    if (uid === undefined) return;
    this.filed.delete(`${ns}/${name}`);
    const runs = this.byNs.get(ns);
    const pods = runs?.get(uid);
    pods?.delete(name);
    if (pods && pods.size === 0) runs!.delete(uid);
    if (runs && runs.size === 0) this.byNs.delete(ns);
  }

  /**
   * A fresh list is the truth for its scope (one namespace, or all when undefined): pods deleted while a watch
   * was stalled leave the index here, since no delete event will ever come for them.
   */
  replace(namespace: string | undefined, pods: readonly V1Pod[]): void {
    for (const key of [...this.filed.keys()]) {
      const [ns, name] = key.split('/') as [string, string];
      if (namespace === undefined || ns === namespace) this.remove({ metadata: { namespace: ns, name } });
    }
    for (const p of pods) if (namespace === undefined || p.metadata?.namespace === namespace) this.upsert(p);
  }

  podsOf(namespace: string, runUid: string): V1Pod[] {
    return [...(this.byNs.get(namespace)?.get(runUid)?.values() ?? [])];
  }

  get size(): number {
    return this.filed.size;
  }
}
