// The one source of truth for the Pipeline and PipelineRun OpenAPI v3 structural schemas. crds/*.yaml and
// charts/pipewright/files/crds/*.yaml are generated from here (npm run gen:crds); a unit test keeps them equal.
import { DURATION_PATTERN } from '../model/duration.js';
import { RUN_PHASES } from '../engine/state.js';

export interface ValidationRule {
  rule: string;
  message: string;
  /** Set for rules whose failure belongs to one field (kubectl shows that path). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps we use. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  pattern?: string;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}

const str = (description: string, extra: Partial<Schema> = {}): Schema => ({ type: 'string', description, ...extra });
const anyObject = (description: string): Schema => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });
const stringMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string' } });

/** A DNS-1123 subdomain (object names such as Pipelines and ServiceAccounts). */
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Go-style durations such as 30m, 1h, 1h30m, 90s. */
export { DURATION_PATTERN };
/** etcd refuses objects above 1.5 MiB; a compiled pipeline this large belongs in a Pipeline object anyway. */
const MAX_PIPELINE_YAML = 1_000_000;

const pipelineSpecField = anyObject(
  'The pipeline inline: a KFP IR PipelineSpec (document 1 of a compiled pipeline) or a Pipewright native spec.',
);
const platformSpecField = anyObject('KFP IR PlatformSpec (document 2 of a compiled pipeline: kfp-kubernetes settings).');
const pipelineYamlField = str('The compiled KFP IR YAML verbatim, both documents; the simplest way to submit `kfp compile` output.', {
  maxLength: MAX_PIPELINE_YAML,
});

export const pipelineSpecSchema: Schema = {
  type: 'object',
  description: 'A reusable pipeline definition, referenced by PipelineRuns through spec.pipelineRef.',
  properties: {
    description: str('What the pipeline does, for people.', { maxLength: 4096 }),
    pipelineSpec: pipelineSpecField,
    platformSpec: platformSpecField,
    pipelineYAML: pipelineYamlField,
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.pipelineSpec) != has(self.pipelineYAML)',
      message: 'set exactly one of spec.pipelineSpec (an IR or native spec object) or spec.pipelineYAML (the compiled YAML as a string)',
    },
    {
      rule: '!has(self.platformSpec) || has(self.pipelineSpec)',
      message: 'spec.platformSpec goes with spec.pipelineSpec; spec.pipelineYAML carries its own platform document',
      fieldPath: '.platformSpec',
    },
  ],
};

/** Fields a run is defined by; they never change after creation (spec.cancel is the one exception). */
export const IMMUTABLE_RUN_FIELDS = [
  'pipelineRef', 'pipelineSpec', 'platformSpec', 'pipelineYAML', 'arguments',
  'serviceAccountName', 'timeout', 'pendingTimeout', 'parallelism', 'caching', 'podDefaults',
] as const;

export const IMMUTABLE_MESSAGE = 'a PipelineRun cannot be changed after it is created (only spec.cancel, spec.retry, spec.ttlStrategy and spec.podGC can be set): create a new PipelineRun instead';

const POD_GC_STRATEGIES = ['Never', 'OnTaskCompletion', 'OnTaskSuccess', 'OnRunCompletion', 'OnRunSuccess'];
const seconds = (description: string): Schema => ({ type: 'integer', format: 'int32', minimum: 0, maximum: 31_536_000, description });

/** When a finished run is deleted (Argo's ttlStrategy names). Settable after creation. */
const ttlStrategy: Schema = {
  type: 'object',
  description: 'Delete the run (its pods and claims go with it) this long after it finished; the outcome\'s own setting wins over secondsAfterCompletion. Default: the controller\'s PIPEWRIGHT_TTL_* settings (none: kept).',
  properties: {
    secondsAfterCompletion: seconds('Seconds after the run finished, whatever the outcome.'),
    secondsAfterSuccess: seconds('Seconds after the run succeeded.'),
    secondsAfterFailure: seconds('Seconds after the run failed, errored or was cancelled.'),
    deleteArtifacts: {
      type: 'boolean',
      description: 'Delete the run\'s artifacts when the run is deleted (by its TTL or by hand); bounded by the controller\'s PIPEWRIGHT_ARTIFACT_DELETE_TIMEOUT_SECONDS, or skipped with the annotation pipewright.dev/skip-artifact-deletion: "true". Default: PIPEWRIGHT_DELETE_ARTIFACTS_WITH_RUN (false).',
    },
  },
};

