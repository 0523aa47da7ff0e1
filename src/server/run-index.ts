// PipelineRuns by uid (KFP's run id), from a watch-backed cache (the controller's resilient ListWatch): a by-id call
// reads memory instead of listing every run in the cluster. Cluster-wide when the server's identity may list so,
// else the default namespace only (as the store's listing falls back).
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { pooledApiClient } from '../controller/api-client.js';
import { resilient, type ResilientCache } from '../controller/informers.js';
import { code } from '../controller/kube-ops.js';
import { GROUP, RUN_PLURAL, VERSION } from '../controller/names.js';
import type { PipelineRunObject } from '../controller/types.js';

export class RunIndex {
  private readonly byUid = new Map<string, PipelineRunObject>();
  /** Namespaces of runs deleted while watched (uid → namespace): where their history is. */
  private readonly gone = new Map<string, string>();
  /** Runs this server deleted: a watch event still on its way (older than the delete) must not bring one back. */
  private readonly deleted = new Set<string>();
  private cache: ResilientCache<PipelineRunObject> | undefined;
  /** The namespace watched, or undefined for all. */
  scope: string | undefined;

  constructor(private readonly kc: k8s.KubeConfig, private readonly defaultNamespace: string, private readonly logger: Logger) {}

  get(uid: string): PipelineRunObject | undefined {
    return this.byUid.get(uid);
  }

  /** A run this server just created: known at once, replaced by the watch's newer versions. */
  remember(run: PipelineRunObject): void {
    const uid = run.metadata?.uid;
    if (uid && !this.byUid.has(uid) && !this.deleted.has(uid)) this.byUid.set(uid, run);
  }

  /** A run this server just deleted: gone at once (uids are never reused, so the tombstone is never wrong). */
  forget(run: PipelineRunObject): void {
    const uid = run.metadata?.uid;
    if (!uid) return;
    this.byUid.delete(uid);
    if (this.deleted.size >= 100_000) this.deleted.clear();
    this.deleted.add(uid);
    this.noteGone(uid, run.metadata?.namespace);
  }

  /** Where a deleted run lived (bounded: the oldest are dropped all at once). */
  private noteGone(uid: string, namespace: string | undefined): void {
    if (this.gone.size >= 100_000) this.gone.clear();
    if (namespace) this.gone.set(uid, namespace);
  }

  /** Where to look for a run's history: the namespace it was deleted from, else every namespace with runs. */
  namespacesFor(uid: string): string[] {
    const seen = new Set<string>();
    const first = this.gone.get(uid);
    if (first) seen.add(first);
    for (const r of this.byUid.values()) if (r.metadata?.namespace) seen.add(r.metadata.namespace);
    return [...seen];
  }

  get size(): number {
    return this.byUid.size;
  }

  async start(): Promise<void> {
    const custom = pooledApiClient(this.kc, k8s.CustomObjectsApi);
    const base = { group: GROUP, version: VERSION, plural: RUN_PLURAL };
    try {
      await custom.listClusterCustomObject({ ...base, limit: 1 });
      this.scope = undefined;
    } catch (err) {
      if (code(err) !== 403) throw err;
      this.scope = this.defaultNamespace;
    }
    const ns = this.scope;
    const path = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${RUN_PLURAL}` : `/apis/${GROUP}/${VERSION}/${RUN_PLURAL}`;
    const list = async (): Promise<k8s.KubernetesListObject<PipelineRunObject>> =>
      (ns ? custom.listNamespacedCustomObject({ ...base, namespace: ns }) : custom.listClusterCustomObject(base)) as Promise<k8s.KubernetesListObject<PipelineRunObject>>;
    const put = (r: PipelineRunObject): void => {
      if (r.metadata?.uid && !this.deleted.has(r.metadata.uid)) this.byUid.set(r.metadata.uid, r);
    };
    this.cache = resilient<PipelineRunObject>(`server pipelineruns (${ns ?? 'all namespaces'})`, { path, list, watch: new k8s.Watch(this.kc) }, {
      onChange: put,
      onDelete: (r) => {
        if (!r.metadata?.uid) return;
        this.byUid.delete(r.metadata.uid);
        this.noteGone(r.metadata.uid, r.metadata.namespace);
      },
      onListed: (items) => {
        this.byUid.clear();
        for (const r of items) put(r);
      },
    }, this.logger);
    await this.cache.start();
  }

  async stop(): Promise<void> {
    await this.cache?.stop();
  }
}
