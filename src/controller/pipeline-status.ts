// The Pipeline's status: whether it parses and validates, as a run referring to it would find out. Pure, plus the
// watch that writes it (leader only; list/watch on pipelines and update on pipelines/status).
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { PipelineError, formatDiagnostic } from '../model/diagnostics.js';
import { pooledApiClient } from './api-client.js';
import { resilient, type ResilientCache } from './informers.js';
import { GROUP, PIPELINE_PLURAL, VERSION } from './names.js';
import { pipelineFromSource } from './pipeline-source.js';
import { Reason } from './reasons.js';
import type { Condition } from './status.js';
import type { PipelineObject } from './types.js';

export interface PipelineStatus {
  observedGeneration?: number;
  valid: boolean;
  message?: string;
  conditions: Condition[];
}

const MESSAGE_LIMIT = 2000;

/** The status a Pipeline should have; undefined when its status already describes this generation. */
export function pipelineStatusFor(p: PipelineObject & { status?: Partial<PipelineStatus> }, now: string): PipelineStatus | undefined {
  const generation = p.metadata?.generation;
  if (p.status?.observedGeneration !== undefined && p.status.observedGeneration === generation) return undefined;
  let message: string | undefined;
  try {
    pipelineFromSource(p.spec ?? {}, 'spec', p.metadata?.name ?? 'pipeline');
  } catch (err) {
    if (!(err instanceof PipelineError)) throw err;
    message = err.diagnostics.map(formatDiagnostic).join('; ').slice(0, MESSAGE_LIMIT);
  }
  const valid = message === undefined;
  const reason = valid ? 'Valid' : Reason.InvalidPipeline;
  // Valid, and kstatus's Stalled (True when invalid) so that Flux and cli-utils read an invalid Pipeline as Failed.
  const make = (type: string, st: Condition['status']): Condition => {
    const prev = p.status?.conditions?.find((c) => c.type === type);
    return {
      type, status: st, reason, message: message ?? 'the pipeline parsed and validated',
      lastTransitionTime: prev && prev.status === st ? prev.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  };
  const conditions = [make('Valid', valid ? 'True' : 'False'), make('Stalled', valid ? 'False' : 'True')];
  return { ...(generation !== undefined ? { observedGeneration: generation } : {}), valid, ...(message ? { message } : {}), conditions };
}

/** Watches Pipelines (per namespace, or all) and writes each one's status when its generation changes. */
export function pipelineValidator(kc: k8s.KubeConfig, namespaces: readonly string[], logger: Logger): ResilientCache<PipelineObject> {
  const custom = pooledApiClient(kc, k8s.CustomObjectsApi);
  const watch = new k8s.Watch(kc);
  const log = logger.child({ component: 'pipelines' });
  const write = async (p: PipelineObject): Promise<void> => {
    const status = pipelineStatusFor(p, new Date().toISOString());
    if (!status) return;
    try {
      await custom.replaceNamespacedCustomObjectStatus({
        group: GROUP, version: VERSION, plural: PIPELINE_PLURAL, namespace: p.metadata!.namespace!, name: p.metadata!.name!,
        body: { apiVersion: p.apiVersion, kind: p.kind, metadata: { name: p.metadata!.name, namespace: p.metadata!.namespace, resourceVersion: p.metadata!.resourceVersion }, status },
      });
      log.info({ pipeline: `${p.metadata!.namespace}/${p.metadata!.name}`, valid: status.valid }, 'pipeline validated');
    } catch (err) {
      // 409: a newer version exists and its watch event brings it here again. 404: deleted meanwhile.
      const code = (err as { code?: number }).code;
      if (code !== 409 && code !== 404) log.warn({ pipeline: p.metadata?.name, err: String(err) }, 'cannot write the pipeline status');
    }
  };
  const scopes: (string | undefined)[] = namespaces.length > 0 ? [...new Set(namespaces)] : [undefined];
  const caches = scopes.map((ns) => {
    const path = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PIPELINE_PLURAL}` : `/apis/${GROUP}/${VERSION}/${PIPELINE_PLURAL}`;
    const list = (): Promise<k8s.KubernetesListObject<PipelineObject>> =>
      (ns ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PIPELINE_PLURAL })
        : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PIPELINE_PLURAL })) as Promise<k8s.KubernetesListObject<PipelineObject>>;
    return resilient<PipelineObject>(`pipelines (${ns ?? 'all namespaces'})`, { path, list, watch }, { onChange: (p) => void write(p), onDelete: () => undefined }, logger);
  });
  return {
    list: () => caches.flatMap((c) => c.list()),
    get: (n, ns) => caches.map((c) => c.get(n, ns)).find((x) => x !== undefined),
    start: () => Promise.all(caches.map((c) => c.start())).then(() => undefined),
    stop: () => Promise.all(caches.map((c) => c.stop())).then(() => undefined),
    relist: () => Promise.all(caches.map((c) => c.relist())).then(() => undefined),
  };
}
