// The PipelineRun status: a bounded function of the plan and the observed pods. Pure.
import type { ExecutionFact, NodeKind, NodeOutputs, NodePhase, PlanResult, RunPhase, RuntimeArtifact } from '../engine/state.js';
import type { JsonValue } from '../model/types.js';

export interface StatusArtifact {
  uri: string;
  /** schemaTitle, e.g. system.Dataset. */
  type?: string;
  metadata?: Record<string, JsonValue>;
}

/** One node, small: large values are left to S3 (outputsRef). */
export interface StatusNode {
  phase: NodePhase;
  kind: NodeKind;
  task: string;
  reason?: string;
  message?: string;
  pod?: string;
  attempt?: number;
  startedAt?: string;
  finishedAt?: string;
  outputs?: { parameters?: Record<string, JsonValue>; artifacts?: Record<string, StatusArtifact[]> };
  outputsRef?: string;
  /** Set when the controller itself ended the attempt (cancel, timeout, rejected pod). */
  stopped?: boolean;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface RunStatus {
  phase?: RunPhase;
  progress?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  duration?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  nodes?: Record<string, StatusNode>;
  /** The root pipeline's outputs once the run succeeded, bounded like a node's (see rootOutputs). */
  outputs?: RootOutputs;
}

/** A node's bounded outputs plus what was left out: parameters too large for the status, artifacts without their (large) metadata. */
export type RootOutputs = NonNullable<StatusNode['outputs']> & { omitted?: string[] };

const MESSAGE_LIMIT = 300;

export function isRunFinished(phase: RunPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error' || phase === 'Cancelled';
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${m}m${s % 60}s` : m ? `${m}m${s % 60}s` : `${s}s`;
}

function small(v: unknown, limit: number): boolean {
  return JSON.stringify(v).length <= limit;
}

/** Output values up to `limit` JSON bytes each are kept inline; if anything is left out, the full set is in S3. */
export function boundedOutputs(outputs: NodeOutputs, limit: number): { outputs: NonNullable<StatusNode['outputs']>; complete: boolean } {
  let complete = true;
  const parameters: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(outputs.parameters)) {
    if (small(v, limit)) parameters[k] = v;
    else complete = false;
  }
  const artifacts: Record<string, StatusArtifact[]> = {};
  for (const [k, list] of Object.entries(outputs.artifacts)) {
    artifacts[k] = list.map((a: RuntimeArtifact) => {
      const base = { uri: a.uri, type: a.type.schemaTitle };
      if (Object.keys(a.metadata).length === 0) return base;
      if (small(a.metadata, limit)) return { ...base, metadata: a.metadata };
      complete = false;
      return base;
    });
  }
  const out: NonNullable<StatusNode['outputs']> = {};
  if (Object.keys(parameters).length) out.parameters = parameters;
  if (Object.keys(artifacts).length) out.artifacts = artifacts;
  return { outputs: out, complete };
}

/** The root pipeline's outputs for the status: values and metadata up to `limit` JSON bytes each; the names of those left out in `omitted`. */
export function rootOutputs(outputs: NodeOutputs, limit: number): RootOutputs {
  const { outputs: out, complete } = boundedOutputs(outputs, limit);
  const result: RootOutputs = out;
  if (complete) return result;
  const omitted = Object.keys(outputs.parameters).filter((k) => !(k in (out.parameters ?? {})));
  for (const [k, list] of Object.entries(outputs.artifacts)) {
    if (list.some((a, i) => Object.keys(a.metadata).length > 0 && !out.artifacts?.[k]?.[i]?.metadata)) omitted.push(`${k}.metadata`);
  }
  result.omitted = omitted;
  return result;
}

export interface StatusInput {
  previous: RunStatus;
  plan: PlanResult;
  generation?: number;
  now: string;
  /** Pod name per node id, for the nodes that have one. */
  pods: Record<string, string>;
  /** Per node: the S3 URI of the full outputs when the status holds only part of them. */
  outputsRefs: Record<string, string>;
  /** Nodes the controller ended itself, kept from the previous status. */
  stopped: Record<string, StatusNode>;
  valueLimit: number;
  /** Overrides for a run-level ending the engine cannot see (timeout); `reason` goes to the conditions. */
  override?: { phase: RunPhase; message: string; reason?: string };
}

export function buildStatus(input: StatusInput): RunStatus {
  const { plan, previous, now } = input;
  const nodes: Record<string, StatusNode> = {};
  let done = 0;
  let total = 0;
  let waiting: string | undefined;
  for (const [id, n] of Object.entries(plan.nodes)) {
    const node: StatusNode = { phase: n.phase, kind: n.kind, task: n.displayName };
    if (n.reason) node.reason = n.reason;
    if (n.message) node.message = n.message.slice(0, MESSAGE_LIMIT);
    const pod = input.pods[id];
    if (pod) node.pod = pod;
    if (n.attempt) node.attempt = n.attempt;
    if (n.startedAt) node.startedAt = n.startedAt;
    if (n.finishedAt) node.finishedAt = n.finishedAt;
    if (n.outputs && n.kind !== 'dag' && n.kind !== 'iteration' && n.kind !== 'loop') {
      const b = boundedOutputs(n.outputs, input.valueLimit);
      if (b.outputs.parameters || b.outputs.artifacts) node.outputs = b.outputs;
      const ref = input.outputsRefs[id];
      if (ref) node.outputsRef = ref;
    }
    if (input.stopped[id]) node.stopped = true;
    if (n.kind === 'container' || n.kind === 'importer') {
      total++;
      if (['Succeeded', 'Failed', 'Error', 'Skipped', 'Cached', 'Cancelled'].includes(n.phase)) done++;
      if (!waiting && n.phase === 'Pending' && n.message) waiting = `task ${id}: ${n.message}`;
    }
    nodes[id] = node;
  }
  const phase = input.override?.phase ?? plan.phase;
  const message = (input.override?.message ?? plan.message ?? (phase === 'Running' || phase === 'Pending' ? waiting : undefined))?.slice(0, MESSAGE_LIMIT);
  const startedAt = previous.startedAt ?? (phase !== 'Pending' ? now : undefined);
  const status: RunStatus = { phase, progress: `${done}/${total}`, nodes };
  if (message) status.message = message;
  if (startedAt) status.startedAt = startedAt;
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  if (isRunFinished(phase)) {
    status.finishedAt = previous.finishedAt ?? now;
    if (startedAt) status.duration = formatDuration(Date.parse(status.finishedAt) - Date.parse(startedAt));
    if (plan.outputs && phase === 'Succeeded') {
      const out = rootOutputs(plan.outputs, input.valueLimit);
      if (out.parameters || out.artifacts) status.outputs = out;
    }
  }
  const taskFailed = phase === 'Failed' && Object.values(nodes).some((n) => n.kind === 'container' && n.phase === 'Failed');
  const reason = input.override?.reason ?? (taskFailed ? REASONS.taskFailed : phase);
  status.conditions = runConditions(phase, reason, message, previous, now, input.generation);
  return status;
}

/** Condition reasons beyond the phase names (Pending, Running, Succeeded, Failed, Error, Cancelled). */
export const REASONS = { taskFailed: 'TaskFailed', timeout: 'Timeout', invalidPipeline: 'InvalidPipeline', forbidden: 'Forbidden' } as const;

/**
 * Succeeded (True, False once ended otherwise, Unknown while running: Knative's and Tekton's convention) and
 * Finished (True once the run ended, whatever the outcome), so `kubectl wait --for=condition=Finished` returns on
 * a failed run too, where waiting for Succeeded would hang. Reconciling (True while the run runs) and Stalled
 * (True once it ended without success) are kstatus's conditions, so Flux and cli-utils read a running run as
 * InProgress and a failed one as Failed instead of Current.
 */
export function runConditions(phase: RunPhase, reason: string, message: string | undefined, previous: RunStatus, now: string, generation?: number): Condition[] {
  const finished = isRunFinished(phase);
  const text = message ?? (phase === 'Succeeded' ? 'all tasks finished' : phase === 'Running' ? 'tasks are running' : `run is ${phase.toLowerCase()}`);
  const make = (type: string, st: Condition['status']): Condition => {
    const prev = previous.conditions?.find((c) => c.type === type);
    const c: Condition = { type, status: st, reason, message: text, lastTransitionTime: prev && prev.status === st && prev.reason === reason ? prev.lastTransitionTime : now };
    if (generation !== undefined) c.observedGeneration = generation;
    return c;
  };
  return [
    make('Succeeded', phase === 'Succeeded' ? 'True' : finished ? 'False' : 'Unknown'),
    make('Finished', finished ? 'True' : 'False'),
    make('Reconciling', finished ? 'False' : 'True'),
    make('Stalled', finished && phase !== 'Succeeded' ? 'True' : 'False'),
  ];
}

/** Facts the pods can no longer tell: attempts the controller ended itself, and finished nodes whose pods are gone. */
export function factsFromStatus(nodes: Record<string, StatusNode> | undefined): Record<string, ExecutionFact> {
  const facts: Record<string, ExecutionFact> = {};
  for (const [id, n] of Object.entries(nodes ?? {})) {
    const fact = factFromStatusNode(n);
    if (fact) facts[id] = fact;
  }
  return facts;
}

/** The finished attempt a task node of the status records (outputs as far as the status holds them). */
export function factFromStatusNode(n: StatusNode): ExecutionFact | undefined {
  if (n.kind !== 'container' || !n.attempt) return undefined;
  if (!['Succeeded', 'Failed', 'Error', 'Cached', 'Cancelled'].includes(n.phase)) return undefined;
  const fact: ExecutionFact = { attempt: n.attempt, phase: n.phase as ExecutionFact['phase'] };
  if (n.outputs) fact.outputs = outputsFromStatus(n.outputs);
  if (n.startedAt) fact.startedAt = n.startedAt;
  if (n.finishedAt) fact.finishedAt = n.finishedAt;
  if (n.message) fact.message = n.message;
  return fact;
}

/** Outputs as the status keeps them (values up to the limit; the rest is in S3 at outputsRef). */
export function outputsFromStatus(o: NonNullable<StatusNode['outputs']>): NodeOutputs {
  const artifacts: NodeOutputs['artifacts'] = {};
  for (const [name, list] of Object.entries(o.artifacts ?? {})) {
    artifacts[name] = list.map((a) => ({ name, uri: a.uri, type: { schemaTitle: a.type ?? 'system.Artifact', schemaVersion: '0.0.1' }, metadata: a.metadata ?? {} }));
  }
  return { parameters: { ...(o.parameters ?? {}) }, artifacts };
}
