// The PipelineRun and Pipeline custom resources as the controller reads them.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { JsonObject, JsonValue } from '../model/types.js';
import type { PodDefaults } from './pod-spec.js';
import type { RunStatus } from './status.js';

export interface PipelineSource {
  pipelineSpec?: JsonObject;
  platformSpec?: JsonObject;
  pipelineYAML?: string;
}

export interface PipelineRunSpec extends PipelineSource {
  pipelineRef?: { name: string };
  arguments?: Record<string, JsonValue>;
  serviceAccountName?: string;
  timeout?: string;
  parallelism?: number;
  caching?: boolean;
  cancel?: boolean;
  podDefaults?: PodDefaults;
}

export interface PipelineRunObject extends KubernetesObject {
  spec?: PipelineRunSpec;
  status?: RunStatus;
}

export interface PipelineObject extends KubernetesObject {
  spec?: PipelineSource & { description?: string };
}
