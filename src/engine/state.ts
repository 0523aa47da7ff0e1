// Run state: the facts an executor observes, and the view the engine derives from them.
// Everything here is plain data so it can be stored in a PipelineRun's status or a local JSON file.
import type { ArtifactTypeRef, JsonObject, JsonValue, Pipeline } from '../model/types.js';
import type { PlanCache } from './plan-cache.js';

/** Phases of a node. Failed is the user's code failing; Error is infrastructure (pod lost, S3 down). */
export type NodePhase =
  | 'Pending'
  | 'Running'
  | 'Succeeded'
  | 'Failed'
  | 'Error'
  | 'Skipped'
  | 'Cached'
  | 'Cancelled';

export const RUN_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Cancelled'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** A run in one of these phases is finished: nothing of it runs again. */
export const TERMINAL_RUN_PHASES: ReadonlySet<RunPhase> = new Set(['Succeeded', 'Failed', 'Error', 'Cancelled']);

export function isRunTerminal(phase: RunPhase | undefined): boolean {
  return phase !== undefined && TERMINAL_RUN_PHASES.has(phase);
}

/** A node in one of these phases is not finished: waiting for its pod, or running. */
export const ACTIVE_NODE_PHASES: ReadonlySet<NodePhase> = new Set(['Pending', 'Running']);

export const TERMINAL_NODE_PHASES: ReadonlySet<NodePhase> = new Set([
  'Succeeded',
  'Failed',
  'Error',
  'Skipped',
  'Cached',
  'Cancelled',
]);

export function isTerminal(phase: NodePhase): boolean {
  return TERMINAL_NODE_PHASES.has(phase);
}

/** The terminal phases an executed attempt can end in (Skipped is decided by the plan, never executed). */
export function isFinishedAttempt(phase: NodePhase): boolean {
  return phase !== 'Skipped' && isTerminal(phase);
}

/** Succeeded or Cached: outputs are available. */
export function isSuccessful(phase: NodePhase): boolean {
  return phase === 'Succeeded' || phase === 'Cached';
}

/** An artifact as it exists at run time. */
export interface RuntimeArtifact {
  /** Output name for outputs, or a stable id. */
  name: string;
  uri: string;
  type: ArtifactTypeRef;
  metadata: JsonObject;
}

export interface NodeOutputs {
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, RuntimeArtifact[]>;
}

/** Why a node was skipped; ordered roughly by how often users meet them. */
export type SkipReason =
  | 'ConditionFalse'
  | 'UpstreamSkipped'
  | 'UpstreamFailed'
  | 'RunCancelled'
  | 'EmptyLoop';

/**
 * What an executor observed about one attempt of an executable node (container or importer task).
 * These are the only inputs the engine needs besides the pipeline and the run's arguments.
 */
export interface ExecutionFact {
  /** 1-based attempt number this fact describes. */
  attempt: number;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Cached' | 'Cancelled';
  startedAt?: string;
  finishedAt?: string;
  outputs?: NodeOutputs;
  exitCode?: number;
  /** Short, human: "exit code 3: ValueError: bad input". */
  message?: string;
  /**
   * Pending with a problem that needs someone to act (message says which: an unbindable claim, no node fits, an
   * image that cannot be pulled): since when its pod exists. The pending deadline counts from here.
   */
  stuckSince?: string;
}

export type NodeKind = 'container' | 'importer' | 'dag' | 'loop' | 'iteration';

/** The engine's view of one node (task, DAG, loop or loop iteration). */
export interface NodeView {
  /** Deterministic id: path of task names, iterations as `loop[i]`, e.g. `for-loop-2[1]/train`. */
  id: string;
  /** Task key in its DAG (or `loop[i]` for iterations). */
  task: string;
  displayName: string;
  parent?: string;
  kind: NodeKind;
  phase: NodePhase;
  reason?: SkipReason;
  message?: string;
  attempt?: number;
  startedAt?: string;
  finishedAt?: string;
  outputs?: NodeOutputs;
  /** Resolved input parameter values (for display and for the condition that was evaluated). */
  inputs?: Record<string, JsonValue>;
}

