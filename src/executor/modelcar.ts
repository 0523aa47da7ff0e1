// `oci://` artifacts (KServe modelcars: the model files under /models in an OCI image) on the cluster, as KFP's
// driver mounts them (backend/src/v2/driver: an `oci-prepull` init container checks the image has a non-empty
// /models, an emptyDir at /oci/<ref with / → _>, and the task reads <that>/models). KFP then links the files in
// from a sidecar through a shared process namespace; Pipewright's user step is itself an init container, which a
// sidecar would not start before, so the check-and-copy init container copies /models into the emptyDir. Pure.
import type { V1Container, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { LaunchRequest } from '../engine/state.js';

const PREFIX = 'oci://';
/** An image reference as a registry would accept it: name[:tag][@digest], no spaces or shell characters. */
const IMAGE_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?$/;

export const isOci = (uri: string): boolean => uri.startsWith(PREFIX);

/** Why an oci:// URI cannot be mounted (not an image reference), or undefined. */
export function badModelcarUri(uri: string): { message: string; fix: string } | undefined {
  if (!isOci(uri)) return undefined;
  const ref = uri.slice(PREFIX.length);
  if (IMAGE_REF.test(ref)) return undefined;
  return { message: `artifact URI ${JSON.stringify(uri)} is not an OCI image reference`, fix: 'write oci://<registry>/<repository>[:tag][@sha256:…], e.g. oci://quay.io/org/model:1.0' };
}

/** KFP's path for oci://R/I:T in the task: /oci/R_I:T/models (the SDK's Model.path; LocalPathForURI). */
export function ociLocalPath(uri: string): string {
  return `${ociMountPath(uri)}/models`;
}

const ociMountPath = (uri: string): string => `/oci/${uri.slice(PREFIX.length).replace(/\//g, '_')}`;

// $1: the image, $2: where the emptyDir is. KServe's and KFP's check, then the copy.
const COPY = 'if [ -d /models ] && [ -n "$(ls -A /models)" ]; then mkdir -p "$2/models" && cp -R /models/. "$2/models/" && echo "modelcar $1: /models copied to $2/models"; '
  + 'else echo "modelcar $1: the image has no /models directory or it is empty (a modelcar image keeps the model files under /models)" >&2; exit 1; fi';

export interface ModelcarParts {
  volumes: V1Volume[];
  /** Mounts for the user's container (read-only: the model is an input). */
  mounts: V1VolumeMount[];
  initContainers: V1Container[];
}

/** The pod parts for a launch's oci:// input artifacts (one per image, ordered by input name as KFP does). */
export function modelcarParts(launch: LaunchRequest): ModelcarParts {
  const parts: ModelcarParts = { volumes: [], mounts: [], initContainers: [] };
  const seen = new Set<string>();
  for (const name of Object.keys(launch.inputs.artifacts).sort()) {
    for (const a of launch.inputs.artifacts[name] ?? []) {
      if (!isOci(a.uri) || seen.has(a.uri) || badModelcarUri(a.uri)) continue;
      const i = seen.size;
      seen.add(a.uri);
      const image = a.uri.slice(PREFIX.length);
      const volume = `pw-oci-${i}`;
      const mountPath = ociMountPath(a.uri);
      parts.volumes.push({ name: volume, emptyDir: {} });
      parts.mounts.push({ name: volume, mountPath, readOnly: true });
      parts.initContainers.push({
        name: `modelcar-${i}`,
        image,
        command: ['sh', '-c', COPY, 'modelcar', image, mountPath],
        volumeMounts: [{ name: volume, mountPath }],
        resources: { requests: { cpu: '50m', memory: '64Mi' } },
        terminationMessagePolicy: 'FallbackToLogsOnError',
      });
    }
  }
  return parts;
}
