// Kubernetes I/O of the KFP API: PipelineRuns, Pipeline objects and experiment ConfigMaps. Runs addressed by KFP id
// (a uid, no namespace) are read from a watch-backed index (run-index.ts); other objects by id are found by
// listing: cluster-wide when the identity may, else in the default namespace.
import * as k8s from '@kubernetes/client-node';
import { pooledApiClient } from '../controller/api-client.js';
import { apiMessage, code } from '../controller/kube-ops.js';
import { GROUP, PIPELINE_PLURAL, RECURRING_PLURAL, RUN_PLURAL, VERSION } from '../controller/names.js';
import type { PipelineObject, PipelineRunObject } from '../controller/types.js';
import type { RecurringRunObject } from '../controller/recurring-types.js';
import type { RunIndex } from './run-index.js';
import { ApiError, GRPC, LABEL_EXPERIMENT, LABEL_KFP_PIPELINE, LABEL_PIPELINE_ID, notFound } from './mapping.js';

type Plural = typeof RUN_PLURAL | typeof PIPELINE_PLURAL | typeof RECURRING_PLURAL;

/** A Kubernetes API failure as KFP's error. */
export function apiErrorOf(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const c = code(err);
  const m = apiMessage(err);
  switch (c) {
    case 400: case 422: return new ApiError(400, GRPC.INVALID_ARGUMENT, m);
    case 401: return new ApiError(401, GRPC.UNAUTHENTICATED, m);
    case 403: return new ApiError(403, GRPC.PERMISSION_DENIED, m);
    case 404: return new ApiError(404, GRPC.NOT_FOUND, m);
    case 409: return new ApiError(409, GRPC.ALREADY_EXISTS, m);
    default: return new ApiError(500, GRPC.INTERNAL, m);
  }
}

export class KubeStore {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;