const podGC: Schema = {
  type: 'object',
  description: 'Which task pods are deleted when (their results are in the status first). Default: the controller\'s PIPEWRIGHT_POD_GC_STRATEGY (Never).',
  properties: {
    strategy: {
      type: 'string',
      enum: POD_GC_STRATEGIES,
      description: 'Never; OnTaskCompletion / OnTaskSuccess: each pod once its task ended (succeeded) and the status recorded it; OnRunCompletion / OnRunSuccess: every pod once the run ended (succeeded).',
    },
    keepLast: { type: 'integer', format: 'int32', minimum: 0, maximum: 10_000, description: 'Of the pods the strategy would delete, keep the N that finished last.' },
  },
};

const podDefaults: Schema = {
  type: 'object',
  description: 'Applied to every task pod of the run (task-level kfp-kubernetes settings win).',
  properties: {
    labels: stringMap('Labels added to task pods.'),
    annotations: stringMap('Annotations added to task pods.'),
    nodeSelector: stringMap('Node selector for task pods.'),
    tolerations: {
      type: 'array',
      description: 'Tolerations for task pods (core/v1 Toleration objects).',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      'x-kubernetes-list-type': 'atomic',
    },
    imagePullSecrets: {
      type: 'array',
      description: 'Secrets for pulling task images.',
      items: { type: 'object', required: ['name'], properties: { name: str('Secret name.', { minLength: 1, maxLength: 253 }) } },
      'x-kubernetes-list-type': 'atomic',
    },
  },
};

function runSpecRules(): ValidationRule[] {
  const presence = IMMUTABLE_RUN_FIELDS.map((f) => `has(self.${f}) == has(oldSelf.${f})`).join(' && ');
  return [
    {
      rule: '[has(self.pipelineRef), has(self.pipelineSpec), has(self.pipelineYAML)].filter(x, x).size() == 1',
      message: 'set exactly one of spec.pipelineRef (a Pipeline by name), spec.pipelineSpec (inline object) or spec.pipelineYAML (compiled YAML string)',
    },
    {
      rule: '!has(self.platformSpec) || has(self.pipelineSpec)',
      message: 'spec.platformSpec goes with spec.pipelineSpec; a referenced Pipeline or spec.pipelineYAML carries its own',
      fieldPath: '.platformSpec',
    },
    // Transition rules: evaluated on updates only.
    {
      rule: '!(has(oldSelf.cancel) && oldSelf.cancel) || (has(self.cancel) && self.cancel) || (has(self.retry) && (!has(oldSelf.retry) || self.retry > oldSelf.retry))',
      message: 'spec.cancel cannot go back to false on its own: to run a cancelled run again, set spec.cancel to false and bump spec.retry in the same update',
      fieldPath: '.cancel',
    },
    {
      rule: '!has(oldSelf.retry) || (has(self.retry) && self.retry >= oldSelf.retry)',
      message: 'spec.retry only goes up: bump it (to one more than now) to retry the run again',
      fieldPath: '.retry',
    },
    { rule: presence, message: IMMUTABLE_MESSAGE },
  ];
}

/** Fields compared as a whole on update; presence changes are caught by the spec-level rule. */
function immutable(s: Schema): Schema {
  return { ...s, 'x-kubernetes-validations': [...(s['x-kubernetes-validations'] ?? []), { rule: 'self == oldSelf', message: IMMUTABLE_MESSAGE }] };
}

