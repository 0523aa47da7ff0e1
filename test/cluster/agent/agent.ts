// The node agent: keeps the set of pod workers equal to the pods bound to this node, through list + watch with
// re-list on any break (apiserver restart, 410 Gone, silent stall) and a periodic full re-list.
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, type Kube } from './kube.js';
import type { LogSource } from './log-server.js';
import { PodWorker, type Simulation, type WorkerDeps } from './pod-worker.js';
import { StatusSync } from './status-sync.js';
import type { VolumeSources } from './volumes.js';
import type { Lookups } from './env.js';

export interface AgentOptions {
  nodeName: string;
  simulateAll: boolean;
  simulateDefaults: Simulation;
  relistMs: number;
  events: boolean;
  caPem: string;
}

const SIM = 'pipewright.io/simulate';

export function simulationFor(pod: V1Pod, o: AgentOptions): Simulation | undefined {
  const meta = (k: string): string | undefined => pod.metadata?.annotations?.[k] ?? pod.metadata?.labels?.[k];
  if (!o.simulateAll && meta(SIM) !== 'true') return undefined;
  const num = (k: string, d: number): number => { const v = meta(k); return v === undefined ? d : Number(v); };
  return {
    delayMs: num(`${SIM}-duration-ms`, o.simulateDefaults.delayMs),
    exitCode: num(`${SIM}-exit-code`, o.simulateDefaults.exitCode),
  };
}

export class Agent implements LogSource {
  private readonly workers = new Map<string, PodWorker>(); // by pod uid
  private readonly byKey = new Map<string, string>(); // ns/name -> uid
  private readonly finalizing = new Set<string>();
  readonly status: StatusSync;
  private readonly stopped = new AbortController();
  private eventsInFlight = 0;

  constructor(private readonly kube: Kube, private readonly o: AgentOptions,
    private readonly deps: Omit<WorkerDeps, 'publish' | 'event' | 'simulation' | 'sources'>,
    private readonly log: Logger) {
    this.status = new StatusSync(kube, log);
  }

