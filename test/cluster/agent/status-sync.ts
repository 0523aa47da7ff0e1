// Writes pod statuses to the apiserver: newest status per pod wins, one write per pod in flight, retried until the
// apiserver takes it (so nothing is lost while it is down), dropped when the pod is gone.
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, type Kube } from './kube.js';

interface Entry { ns: string; name: string; uid: string; status: V1PodStatus; json: string }

export class StatusSync {
  private readonly pending = new Map<string, Entry>();
  private readonly inflight = new Set<string>();
  private readonly written = new Map<string, string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly kube: Kube, private readonly log: Logger, private readonly concurrency = 16) {}

  set(pod: V1Pod, status: V1PodStatus): void {
    const uid = pod.metadata!.uid!;
    const json = JSON.stringify({ ...status, conditions: status.conditions?.map((c) => ({ ...c, lastTransitionTime: undefined })) });
    if (this.written.get(uid) === json && !this.pending.has(uid)) return;
    this.pending.set(uid, { ns: pod.metadata!.namespace!, name: pod.metadata!.name!, uid, status, json });
    this.kick();
  }

  /** Resolves once everything set for this pod so far has been written (or dropped). */
  flushed(uid: string): Promise<void> {
    if (!this.pending.has(uid) && !this.inflight.has(uid)) return Promise.resolve();
    return new Promise((r) => { this.waiters.set(uid, [...(this.waiters.get(uid) ?? []), r]); });
  }

  forget(uid: string): void {
    this.pending.delete(uid);
    this.written.delete(uid);
    this.settle(uid);
  }

  private settle(uid: string): void {
    if (this.pending.has(uid) || this.inflight.has(uid)) return;
    for (const w of this.waiters.get(uid) ?? []) w();
    this.waiters.delete(uid);
  }

  private kick(): void {
    for (const [uid, e] of this.pending) {
      if (this.inflight.size >= this.concurrency) return;
      if (this.inflight.has(uid)) continue;
      this.pending.delete(uid);
      this.inflight.add(uid);
      void this.write(e).then((ok) => {
        this.inflight.delete(uid);
        if (ok) this.written.set(uid, e.json);
        else if (!this.pending.has(uid)) this.pending.set(uid, e); // retry unless a newer status is queued
        this.settle(uid);
        if (ok) this.kick();
        else this.retryTimer ??= setTimeout(() => { this.retryTimer = undefined; this.kick(); }, 1000);
      });
    }
  }

  private async write(e: Entry): Promise<boolean> {
    try {
      await this.kube.req('PATCH', `/api/v1/namespaces/${e.ns}/pods/${e.name}/status`,
        { metadata: { uid: e.uid }, status: e.status }, 'application/strategic-merge-patch+json');
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 422)) {
        // Gone, replaced by a new pod of the same name, or a terminal pod: nothing more to write.
        const level = err.status === 422 ? 'error' : 'debug';
        this.log[level]({ pod: `${e.ns}/${e.name}`, err: err.message }, 'status write dropped');
        return true;
      }
      this.log.warn({ pod: `${e.ns}/${e.name}`, err: (err as Error).message }, 'status write failed; will retry');
      return false;
    }
  }
}
