// Artifact URIs a mode cannot serve, found as early as possible: an `oci://` importer (a KServe modelcar) is
// refused by the local runner at load time when its URI is a constant (validate.ts localRunRefusals), else when
// the importer is planned (PlanInput.checkImportUri). On the cluster the image is mounted (executor/modelcar.ts).

export interface UnsupportedUri {
  message: string;
  fix: string;
}

export const isOciUri = (uri: string): boolean => /^oci:\/\//i.test(uri.trim());

/**
 * Why the local runner cannot use an imported artifact URI, or undefined when it may. `oci://` names an OCI image
 * (a KServe "modelcar": the model files under /models in an image), which the cluster mounts from the image;
 * locally there is no image to mount.
 */
export function unsupportedLocalArtifactUri(uri: string): UnsupportedUri | undefined {
  if (!isOciUri(uri)) return undefined;
  return {
    message: `artifact URI ${uri} is an OCI image (modelcar); the local runner cannot mount images (on a cluster Pipewright mounts its /models as KFP does)`,
    fix: 'run it on the cluster (kubectl apply a PipelineRun), or copy the model files out of the image (e.g. `crane export` or `oras pull`) and import that local path instead',
  };
}
