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
  /** How long a task pod may stay pending with a problem before its task fails (src/controller/reconcile-plan.ts). */
  pendingTimeout?: string;
  parallelism?: number;
  caching?: boolean;
  cancel?: boolean;
  podDefaults?: PodDefaults;
  /** Bump to retry a finished Failed, Error or Cancelled run in place (src/controller/run-retry.ts). */
  retry?: number;
  /** When the finished run is deleted (src/controller/run-gc.ts). */
  ttlStrategy?: TtlStrategy;
  /** Which task pods are deleted when (src/controller/run-gc.ts). */
  podGC?: PodGC;
}

/** Seconds after the run finished; the outcome's own setting wins over secondsAfterCompletion. Argo's names. */
export interface TtlStrategy {
  secondsAfterCompletion?: number;
  secondsAfterSuccess?: number;
  secondsAfterFailure?: number;
  /** Delete the run's artifacts when the run is deleted (src/controller/run-artifact-gc.ts). */
  deleteArtifacts?: boolean;
}

export const POD_GC_STRATEGIES = ['Never', 'OnTaskCompletion', 'OnTaskSuccess', 'OnRunCompletion', 'OnRunSuccess'] as const;
export type PodGCStrategy = (typeof POD_GC_STRATEGIES)[number];

export interface PodGC {
  strategy?: PodGCStrategy;
  /** Of the pods the strategy would delete, the N that finished last are kept (logs of the latest tasks). */
  keepLast?: number;
}

export interface PipelineRunObject extends KubernetesObject {
  spec?: PipelineRunSpec;
  status?: RunStatus;
}

export interface PipelineObject extends KubernetesObject {
  spec?: PipelineSource & { description?: string };
}
