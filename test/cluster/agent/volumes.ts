// Pod volumes as host directories under the pod's directory, later bound into each container at its mountPath.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { fieldPath } from './env.js';
import { claimDir } from './provisioner.js';

export interface VolumeSources {
  configMap(name: string): Promise<{ data: Record<string, string>; binary: Record<string, Buffer> } | undefined>;
  secret(name: string): Promise<Record<string, Buffer> | undefined>;
  token(serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
  caCert(): string;
}

export class VolumeError extends Error {}

function writeFiles(dir: string, files: Record<string, string | Buffer>, items: V1KeyToPath[] | undefined,
  mode: number, what: string, optional: boolean): void {
  const entries = items?.length
    ? items.map((i) => {
      if (!(i.key in files)) {
        if (optional) return undefined;
        throw new VolumeError(`configmap/secret ${what}: key "${i.key}" not found`);
      }
      return [i.path, files[i.key]!, i.mode ?? mode] as const;
    }).filter((e) => e !== undefined)
    : Object.entries(files).map(([k, v]) => [k, v, mode] as const);
  for (const [path, content, m] of entries) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    chmodSync(file, m);
  }
}

async function configMapFiles(src: VolumeSources, name: string): Promise<Record<string, string | Buffer> | undefined> {
  const cm = await src.configMap(name);
  return cm && { ...cm.data, ...cm.binary };
}

/** Materialises one volume; returns its host path. Missing non-optional sources throw VolumeError (retried). */
export async function prepareVolume(pod: V1Pod, v: V1Volume, podDir: string, nodeRoot: string,
  src: VolumeSources): Promise<string> {
  const dir = join(podDir, 'volumes', v.name);
  const ns = pod.metadata!.namespace!;
  if (v.hostPath) {
    if (v.hostPath.type === 'DirectoryOrCreate' || v.hostPath.type === undefined || v.hostPath.type === '') {
      mkdirSync(v.hostPath.path, { recursive: true });
    }
    return v.hostPath.path;
  }
  if (v.persistentVolumeClaim) {
    const dir = claimDir(nodeRoot, ns, v.persistentVolumeClaim.claimName);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  mkdirSync(dir, { recursive: true });
  if (v.emptyDir || v.ephemeral) return dir;
  if (v.configMap) {
    const files = await configMapFiles(src, v.configMap.name!);
    if (!files) {
      if (v.configMap.optional) return dir;
      throw new VolumeError(`configmap "${v.configMap.name}" not found`);
    }
    writeFiles(dir, files, v.configMap.items, v.configMap.defaultMode ?? 0o644, v.configMap.name!, !!v.configMap.optional);
    return dir;
  }
  if (v.secret) {
    const files = await src.secret(v.secret.secretName!);
    if (!files) {
      if (v.secret.optional) return dir;
      throw new VolumeError(`secret "${v.secret.secretName}" not found`);
    }
    writeFiles(dir, files, v.secret.items, v.secret.defaultMode ?? 0o644, v.secret.secretName!, !!v.secret.optional);
    return dir;
  }
  if (v.downwardAPI) {
    for (const item of v.downwardAPI.items ?? []) {
      if (!item.fieldRef) continue;
      writeFiles(dir, { [item.path]: fieldPath(pod, item.fieldRef.fieldPath) }, undefined,
        item.mode ?? v.downwardAPI.defaultMode ?? 0o644, 'downwardAPI', false);
    }
    return dir;
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken) {
        const token = await src.token(pod.spec?.serviceAccountName ?? 'default', s.serviceAccountToken.audience,
          s.serviceAccountToken.expirationSeconds ?? 3607);
        writeFiles(dir, { [s.serviceAccountToken.path]: token }, undefined, mode, 'token', false);
      } else if (s.configMap) {
        const files = s.configMap.name === 'kube-root-ca.crt' ? { 'ca.crt': src.caCert() }
          : await configMapFiles(src, s.configMap.name!);
        if (!files) {
          if (s.configMap.optional) continue;
          throw new VolumeError(`configmap "${s.configMap.name}" not found`);
        }
        writeFiles(dir, files, s.configMap.items, mode, s.configMap.name!, !!s.configMap.optional);
      } else if (s.secret) {
        const files = await src.secret(s.secret.name!);
        if (!files) {
          if (s.secret.optional) continue;
          throw new VolumeError(`secret "${s.secret.name}" not found`);
        }
        writeFiles(dir, files, s.secret.items, mode, s.secret.name!, !!s.secret.optional);
      } else if (s.downwardAPI) {
        for (const item of s.downwardAPI.items ?? []) {
          if (item.fieldRef) writeFiles(dir, { [item.path]: fieldPath(pod, item.fieldRef.fieldPath) }, undefined, item.mode ?? mode, 'downwardAPI', false);
        }
      }
    }
    return dir;
  }
  throw new VolumeError(`volume ${v.name}: unsupported volume type`);
}
