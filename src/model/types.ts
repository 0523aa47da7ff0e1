// The pipeline model: one representation for KFP IR and the native spec. Pure data, no I/O.
// Names follow KFP's IR where they exist so a reader of kfp-ir docs finds their way here.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const PARAMETER_TYPES = [
  'STRING',
  'NUMBER_INTEGER',
  'NUMBER_DOUBLE',
  'BOOLEAN',
  'LIST',
  'STRUCT',
  'TASK_FINAL_STATUS',
  'TASK_CONFIG',
] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterDef {
  type: ParameterType;
  /** Typed default (integers already turned back from the IR's floats). */
  default?: JsonValue;
  optional: boolean;
  description?: string;
  /** Allowed values (Literal[...] in the SDK). */
  literals?: JsonValue[];
}

export interface ArtifactTypeRef {
  /** e.g. system.Dataset, system.Model, system.Metrics, system.HTML, or a custom title. */
  schemaTitle: string;
  schemaVersion: string;
}

export interface ArtifactDef {
  type: ArtifactTypeRef;
  isList: boolean;
  optional: boolean;
  description?: string;
}

export interface IoDefinitions {
  parameters: Record<string, ParameterDef>;
  artifacts: Record<string, ArtifactDef>;
}

/** The parts of a task's pod settings a `dsl.TaskConfig` input can receive (KFP's TaskConfigPassthroughType). */
export const TASK_CONFIG_FIELDS = ['RESOURCES', 'ENV', 'KUBERNETES_AFFINITY', 'KUBERNETES_TOLERATIONS', 'KUBERNETES_NODE_SELECTOR', 'KUBERNETES_VOLUMES'] as const;
export type TaskConfigField = (typeof TASK_CONFIG_FIELDS)[number];

/** `task_config_passthroughs` of `@dsl.component`: a field goes to the TaskConfig; the pod keeps it only with applyToTask. */
export interface TaskConfigPassthrough {
  field: TaskConfigField;
  applyToTask: boolean;
}

/** A component is either run by an executor (container, importer) or is itself a DAG. */
export interface Component {
  name: string;
  inputs: IoDefinitions;
  outputs: IoDefinitions;
  implementation: { kind: 'executor'; executor: string } | { kind: 'dag'; dag: Dag };
  /** KFP's taskConfigPassthroughs; absent: every setting applies to the pod and none reaches a TaskConfig. */
  taskConfigPassthroughs?: TaskConfigPassthrough[];
}

export interface Dag {
  tasks: Record<string, Task>;
  outputs: DagOutputs;
}

export interface OutputSelector {
  task: string;
  output: string;
}

export interface DagOutputs {
  /** One selector: plain export. Several: dsl.OneOf, the branch that ran wins. */
  parameters: Record<string, OutputSelector[]>;
  artifacts: Record<string, OutputSelector[]>;
}

export type ParameterBinding =
  /** A literal; strings may hold placeholders such as {{$.inputs.parameters['x']}}. */
  | { kind: 'constant'; value: JsonValue }
  /** An input of the enclosing DAG (componentInputParameter). */
  | { kind: 'input'; name: string; selector?: string }
  /** An output of a sibling task (taskOutputParameter). */
  | { kind: 'task'; task: string; output: string; selector?: string }
  /** PipelineTaskFinalStatus of a sibling (exit handlers). */
  | { kind: 'finalStatus'; task: string };

export type ArtifactBinding =
  | { kind: 'input'; name: string }
  | { kind: 'task'; task: string; output: string };

export interface TaskInputs {
  parameters: Record<string, ParameterBinding>;
  artifacts: Record<string, ArtifactBinding>;
}

export type TriggerStrategy = 'ALL_UPSTREAM_TASKS_SUCCEEDED' | 'ALL_UPSTREAM_TASKS_COMPLETED';