export const pipelineRunSpecSchema: Schema = {
  type: 'object',
  description: 'One execution of a pipeline: where it comes from, its arguments and how to run it.',
  properties: {
    pipelineRef: immutable({
      type: 'object',
      description: 'A Pipeline in the same namespace.',
      required: ['name'],
      properties: { name: str('Pipeline name.', { minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }) },
    }),
    pipelineSpec: immutable(pipelineSpecField),
    platformSpec: immutable(platformSpecField),
    pipelineYAML: immutable(pipelineYamlField),
    arguments: immutable({
      ...anyObject(
        'Pipeline parameter values by name (strings, numbers, booleans, lists, objects). Names are checked against ' +
          'the pipeline by the controller: untyped values are invisible to CRD validation rules.',
      ),
      maxProperties: 512,
    }),
    serviceAccountName: immutable(str('ServiceAccount the task pods run as (default: the namespace default).', {
      maxLength: 253, pattern: DNS_SUBDOMAIN,
    })),
    timeout: immutable(str('Whole-run deadline as a duration (30m, 1h, 1h30m); tasks still running then are stopped.', {
      maxLength: 64, pattern: DURATION_PATTERN,
    })),
    pendingTimeout: immutable(str('How long a task pod may stay pending with a problem (an unbindable claim, no node fits, an image that cannot be pulled) before its task fails with that problem, as a duration (10m, 1h; 0s: no limit). Default: the operator\'s PIPEWRIGHT_PENDING_DEADLINE_SECONDS (600).', {
      maxLength: 64, pattern: DURATION_PATTERN,
    })),
    parallelism: immutable({ type: 'integer', format: 'int32', minimum: 1, maximum: 1000, description: 'Most task pods running at once.' }),
    caching: immutable({ type: 'boolean', default: true, description: 'Reuse outputs of identical earlier tasks (tasks may still opt out).' }),
    cancel: { type: 'boolean', description: 'Set to true to cancel: running task pods are stopped, nothing new starts.' },
    podDefaults: immutable(podDefaults),
    retry: {
      type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000,
      description: 'Bump (e.g. 0 → 1) to retry a finished Failed, Error or Cancelled run in place: tasks that did not succeed run again, succeeded ones keep their outputs.',
    },
    ttlStrategy,
    podGC,
  },
  'x-kubernetes-validations': runSpecRules(),
};

export { RUN_PHASES };

export const condition: Schema = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: str('Succeeded (True, False once ended otherwise, Unknown while running); Finished (True once ended); Reconciling and Stalled (kstatus); Valid (Pipelines).', { maxLength: 316 }),
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: str('CamelCase reason (e.g. Running, Succeeded, TaskFailed, Cancelled, Timeout).', { maxLength: 1024 }),
    message: str('Human-readable detail.', { maxLength: 32768 }),
    lastTransitionTime: str('When status last changed.', { format: 'date-time' }),
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
  },
};

export const pipelineRunStatusSchema: Schema = {
  type: 'object',
  description: 'Written by the controller only.',
  properties: {
    phase: { type: 'string', enum: [...RUN_PHASES] },
    progress: str('Finished executable tasks over all known so far, e.g. 3/5.'),
    message: str('Why the run is where it is: the failing task, its exit code and reason.'),
    startedAt: str('When the run started.', { format: 'date-time' }),
    finishedAt: str('When the run finished.', { format: 'date-time' }),
    duration: str('Wall time, e.g. 1m42s (running runs: so far).'),
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    nodes: anyObject('Per-node state keyed by deterministic node id (phase, pod, attempt, times, short message, output keys).'),
    outputs: anyObject('Pipeline outputs once the run succeeded (parameters and artifact references).'),
    nodesRef: str('Set when `nodes` holds only part of a large run: the S3 URI of a JSON object with every node, written by the controller.'),
    nodesSummary: anyObject('With nodesRef: nodes in all and inline, and per loop its iterations by phase.'),
    retry: {
      type: 'object',
      description: 'Set once spec.retry was acted on.',
      properties: {
        generation: { type: 'integer', format: 'int64', minimum: 0, description: 'The spec.retry last acted on.' },
        count: { type: 'integer', format: 'int64', minimum: 0, description: 'How many times the run was retried.' },
        attemptBase: { type: 'integer', format: 'int64', minimum: 0, description: 'Attempts numbered up to this belong to earlier rounds.' },
        retriedAt: str('When the last retry started.', { format: 'date-time' }),
      },
    },
    historyRef: str('Where the finished run\'s summary is kept in the artifact store (it outlives the run).'),
  },
};

export const pipelineStatusSchema: Schema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    valid: { type: 'boolean', description: 'Whether the pipeline parsed and validated (written by the controller).' },
    message: str('Validation problems, if any.'),
    conditions: {
      type: 'array',
      description: 'Valid: True when the pipeline parsed and validated, False (reason InvalidPipeline) otherwise.',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  },
};
