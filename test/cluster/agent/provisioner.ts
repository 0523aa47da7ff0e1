// Dynamic provisioning for the default StorageClass and `standard` (the class KFP's samples name, e.g.
// pipeline_with_workspace; GKE's and minikube's default): a claim whose pod the scheduler placed on this node
// (WaitForFirstConsumer) gets a hostPath PV on the claim's directory; released volumes are deleted. Uses the
// admin identity, because the Node authorizer does not let nodes create PersistentVolumes.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { V1PersistentVolumeClaim, V1PersistentVolume } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, type Kube } from './kube.js';

export const STORAGE_CLASS = 'pipewright-local';
/** Classes this node provisions, the first the cluster's default. */
export const STORAGE_CLASSES = [STORAGE_CLASS, 'standard'];
const PROVISIONER = 'pipewright.io/node-dir';
const SELECTED = 'volume.kubernetes.io/selected-node';

export const claimDir = (root: string, ns: string, claim: string): string => join(root, 'claims', ns, claim);

export async function ensureStorageClass(kube: Kube): Promise<void> {
  for (const name of STORAGE_CLASSES) {
    try {
      await kube.req('POST', '/apis/storage.k8s.io/v1/storageclasses', {
        apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
        metadata: { name, ...(name === STORAGE_CLASS ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
        provisioner: PROVISIONER, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete',
      });
    } catch (e) { if (!(e instanceof ApiError && e.status === 409)) throw e; }
  }
}

async function provisionOnce(kube: Kube, node: string, root: string, log: Logger): Promise<void> {
  const claims = (await kube.req<{ items: V1PersistentVolumeClaim[] }>('GET', '/api/v1/persistentvolumeclaims'))!.items;
  for (const c of claims) {
    const m = c.metadata!;
    if (c.status?.phase !== 'Pending' || m.annotations?.[SELECTED] !== node || !STORAGE_CLASSES.includes(c.spec?.storageClassName ?? '')) continue;
    const dir = claimDir(root, m.namespace!, m.name!);
    mkdirSync(dir, { recursive: true });
    try {
      await kube.req('POST', '/api/v1/persistentvolumes', {
        apiVersion: 'v1', kind: 'PersistentVolume',
        metadata: { name: `pvc-${m.uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
        spec: {
          capacity: { storage: c.spec?.resources?.requests?.storage ?? '1Gi' }, accessModes: c.spec?.accessModes,
          persistentVolumeReclaimPolicy: 'Delete', storageClassName: c.spec!.storageClassName, volumeMode: 'Filesystem',
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: m.namespace, name: m.name, uid: m.uid },
          hostPath: { path: dir, type: 'DirectoryOrCreate' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [
            { key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
        },
      });
      log.info({ claim: `${m.namespace}/${m.name}` }, 'volume provisioned');
    } catch (e) { if (!(e instanceof ApiError && e.status === 409)) throw e; }
  }
  const volumes = (await kube.req<{ items: V1PersistentVolume[] }>('GET', '/api/v1/persistentvolumes'))!.items;
  for (const v of volumes) {
    if (v.status?.phase !== 'Released' || v.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER) continue;
    const ref = v.spec?.claimRef;
    if (ref) rmSync(claimDir(root, ref.namespace!, ref.name!), { recursive: true, force: true });
    await kube.req('DELETE', `/api/v1/persistentvolumes/${v.metadata!.name}`, undefined, undefined, true);
  }
}

export async function provisionLoop(kube: Kube, node: string, root: string, log: Logger, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await ensureStorageClass(kube);
      for (;;) {
        if (signal.aborted) return;
        await provisionOnce(kube, node, root, log);
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'provisioner: retrying');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
