// The JSON shapes of KFP's v2beta1 REST API, as the generated client `kfp-server-api` (the contract) reads and
// writes them: snake_case keys, timestamps as RFC 3339 strings, enums as their names. Only what we fill is typed.
import type { JsonObject, JsonValue } from '../model/types.js';

export type RuntimeState =
  | 'RUNTIME_STATE_UNSPECIFIED' | 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'SKIPPED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'PAUSED';

export type StorageState = 'AVAILABLE' | 'ARCHIVED';

/** google.rpc.Status, also the body of every error answer. */
export interface RpcStatus {
  code: number;
  message: string;
  details?: JsonValue[];
}

export interface KfpExperiment {
  experiment_id?: string;
  display_name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
  storage_state?: StorageState;
  last_run_created_at?: string;
}

export interface KfpPipeline {
  pipeline_id?: string;
  display_name?: string;
  name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
}

export interface KfpPipelineVersion {
  pipeline_id?: string;
  pipeline_version_id?: string;
  display_name?: string;
  name?: string;
  description?: string;
  created_at?: string;
  package_url?: { pipeline_url?: string };
  pipeline_spec?: JsonObject;
}

export interface KfpRuntimeConfig {
  parameters?: Record<string, JsonValue>;
  pipeline_root?: string;
}

export interface KfpTaskDetail {
  run_id: string;
  task_id: string;
  display_name: string;
  create_time?: string;
  start_time?: string;
  end_time?: string;
  state: RuntimeState;
  error?: RpcStatus;
  executor_detail?: { main_job?: string };
  /** Artifact ids by output name. We have no metadata store: an artifact's id is its URI; a parameter output's is its JSON value. */
  outputs?: Record<string, { artifact_ids: string[] }>;
  parent_task_id?: string;
  pod_name?: string;
  child_tasks?: { task_id: string; pod_name?: string }[];
  /** Not in KFP: the outputs with their values and metadata (the generated client ignores unknown keys). */
  pipewright_node?: { phase: string; kind: string; reason?: string; message?: string; attempt?: number };
  pipewright_outputs?: JsonObject;
}

export interface KfpRun {
  experiment_id?: string;
  run_id?: string;
  /** The recurring run that made this run, if any. */
  recurring_run_id?: string;
  display_name?: string;
  storage_state?: StorageState;
  description?: string;
  pipeline_version_id?: string;
  pipeline_spec?: JsonObject;
  pipeline_version_reference?: { pipeline_id?: string; pipeline_version_id?: string };
  runtime_config?: KfpRuntimeConfig;
  service_account?: string;
  created_at?: string;
  scheduled_at?: string;
  finished_at?: string;
  state?: RuntimeState;
  error?: RpcStatus;
  run_details?: { task_details: KfpTaskDetail[] };
  state_history?: { update_time: string; state: RuntimeState }[];
  /** Not in KFP: the run's object is gone; it is shown from its history summary (archived). */
  pipewright_history?: boolean;
}

/** filter.proto: predicates ANDed. The SDK writes camelCase value keys (stringValue), grpc-gateway accepts both. */
export interface KfpPredicate {
  operation?: string | number;
  key?: string;
  string_value?: string; stringValue?: string;
  int_value?: number; intValue?: number;
  long_value?: string | number; longValue?: string | number;
  timestamp_value?: string; timestampValue?: string;
  string_values?: { values?: string[] }; stringValues?: { values?: string[] };
  int_values?: { values?: number[] }; intValues?: { values?: number[] };
  long_values?: { values?: (string | number)[] }; longValues?: { values?: (string | number)[] };
}

export interface KfpFilter {
  predicates?: KfpPredicate[];
}

export interface KfpTriggerWindow {
  start_time?: string;
  end_time?: string;
}

/** recurring_run.proto's Trigger: a cron (6 fields, seconds first, as robfig/cron) or a period in seconds. */
export interface KfpTrigger {
  cron_schedule?: KfpTriggerWindow & { cron?: string };
  periodic_schedule?: KfpTriggerWindow & { interval_second?: string | number };
}

export interface KfpRecurringRun {
  recurring_run_id?: string;
  display_name?: string;
  description?: string;
  pipeline_version_id?: string;
  pipeline_spec?: JsonObject;
  pipeline_version_reference?: { pipeline_id?: string; pipeline_version_id?: string };
  runtime_config?: KfpRuntimeConfig;
  service_account?: string;
  /** int64, which grpc-gateway writes as a string. */
  max_concurrency?: string | number;
  trigger?: KfpTrigger;
  mode?: 'MODE_UNSPECIFIED' | 'ENABLE' | 'DISABLE';
  created_at?: string;
  updated_at?: string;
  status?: 'STATUS_UNSPECIFIED' | 'ENABLED' | 'DISABLED';
  error?: RpcStatus;
  no_catchup?: boolean;
  namespace?: string;
  experiment_id?: string;
}