/** Identity of the run, for artifact URIs and pipeline placeholders. */
export interface RunContext {
  /** Run object name (`{{$.pipeline_job_resource_name}}`). */
  name: string;
  /** Display name (`{{$.pipeline_job_name}}`). */
  displayName: string;
  uid: string;
  namespace: string;
  /** e.g. minio://pipewright/v2/artifacts or file:///home/me/.pipewright/artifacts */
  pipelineRoot: string;
  createTime: string;
}

export interface ResolvedInputs {
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, RuntimeArtifact[]>;
}

export interface OutputParameterSpec {
  type: string;
}

export interface OutputArtifactSpec {
  uri: string;
  type: ArtifactTypeRef;
}

/** Start (or restart) one attempt of an executable node. */
export interface LaunchRequest {
  nodeId: string;
  taskName: string;
  displayName: string;
  attempt: number;
  componentName: string;
  executorLabel: string;
  inputs: ResolvedInputs;
  outputs: {
    parameters: Record<string, OutputParameterSpec>;
    artifacts: Record<string, OutputArtifactSpec>;
  };
  /** Per-attempt output directory URI; executor_output.json lives here. */
  taskRoot: string;
  /**
   * Constant inputs written with placeholders, as compiled (parameterTemplates): each mode expands these, once,
   * when it builds the ExecutorInput. No other parameter value is expanded. Absent when there are none.
   */
  templates?: Record<string, string>;
  /**
   * Values the task's kfp-kubernetes config names (a secret or PVC name from a parameter): inputs of the
   * enclosing DAG by name (componentInputParameter), sibling outputs as `<task>.<output>`
   * (taskOutputParameter). Absent when the config names none.
   */
  platformParameters?: Record<string, JsonValue>;
  /** sha256 fingerprint of component + resolved inputs when caching is on for this task. */
  cacheFingerprint?: string;
  timeoutSeconds?: number;
}

export interface PlanInput {
  pipeline: Pipeline;
  /** Run arguments as given (strings from a CLI are coerced by the engine against parameter types). */
  arguments: Record<string, JsonValue>;
  facts: Record<string, ExecutionFact>;
  run: RunContext;
  /** ISO time; the engine has no clock. */
  now: string;
  cancelRequested?: boolean;
  /** Maximum executable nodes running at once; unlimited when absent. */
  parallelism?: number;
  /** Run-level switch; tasks still opt out one by one (set_caching_options(False)). Default true. */
  enableCaching?: boolean;
  /**
   * Why an importer may not import this URI (the controller's tenancy rules), or undefined when it may. A URI
   * from a parameter is only known here; the importer then fails instead of succeeding. Absent: any URI.
   */
  checkImportUri?: (uri: string) => { message: string; fix: string } | undefined;
  /** Most launch requests in this result (a caller bounding its work per pass); the rest come in a later plan. */
  maxLaunches?: number;
  /**
   * Set once a finished run is retried in place (spec.retry): attempts numbered up to this belong to earlier rounds.
   * Their failures and cancellations are forgotten, so those tasks run again from attempt retryBase + 1 (a new pod
   * name) with their task-level retry budget whole; their successes stand. Absent: 0.
   */
  retryBase?: number;
  /**
   * A task whose pod stays pending with a problem (ExecutionFact.stuckSince) this long is stopped and fails with
   * that problem, instead of the run waiting for ever. Absent: no limit.
   */
  pendingDeadlineSeconds?: number;
  /** What the last plan of this run kept (plan-cache.ts): the same plan in less time. Absent: everything evaluated. */
  cache?: PlanCache;
}

export interface PlanResult {
  phase: RunPhase;
  /** Set when the run ended badly: names the task, exit code, reason. */
  message?: string;
  nodes: Record<string, NodeView>;
  /** Executable nodes to start now. */
  launch: LaunchRequest[];
  /** Running executable nodes the executor should stop (cancel, timeout). */
  stop: { nodeId: string; reason: string }[];
  /** Earliest time the plan may change without a new fact (retry backoff, timeout). */
  wakeAt?: string;
  /** Root DAG outputs once the run succeeded. */
  outputs?: NodeOutputs;
}
