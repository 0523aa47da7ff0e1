// An in-memory KubeOps for the Reconciler's fast tests: every call is recorded, pods and claims are "created", a
// status write returns a new resourceVersion. The cluster tests use the real kube-apiserver instead.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeOps } from '../kube-ops.js';
import type { RunStatus } from '../status.js';

export interface FakeKubeCalls {
  /** Pods created, in order. */
  pods: V1Pod[];
  /** Their names. */
  createPod: string[];
  deletePod: string[];
  /** GETs of single pods (the cache did not show one the status names). */
  podExists: number;
  /** Status writes, each a copy of what was written. */
  writes: RunStatus[];
  events: { type: string; reason: string; message: string }[];
}

export interface FakeKubeOptions {
  /** Runs before each pod creation: reject to make the API server fail. */
  createPod?: () => Promise<void>;
  /** Runs after a status write is recorded and before it is answered: reject to make it fail. */
  writeRunStatus?: () => Promise<void>;
  /** Answers a GET of one pod (default: it exists). */
  podExists?: (name: string) => boolean;
}

export function fakeKube(opts: FakeKubeOptions = {}): { kube: KubeOps; calls: FakeKubeCalls } {
  const calls: FakeKubeCalls = { pods: [], createPod: [], deletePod: [], podExists: 0, writes: [], events: [] };
  let rv = 1;
  const kube: KubeOps = {
    async createPod(pod: V1Pod) {
      await opts.createPod?.();
      calls.pods.push(pod);
      calls.createPod.push(pod.metadata!.name!);
      return 'created';
    },
    async deletePod(_ns, name) {
      calls.deletePod.push(name);
    },
    async podExists(_ns, name) {
      calls.podExists++;
      return opts.podExists ? opts.podExists(name) : true;
    },
    async writeRunStatus(_run, status) {
      calls.writes.push(structuredClone(status));
      await opts.writeRunStatus?.();
      return String(++rv);
    },
    async getPipeline() {
      return undefined;
    },
    async event(_run, type, reason, message) {
      calls.events.push({ type, reason, message });
    },
    async createPvc() {
      return { result: 'created' as const };
    },
    async deletePvc() {
      return 'deleted' as const;
    },
    async readPvc() {
      return undefined;
    },
    async claimEvents() {
      return [];
    },
  };
  return { kube, calls };
}