  /** `runs`: the index by uid; without it, by-id lookups list (tests of the store alone). */
  constructor(kc: k8s.KubeConfig, readonly defaultNamespace: string, private readonly runs?: RunIndex) {
    this.custom = pooledApiClient(kc, k8s.CustomObjectsApi);
    this.core = pooledApiClient(kc, k8s.CoreV1Api);
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw apiErrorOf(err);
    }
  }

  /** All objects with the label selector: cluster-wide, or in the default namespace when the identity may not list cluster-wide. */
  private async listEverywhere<T>(clusterWide: () => Promise<{ items: T[] }>, inDefault: () => Promise<{ items: T[] }>): Promise<T[]> {
    try {
      return (await clusterWide()).items;
    } catch (err) {
      if (code(err) !== 403) throw apiErrorOf(err);
      return (await this.call(inDefault)).items;
    }
  }

  private async listCustom<T>(plural: Plural, namespace: string | undefined, labelSelector?: string): Promise<T[]> {
    const base = { group: GROUP, version: VERSION, plural, labelSelector };
    if (namespace) return ((await this.call(() => this.custom.listNamespacedCustomObject({ ...base, namespace }))) as { items: T[] }).items;
    return this.listEverywhere(
      async () => (await this.custom.listClusterCustomObject(base)) as { items: T[] },
      async () => (await this.custom.listNamespacedCustomObject({ ...base, namespace: this.defaultNamespace })) as { items: T[] },
    );
  }

  // ------------------------------------------------------------ runs

  /** Live runs; one being deleted (held by a finalizer until its artifacts go) is gone to the API, as in KFP. */
  async listRuns(namespace: string, labelSelector?: string): Promise<PipelineRunObject[]> {
    return (await this.listCustom<PipelineRunObject>(RUN_PLURAL, namespace, labelSelector)).filter((r) => !beingDeleted(r));
  }

  async findRun(id: string): Promise<PipelineRunObject> {
    const cached = this.runs?.get(id);
    // A miss is rare: a run created elsewhere a moment ago (its watch event on the way) or no such run. One listing decides.
    const run = cached ?? (await this.listCustom<PipelineRunObject>(RUN_PLURAL, undefined)).find((r) => r.metadata?.uid === id);
    if (!run || beingDeleted(run)) throw notFound(`run ${id} not found`);
    return run;
  }

  async createRun(run: PipelineRunObject): Promise<PipelineRunObject> {
    const created = (await this.call(() => this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace: run.metadata!.namespace!, body: run }))) as PipelineRunObject;
    this.runs?.remember(created); // the client asks for it by id next, maybe before the watch event arrives
    return created;
  }

  async patchRun(run: PipelineRunObject, patch: object): Promise<void> {
    await this.call(() => this.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace: run.metadata!.namespace!, name: run.metadata!.name!, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ));
  }

  async deleteRun(run: PipelineRunObject): Promise<void> {
    await this.call(() => this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace: run.metadata!.namespace!, name: run.metadata!.name! }));
    this.runs?.forget(run); // the client asks for it next and must get 404, before the watch's delete event arrives
  }

  // ------------------------------------------------------------ recurring runs (found by listing: few per namespace)

  listRecurring(namespace: string, labelSelector?: string): Promise<RecurringRunObject[]> {
    return this.listCustom<RecurringRunObject>(RECURRING_PLURAL, namespace, labelSelector);
  }

  async findRecurring(id: string): Promise<RecurringRunObject> {
    const rr = (await this.listCustom<RecurringRunObject>(RECURRING_PLURAL, undefined)).find((r) => r.metadata?.uid === id);
    if (!rr) throw notFound(`recurring run ${id} not found`);
    return rr;
  }

  async createRecurring(rr: RecurringRunObject): Promise<RecurringRunObject> {
    return (await this.call(() => this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RECURRING_PLURAL, namespace: rr.metadata!.namespace!, body: rr }))) as RecurringRunObject;
  }

  async patchRecurring(rr: RecurringRunObject, patch: object): Promise<void> {
    await this.call(() => this.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: RECURRING_PLURAL, namespace: rr.metadata!.namespace!, name: rr.metadata!.name!, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ));
  }

  async deleteRecurring(rr: RecurringRunObject): Promise<void> {
    await this.call(() => this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RECURRING_PLURAL, namespace: rr.metadata!.namespace!, name: rr.metadata!.name! }));
  }

  // ------------------------------------------------------------ experiments

  async listExperiments(namespace: string): Promise<k8s.V1ConfigMap[]> {
    return (await this.call(() => this.core.listNamespacedConfigMap({ namespace, labelSelector: `${LABEL_EXPERIMENT}=true` }))).items;
  }

  async findExperiment(id: string): Promise<k8s.V1ConfigMap> {
    const selector = `${LABEL_EXPERIMENT}=true`;
    const all = await this.listEverywhere(
      () => this.core.listConfigMapForAllNamespaces({ labelSelector: selector }),
      () => this.core.listNamespacedConfigMap({ namespace: this.defaultNamespace, labelSelector: selector }),
    );
    const cm = all.find((c) => c.metadata?.uid === id);
    if (!cm) throw notFound(`experiment ${id} not found`);
    return cm;
  }

  async createExperiment(cm: k8s.V1ConfigMap): Promise<k8s.V1ConfigMap> {
    return this.call(() => this.core.createNamespacedConfigMap({ namespace: cm.metadata!.namespace!, body: cm }));
  }

  async patchExperiment(cm: k8s.V1ConfigMap, patch: object): Promise<void> {
    await this.call(() => this.core.patchNamespacedConfigMap(
      { namespace: cm.metadata!.namespace!, name: cm.metadata!.name!, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ));
  }

  async deleteExperiment(cm: k8s.V1ConfigMap): Promise<void> {
    await this.call(() => this.core.deleteNamespacedConfigMap({ namespace: cm.metadata!.namespace!, name: cm.metadata!.name! }));
  }

  // ------------------------------------------------------------ pipelines and versions

  listPipelines(namespace: string): Promise<PipelineObject[]> {
    return this.listCustom<PipelineObject>(PIPELINE_PLURAL, namespace, `${LABEL_KFP_PIPELINE}=true`);
  }

  async findPipeline(id: string): Promise<PipelineObject> {
    const p = (await this.listCustom<PipelineObject>(PIPELINE_PLURAL, undefined, `${LABEL_KFP_PIPELINE}=true`)).find((x) => x.metadata?.uid === id);
    if (!p) throw notFound(`pipeline ${id} not found`);
    return p;
  }

  listVersions(parent: PipelineObject): Promise<PipelineObject[]> {
    return this.listCustom<PipelineObject>(PIPELINE_PLURAL, parent.metadata!.namespace!, `${LABEL_PIPELINE_ID}=${parent.metadata!.uid!}`);
  }

  async findVersion(id: string): Promise<PipelineObject> {
    const v = (await this.listCustom<PipelineObject>(PIPELINE_PLURAL, undefined, LABEL_PIPELINE_ID)).find((x) => x.metadata?.uid === id);
    if (!v) throw notFound(`pipeline version ${id} not found`);
    return v;
  }

  async createPipelineObject(p: PipelineObject): Promise<PipelineObject> {
    return (await this.call(() => this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PIPELINE_PLURAL, namespace: p.metadata!.namespace!, body: p }))) as PipelineObject;
  }

  async patchPipelineObject(p: PipelineObject, patch: object): Promise<void> {
    await this.call(() => this.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PIPELINE_PLURAL, namespace: p.metadata!.namespace!, name: p.metadata!.name!, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ));
  }

  async deletePipelineObject(p: PipelineObject): Promise<void> {
    await this.call(() => this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PIPELINE_PLURAL, namespace: p.metadata!.namespace!, name: p.metadata!.name! }));
  }
}

function beingDeleted(run: PipelineRunObject): boolean {
  return Boolean(run.metadata?.deletionTimestamp);
}
