// Artifact URIs Pipewright cannot serve in any mode, found as early as possible: at load time when the
// importer's URI is a constant (validate.ts), else when the importer is planned (engine/plan.ts).

export interface UnsupportedUri {
  message: string;
  fix: string;
}

/**
 * Why an imported artifact URI cannot be used, or undefined when it may be. `oci://` names an OCI image
 * (a KServe "modelcar": the model files inside an image), which KFP's launcher mounts from the image;
 * neither the local runner nor the operator's pods can read one.
 */
export function unsupportedArtifactUri(uri: string): UnsupportedUri | undefined {
  if (/^oci:\/\//i.test(uri.trim())) {
    return {
      message: `artifact URI ${uri} is an OCI image (modelcar); Pipewright does not support oci:// artifacts, locally or on the cluster (KFP mounts the image; Pipewright does not)`,
      fix: 'copy the model files out of the image (e.g. `crane export` or `oras pull`) into object storage and import that URI instead: s3:// or minio:// on the cluster, a local path or file:// locally',
    };
  }
  return undefined;
}
