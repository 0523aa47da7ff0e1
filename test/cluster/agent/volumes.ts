// Pod volumes as host directories under the pod's directory, later bound into each container at its mountPath.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1ProjectedVolumeSource, V1Volume } from '@kubernetes/client-node';
import { fieldPath } from './env.js';
import { claimDir } from './provisioner.js';

export interface VolumeSources {
  configMap(name: string): Promise<{ data: Record<string, string>; binary: Record<string, Buffer> } | undefined>;
  secret(name: string): Promise<Record<string, Buffer> | undefined>;
  token(serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
  caCert(): string;
}

export class VolumeError extends Error {}

interface Target { dir: string; mode: number; what: string; optional: boolean }

function writeFiles(files: Record<string, string | Buffer>, items: V1KeyToPath[] | undefined, t: Target): void {
  const entries = items?.length
    ? items.map((i) => {
      if (!(i.key in files)) {
        if (t.optional) return undefined;
        throw new VolumeError(`configmap/secret ${t.what}: key "${i.key}" not found`);
      }
      return [i.path, files[i.key]!, i.mode ?? t.mode] as const;
    }).filter((e) => e !== undefined)
    : Object.entries(files).map(([k, v]) => [k, v, t.mode] as const);
  for (const [path, content, m] of entries) {
    const file = join(t.dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    chmodSync(file, m);
  }
}

async function configMapFiles(src: VolumeSources, name: string): Promise<Record<string, string | Buffer> | undefined> {
  const cm = await src.configMap(name);
  return cm && { ...cm.data, ...cm.binary };
}

type Source = { kind: 'configMap' | 'secret'; name: string; items?: V1KeyToPath[]; optional?: boolean };

/** A configMap or secret written as files; a missing one is an error unless optional. */
async function objectFiles(src: VolumeSources, s: Source, dir: string, mode: number): Promise<void> {
  const files = s.kind === 'configMap' ? await configMapFiles(src, s.name) : await src.secret(s.name);
  if (!files) {
    if (s.optional) return;
    throw new VolumeError(`${s.kind === 'configMap' ? 'configmap' : 'secret'} "${s.name}" not found`);
  }
  writeFiles(files, s.items, { dir, mode, what: s.name, optional: !!s.optional });
}

function downwardFiles(pod: V1Pod, items: V1DownwardAPIVolumeFile[] | undefined, dir: string, mode: number): void {
  for (const item of items ?? []) {
    if (item.fieldRef) {
      writeFiles({ [item.path]: fieldPath(pod, item.fieldRef.fieldPath) }, undefined,
        { dir, mode: item.mode ?? mode, what: 'downwardAPI', optional: false });
    }
  }
}

async function projectedFiles(pod: V1Pod, p: V1ProjectedVolumeSource, dir: string, src: VolumeSources): Promise<void> {
  const mode = p.defaultMode ?? 0o644;
  for (const s of p.sources ?? []) {
    const sat = s.serviceAccountToken;
    if (sat) {
      const token = await src.token(pod.spec?.serviceAccountName ?? 'default', sat.audience, sat.expirationSeconds ?? 3607);
      writeFiles({ [sat.path]: token }, undefined, { dir, mode, what: 'token', optional: false });
    } else if (s.configMap?.name === 'kube-root-ca.crt') {
      writeFiles({ 'ca.crt': src.caCert() }, s.configMap.items, { dir, mode, what: 'kube-root-ca.crt', optional: false });
    } else if (s.configMap) {
      await objectFiles(src, { kind: 'configMap', name: s.configMap.name!, items: s.configMap.items, optional: s.configMap.optional }, dir, mode);
    } else if (s.secret) {
      await objectFiles(src, { kind: 'secret', name: s.secret.name!, items: s.secret.items, optional: s.secret.optional }, dir, mode);
    } else if (s.downwardAPI) {
      downwardFiles(pod, s.downwardAPI.items, dir, mode);
    }
  }
}

/** Materialises one volume; returns its host path. Missing non-optional sources throw VolumeError (retried). */
export async function prepareVolume(pod: V1Pod, v: V1Volume, podDir: string, nodeRoot: string,
  src: VolumeSources): Promise<string> {
  if (v.hostPath) {
    if (!v.hostPath.type || v.hostPath.type === 'DirectoryOrCreate') mkdirSync(v.hostPath.path, { recursive: true });
    return v.hostPath.path;
  }
  if (v.persistentVolumeClaim) {
    const dir = claimDir(nodeRoot, pod.metadata!.namespace!, v.persistentVolumeClaim.claimName);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  if (v.ephemeral) {
    // The claim the ephemeral-volume controller made for this pod, bound by the provisioner before scheduling.
    const dir = claimDir(nodeRoot, pod.metadata!.namespace!, `${pod.metadata!.name}-${v.name}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const dir = join(podDir, 'volumes', v.name);
  mkdirSync(dir, { recursive: true });
  if (v.emptyDir) return dir;
  if (v.configMap) {
    await objectFiles(src, { kind: 'configMap', name: v.configMap.name!, items: v.configMap.items, optional: v.configMap.optional },
      dir, v.configMap.defaultMode ?? 0o644);
  } else if (v.secret) {
    await objectFiles(src, { kind: 'secret', name: v.secret.secretName!, items: v.secret.items, optional: v.secret.optional },
      dir, v.secret.defaultMode ?? 0o644);
  } else if (v.downwardAPI) {
    downwardFiles(pod, v.downwardAPI.items, dir, v.downwardAPI.defaultMode ?? 0o644);
  } else if (v.projected) {
    await projectedFiles(pod, v.projected, dir, src);
  } else {
    throw new VolumeError(`volume ${v.name}: unsupported volume type`);
  }
  return dir;
}
