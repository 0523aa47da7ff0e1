// What a run and a recurring run are created from, resolved the same way for both: the request body (JSON), the
// experiment that fixes the namespace, and the pipeline version the caller may read, in that same namespace.
import type { PipelineObject } from '../controller/types.js';
import { badRequest } from './mapping.js';
import type { KubeStore } from './store.js';

export function parseJsonBody<T>(body: Buffer, what: string): T {
  if (body.length === 0) return {} as T;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw badRequest(`the ${what} in the request body is not JSON`);
  }
}

interface SourceFields {
  experiment_id?: string;
  pipeline_version_id?: string;
  pipeline_version_reference?: { pipeline_version_id?: string };
}

export interface RunSource {
  namespace: string;
  experimentId?: string;
  version?: PipelineObject;
  /** The version's references as runFromKfp/recurringFromKfp take them. */
  refs: { versionObject?: string; pipelineId?: string; versionId?: string };
}

/**
 * The namespace (the experiment's, else `namespace`) and the pipeline version of a create request; the caller must
 * be allowed to read the version (`canGet`), and it must be in the run's namespace.
 */
export async function resolveRunSource(store: KubeStore, canGet: (namespace: string) => Promise<void>, body: SourceFields, namespace: string, what: string): Promise<RunSource> {
  let experimentId: string | undefined;
  if (body.experiment_id) {
    const cm = await store.findExperiment(body.experiment_id);
    namespace = cm.metadata!.namespace!;
    experimentId = cm.metadata!.uid;
  }
  const versionId = body.pipeline_version_reference?.pipeline_version_id || body.pipeline_version_id;
  let version: PipelineObject | undefined;
  if (versionId) {
    version = await store.findVersion(versionId);
    await canGet(version.metadata!.namespace!);
    if (version.metadata!.namespace !== namespace) {
      throw badRequest(`pipeline version ${versionId} is in namespace ${version.metadata!.namespace}, the ${what} would be in ${namespace}: a ${what} can only use a pipeline of its own namespace`);
    }
  }
  return {
    namespace, experimentId, version,
    refs: { versionObject: version?.metadata?.name, pipelineId: version?.metadata?.labels?.['pipewright.dev/pipeline-id'], versionId: version?.metadata?.uid },
  };
}