  /** What a pod's containers and volumes read from the apiserver, as the node (Node authorizer applies). */
  private lookups(pod: V1Pod): Lookups & VolumeSources {
    const k = this.kube;
    const ns = pod.metadata!.namespace!;
    const decode = (d: Record<string, string> | undefined): Record<string, Buffer> =>
      Object.fromEntries(Object.entries(d ?? {}).map(([key, v]) => [key, Buffer.from(v, 'base64')]));
    const configMap = async (name: string): Promise<{ data: Record<string, string>; binary: Record<string, Buffer> } | undefined> => {
      const cm = await k.get<{ data?: Record<string, string>; binaryData?: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/${name}`);
      return cm && { data: cm.data ?? {}, binary: decode(cm.binaryData) };
    };
    const secret = async (name: string): Promise<Record<string, Buffer> | undefined> =>
      decodeOpt(await k.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/${name}`));
    const decodeOpt = (s: { data?: Record<string, string> } | undefined): Record<string, Buffer> | undefined => s && decode(s.data);
    return {
      configMap, secret,
      configMapValues: async (name) => (await configMap(name))?.data,
      secretValues: async (name) => {
        const s = await secret(name);
        return s && Object.fromEntries(Object.entries(s).map(([key, v]) => [key, v.toString('utf8')]));
      },
      token: async (sa, audience, expirationSeconds) => {
        const tr = await k.req<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
          apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
          spec: { audiences: audience ? [audience] : [], expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name, uid: pod.metadata!.uid } },
        });
        return tr!.status.token;
      },
      caCert: () => this.o.caPem,
    };
  }

  async run(): Promise<void> {
    const selector = encodeURIComponent(`spec.nodeName=${this.o.nodeName}`);
    for (let backoff = 250; !this.stopped.signal.aborted;) {
      try {
        const list = await this.kube.req<V1PodList>('GET', `/api/v1/pods?fieldSelector=${selector}`);
        this.resync(list!.items);
        let rv = list!.metadata!.resourceVersion!;
        backoff = 250;
        const relistAt = Date.now() + this.o.relistMs;
        while (Date.now() < relistAt && !this.stopped.signal.aborted) {
          await this.kube.watch<V1Pod>(
            `/api/v1/pods?fieldSelector=${selector}&watch=1&allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=${Math.ceil(this.o.relistMs / 1000)}`,
            (ev) => {
              if (ev.type === 'ERROR') throw new ApiError((ev.object as { code?: number }).code ?? 500, JSON.stringify(ev.object), 'watch');
              rv = ev.object.metadata?.resourceVersion ?? rv;
              if (ev.type === 'BOOKMARK') return;
              if (ev.type === 'DELETED') this.gone(ev.object.metadata!.uid!);
              else this.observe(ev.object);
            }, 90_000, this.stopped.signal);
        }
      } catch (e) {
        if (this.stopped.signal.aborted) return;
        const gone = e instanceof ApiError && e.status === 410;
        this.log.warn({ err: (e as Error).message }, gone ? 'watch expired; re-listing' : 'pod watch broken; re-listing');
        if (!gone) {
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    }
  }

  /** A full list: every listed pod observed, every worker whose pod is absent stopped. */
  private resync(pods: V1Pod[]): void {
    const seen = new Set<string>();
    for (const p of pods) { seen.add(p.metadata!.uid!); this.observe(p); }
    for (const uid of this.workers.keys()) if (!seen.has(uid)) this.gone(uid);
  }

  private observe(pod: V1Pod): void {
    const uid = pod.metadata!.uid!;
    if (pod.spec?.nodeName !== this.o.nodeName) return;
    let w = this.workers.get(uid);
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (!w) {
      if (terminal || pod.metadata?.deletionTimestamp) {
        // Finished before we saw it (or an earlier agent ran it): only the final delete is left to do.
        if (pod.metadata?.deletionTimestamp) this.finalize(pod);
        return;
      }
      w = new PodWorker(pod, {
        ...this.deps,
        sources: this.lookups(pod),
        publish: (p, s) => this.status.set(p, s),
        event: (p, reason, message, type) => this.event(p, reason, message, type),
        simulation: (p) => simulationFor(p, this.o),
        services: async () => (await this.kube.get<{ items: { metadata: { name: string; namespace: string } }[] }>('/api/v1/services'))
          ?.items.map((x) => `${x.metadata.name}.${x.metadata.namespace}`) ?? [],
      });
      this.workers.set(uid, w);
      this.byKey.set(`${pod.metadata!.namespace}/${pod.metadata!.name}`, uid);
      this.log.info({ pod: w.key, uid }, 'pod started');
      void w.done.then(() => this.log.info({ pod: w!.key }, 'pod finished'));
    } else {
      w.update(pod);
    }
    if (pod.metadata?.deletionTimestamp) void w.done.then(() => this.finalize(pod));
  }

  /** The kubelet's last word on a deleted pod: once its containers are gone and status written, delete for good. */
  private finalize(pod: V1Pod): void {
    const uid = pod.metadata!.uid!;
    if (this.finalizing.has(uid)) return;
    this.finalizing.add(uid);
    const path = `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${pod.metadata!.name}`;
    const attempt = async (delay: number): Promise<void> => {
      try {
        await this.status.flushed(uid);
        await this.kube.req('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
          'application/json', true);
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 409)) return;
        if (this.stopped.signal.aborted) return;
        await new Promise((r) => setTimeout(r, delay));
        return attempt(Math.min(delay * 2, 5000));
      }
    };
    void attempt(500).finally(() => this.finalizing.delete(uid));
  }

  private gone(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.stop(0);
    this.workers.delete(uid);
    if (this.byKey.get(w.key) === uid) this.byKey.delete(w.key);
    // As the kubelet does: a deleted pod's volumes (emptyDirs) go with it. Argo's pods each copy argoexec
    // into an emptyDir: kept, bench:argo's quick run left 56 GB behind.
    void w.done.then(() => {
      this.status.forget(uid);
      w.removeFiles();
    });
  }

  private event(pod: V1Pod, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): void {
    if (!this.o.events || this.eventsInFlight > 20) return;
    const now = new Date().toISOString();
    const ns = pod.metadata!.namespace!;
    this.eventsInFlight++;
    this.kube.req('POST', `/api/v1/namespaces/${ns}/events`, {
      apiVersion: 'v1', kind: 'Event', metadata: { generateName: `${pod.metadata!.name}.`, namespace: ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata!.name, uid: pod.metadata!.uid },
      reason, message, type, source: { component: 'kubelet', host: this.o.nodeName },
      firstTimestamp: now, lastTimestamp: now, count: 1, reportingComponent: 'kubelet', reportingInstance: this.o.nodeName,
    }).catch(() => undefined).finally(() => { this.eventsInFlight--; });
  }

  logFile(ns: string, pod: string, container: string, previous: boolean): string | undefined | 'no-pod' {
    const uid = this.byKey.get(`${ns}/${pod}`);
    const w = uid && this.workers.get(uid);
    return w ? w.logFile(container, previous) : 'no-pod';
  }

  isRunning(ns: string, pod: string, container: string): boolean {
    const uid = this.byKey.get(`${ns}/${pod}`);
    return !!uid && !!this.workers.get(uid)?.isRunning(container);
  }

  /** On shutdown every container is killed at once: the cluster is going away. */
  async shutdown(): Promise<void> {
    this.stopped.abort();
    for (const w of this.workers.values()) w.stop(0);
    await Promise.race([Promise.all([...this.workers.values()].map((w) => w.done)), new Promise((r) => setTimeout(r, 5000))]);
  }
}
