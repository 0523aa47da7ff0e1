// KFP's ExecutorInput message as protojson (lowerCamelCase), the contract with the SDK's executor.
import type { JsonObject } from '../model/types.js';

export interface ArtifactTypeJson {
  schemaTitle: string;
  schemaVersion: string;
}

export interface RuntimeArtifactJson {
  name: string;
  type: ArtifactTypeJson;
  uri: string;
  metadata?: JsonObject;
}

export interface ArtifactListJson {
  artifacts: RuntimeArtifactJson[];
}

export interface ExecutorInput {
  inputs: {
    parameterValues: JsonObject;
    artifacts: Record<string, ArtifactListJson>;
  };
  outputs: {
    parameters: Record<string, { outputFile: string }>;
    artifacts: Record<string, ArtifactListJson>;
    outputFile: string;
  };
}

/** Run- and task-level values for the pipeline placeholders ({{$.pipeline_job_name}} ...). */
export interface RunInfo {
  jobName: string;
  jobResourceName: string;
  jobUuid: string;
  taskName: string;
  taskUuid: string;
  createTime: string;
  scheduleTime: string;
  pipelineRoot: string;
  workspacePath: string;
}

/** Maps an artifact URI to the path the task sees it at. */
export type LocalPathFn = (uri: string) => string;