export interface Condition {
  /** A CEL expression. */
  expression: string;
  /**
   * kfp: the context is KFP's ExecutorInput (`inputs.parameter_values['name']`, numbers as doubles).
   * native: the context is `inputs.<name>` with the task's resolved input parameters.
   */
  dialect: 'kfp' | 'native';
}

export type LoopItems =
  | { kind: 'raw'; items: JsonValue[] }
  /** A task input (of the loop task) holding a LIST, or a JSON string of one. */
  | { kind: 'parameter'; input: string }
  /** A task input artifact holding a list of artifacts (KFP's backend rejects this; we run it). */
  | { kind: 'artifacts'; input: string };

export interface LoopSpec {
  /** Name of the input each iteration receives its item under. */
  itemInput: string;
  items: LoopItems;
  parallelism?: number;
}

export interface RetryPolicy {
  maxRetries: number;
  backoffSeconds: number;
  backoffFactor: number;
  maxBackoffSeconds: number;
}

export interface CachingOptions {
  enabled: boolean;
  /** A custom key replaces the computed fingerprint (KFP's cachingOptions.cacheKey). */
  key?: string;
}

export interface Task {
  /** Key in the DAG; unique among siblings. */
  name: string;
  displayName: string;
  component: string;
  /** Upstream sibling tasks (data and ordering dependencies). */
  dependsOn: string[];
  inputs: TaskInputs;
  condition?: Condition;
  triggerStrategy: TriggerStrategy;
  loop?: LoopSpec;
  retry?: RetryPolicy;
  caching: CachingOptions;
  /** Seconds; set_timeout / native timeout. */
  timeoutSeconds?: number;
}

/** A command-line item: a string (maybe with placeholders), or KFP's structured placeholders. */
export type CommandItem =
  | string
  | { concat: CommandItem[] }
  | { ifPresent: { input: string; then: CommandItem[]; else: CommandItem[] } };

export interface Accelerator {
  type: string;
  count: string;
}

export interface Resources {
  /** Kubernetes quantities, or placeholders resolved at launch. */
  cpuRequest?: string;
  cpuLimit?: string;
  memoryRequest?: string;
  memoryLimit?: string;
  accelerator?: Accelerator;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface ContainerExecutor {
  kind: 'container';
  image: string;
  command: CommandItem[];
  args: CommandItem[];
  env: EnvVar[];
  resources: Resources;
  /**
   * kfp-kubernetes' CreatePVC / DeletePVC compile to container components with the stub images
   * `argostub/createpvc` / `argostub/deletepvc`: the executor performs them itself instead of running a container.
   */
  platformOp?: PlatformOp;
}

export type PlatformOp = 'createPvc' | 'deletePvc';

export interface ImporterExecutor {
  kind: 'importer';
  /** Either a constant URI or the name of a component input holding it. */
  uri: { kind: 'constant'; value: string } | { kind: 'input'; name: string };
  type: ArtifactTypeRef;
  metadata: JsonObject;
  reimport: boolean;
}

export type Executor = ContainerExecutor | ImporterExecutor;

/**
 * kfp-kubernetes' KubernetesExecutorConfig, per executor label. Kept as parsed JSON: the pod
 * builder reads the fields it supports and validation names the ones it does not.
 */
export type KubernetesExecutorConfig = JsonObject;

export interface PlatformSpec {
  executors: Record<string, KubernetesExecutorConfig>;
  pipelineConfig?: JsonObject;
}

export type PipelineSource = 'kfp-ir' | 'native';

export interface Pipeline {
  name: string;
  displayName?: string;
  description?: string;
  source: PipelineSource;
  schemaVersion: string;
  sdkVersion?: string;
  defaultPipelineRoot?: string;
  /** The pipeline itself: a component whose implementation is a DAG. */
  root: Component;
  components: Record<string, Component>;
  executors: Record<string, Executor>;
  platform: PlatformSpec;
}

/** Where something is, for messages a person can act on. */
export interface SourceLocation {
  file?: string;
  /** YAML path such as root.dag.tasks.train.inputs.parameters.lr */
  path?: string;
  task?: string;
}
