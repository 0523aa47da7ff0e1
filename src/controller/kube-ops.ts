// The controller's writes to the API server, each idempotent: create-if-absent, delete-if-present.
import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { pooledApiClient, postJson } from './api-client.js';
import { EventCorrelator } from './event-correlator.js';
import { rateLimited, type RateLimiter } from './rate-limit.js';
import { GROUP, PIPELINE_PLURAL, RUN_PLURAL, VERSION } from './names.js';
import type { PvcObject } from '../executor/pvc-ops.js';
import type { RunStatus } from './status.js';
import type { PipelineObject, PipelineRunObject } from './types.js';

/** The API server refused the object or request for good (422 invalid, 403 forbidden or quota): retrying will not help. */
export class RejectedError extends Error {}
/**
 * The claim names a StorageClass the cluster does not have: it would stay Pending forever (the scheduler only says
 * "unbound immediate PersistentVolumeClaims"), so the claim is not made and the caller fails the task with this.
 */
export class MissingStorageClassError extends RejectedError {
  constructor(readonly storageClass: string) {
    super(`storageclass "${storageClass}" not found`);
  }
}
/** The status write lost a race with another write; reconcile again from fresh state. */
export class ConflictError extends Error {}

export interface KubeOps {
  createPod(pod: k8s.V1Pod): Promise<'created' | 'exists'>;
  deletePod(namespace: string, name: string): Promise<void>;
  podExists(namespace: string, name: string): Promise<boolean>;
  /** Returns the run's new resourceVersion. */
  writeRunStatus(run: PipelineRunObject, status: RunStatus): Promise<string | undefined>;
  getPipeline(namespace: string, name: string): Promise<PipelineObject | undefined>;
  event(run: PipelineRunObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  /**
   * Create-if-absent; an existing claim is returned as it is, for the caller to check it is the one it meant.
   * Throws MissingStorageClassError when the claim names a class that does not exist.
   */
  createPvc(pvc: PvcObject): Promise<{ result: 'created' } | { result: 'exists'; labels: Record<string, string> }>;
  /** Delete-if-present. */
  deletePvc(namespace: string, name: string): Promise<'deleted' | 'absent'>;
  /** The claim as the API server has it (why a task pod waits on it), undefined when absent. */
  readPvc(namespace: string, name: string): Promise<k8s.V1PersistentVolumeClaim | undefined>;
  /** The events about a claim (the volume controller's and provisioner's own words on why it does not bind). */
  claimEvents(namespace: string, name: string): Promise<k8s.CoreV1Event[]>;
}

/** The HTTP status of a client-node API error. */
export function code(err: unknown): number | undefined {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

/** The API server's message of a client-node API error (its Status body, as text or parsed). */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  return err instanceof Error ? err.message : String(err);
}

/** The operations, each taking a token of `limiter` first when one is given (one per process: main.ts). */
export function kubeOps(kc: k8s.KubeConfig, limiter?: RateLimiter): KubeOps {
  const ops = unlimitedKubeOps(kc);
  return limiter ? rateLimited(ops, limiter) : ops;
}

function unlimitedKubeOps(kc: k8s.KubeConfig): KubeOps {
  const core = pooledApiClient(kc, k8s.CoreV1Api);
  const storage = pooledApiClient(kc, k8s.StorageV1Api);
  const custom = pooledApiClient(kc, k8s.CustomObjectsApi);
  const correlator = new EventCorrelator();
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  return {
    async createPod(pod) {
      try {
        await postJson(kc, `/api/v1/namespaces/${encodeURIComponent(pod.metadata!.namespace!)}/pods`, pod);
        return 'created';
      } catch (err) {
        const c = code(err);
        if (c === 409) return 'exists';
        if (c === 422 || c === 403 || c === 400) throw new RejectedError(apiMessage(err));
        throw err;
      }
    },
    async deletePod(namespace, name) {
      try {
        await core.deleteNamespacedPod({ namespace, name });
      } catch (err) {
        if (code(err) !== 404) throw err;
      }
    },
    async podExists(namespace, name) {
      try {
        await core.readNamespacedPod({ namespace, name });
        return true;
      } catch (err) {
        if (code(err) === 404) return false;
        throw err;
      }
    },
    async writeRunStatus(run, status) {
      try {
        const written = (await custom.replaceNamespacedCustomObjectStatus({
          group: GROUP,
          version: VERSION,
          namespace: run.metadata!.namespace!,
          plural: RUN_PLURAL,
          name: run.metadata!.name!,
          body: { apiVersion: run.apiVersion, kind: run.kind, metadata: { name: run.metadata!.name, namespace: run.metadata!.namespace, resourceVersion: run.metadata!.resourceVersion }, status },
        })) as k8s.KubernetesObject | undefined;
        return written?.metadata?.resourceVersion;
      } catch (err) {
        if (code(err) === 409) throw new ConflictError(`status of ${run.metadata!.name} changed underneath`);
        throw err;
      }
    },
    async getPipeline(namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PIPELINE_PLURAL, name })) as PipelineObject;
      } catch (err) {
        if (code(err) === 404) return undefined;
        throw err;
      }
    },
    async createPvc(pvc) {
      const namespace = pvc.metadata.namespace;
      const cls = pvc.spec.storageClassName;
      // '' asks for no class (a pre-bound volume); unset means the default class: neither is looked up.
      if (typeof cls === 'string' && cls !== '') {
        try {
          await storage.readStorageClass({ name: cls });
        } catch (err) {
          if (code(err) === 404) throw new MissingStorageClassError(cls);
          // Not allowed to look (an older RBAC): let the claim be made and the scheduler report on it.
          if (code(err) !== 403) throw err;
        }
      }
      try {
        await core.createNamespacedPersistentVolumeClaim({ namespace, body: pvc as k8s.V1PersistentVolumeClaim });
        return { result: 'created' };
      } catch (err) {
        const c = code(err);
        if (c === 422 || c === 403 || c === 400) throw new RejectedError(apiMessage(err));
        if (c !== 409) throw err;
      }
      const existing = await core.readNamespacedPersistentVolumeClaim({ namespace, name: pvc.metadata.name });
      return { result: 'exists', labels: existing.metadata?.labels ?? {} };
    },
    async readPvc(namespace, name) {
      try {
        return await core.readNamespacedPersistentVolumeClaim({ namespace, name });
      } catch (err) {
        if (code(err) === 404) return undefined;
        throw err;
      }
    },
    async claimEvents(namespace, name) {
      const fieldSelector = `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${name}`;
      return (await core.listNamespacedEvent({ namespace, fieldSelector, limit: 50 })).items;
    },
    async deletePvc(namespace, name) {
      try {
        await core.deleteNamespacedPersistentVolumeClaim({ namespace, name });
        return 'deleted';
      } catch (err) {
        if (code(err) === 404) return 'absent';
        if (code(err) === 403) throw new RejectedError(apiMessage(err));
        throw err;
      }
    },
    async event(run, type, reason, message) {
      const now = new Date();
      const namespace = run.metadata!.namespace!;
      message = message.slice(0, 1000);
      const key = EventCorrelator.key(run.metadata!.uid!, type, reason, message);
      const seen = correlator.lookup(key, now.getTime());
      if (seen) {
        try {
          await core.patchNamespacedEvent({ name: seen.name, namespace, body: { count: seen.count + 1, lastTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z') } }, mergePatch);
          correlator.remember(key, seen.name, seen.count + 1, now.getTime());
          return;
        } catch (err) {
          if (code(err) !== 404) throw err;
          correlator.forget(key);
        }
      }
      const id = createHash('sha256').update(`${run.metadata!.uid}\0${reason}\0${message}\0${now.getTime()}`).digest('hex').slice(0, 12);
      await core.createNamespacedEvent({
        namespace: run.metadata!.namespace!,
        body: {
          metadata: { name: `${run.metadata!.name}.${id}`, namespace: run.metadata!.namespace },
          involvedObject: { apiVersion: run.apiVersion, kind: run.kind, name: run.metadata!.name, namespace: run.metadata!.namespace, uid: run.metadata!.uid },
          type,
          reason,
          message,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          source: { component: 'pipewright-controller' },
          reportingComponent: 'pipewright.dev/controller',
          reportingInstance: process.env.HOSTNAME ?? 'pipewright-controller',
        },
      });
      correlator.remember(key, `${run.metadata!.name}.${id}`, 1, now.getTime());
    },
  };
}
