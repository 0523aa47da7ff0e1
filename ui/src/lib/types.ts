// The KFP v2beta1 objects the UI reads (snake_case JSON as `pipewright server` sends it), plus Pipewright's extra keys.
export type RunState = 'RUNTIME_STATE_UNSPECIFIED' | 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'SKIPPED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'PAUSED';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Artifact {
  uri: string;
  type?: string;
  metadata?: Record<string, Json>;
}

export interface TaskDetail {
  run_id: string;
  task_id: string;
  display_name?: string;
  start_time?: string;
  end_time?: string;
  state?: RunState;
  error?: { message?: string };
  pod_name?: string;
  parent_task_id?: string;
  pipewright_outputs?: { parameters?: Record<string, Json>; artifacts?: Record<string, Artifact[]> };
  /** The node as the controller records it: phase (Cached, Skipped...), kind, reason and message. */
  pipewright_node?: { phase?: string; kind?: string; reason?: string; message?: string; attempt?: number };
}

export interface Run {
  run_id: string;
  display_name?: string;
  description?: string;
  experiment_id?: string;
  namespace?: string;
  state?: RunState;
  storage_state?: string;
  created_at?: string;
  scheduled_at?: string;
  finished_at?: string;
  error?: { message?: string };
  pipeline_spec?: Record<string, Json>;
  pipeline_version_reference?: { pipeline_id?: string; pipeline_version_id?: string };
  runtime_config?: { parameters?: Record<string, Json>; pipeline_root?: string };
  run_details?: { task_details?: TaskDetail[] };
}

export interface Experiment {
  experiment_id: string;
  display_name: string;
  description?: string;
  created_at?: string;
  namespace?: string;
  storage_state?: string;
}

export interface Pipeline {
  pipeline_id: string;
  display_name: string;
  name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
}

export interface PipelineVersion {
  pipeline_id: string;
  pipeline_version_id: string;
  display_name: string;
  description?: string;
  created_at?: string;
  pipeline_spec?: Record<string, Json>;
}

export interface ListResponse<T> {
  items: T[];
  total: number;
  next: string;
}
