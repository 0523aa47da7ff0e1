// The PipelineRun status: a bounded function of the plan and the observed pods. Pure.
import { ACTIVE_NODE_PHASES, isFinishedAttempt, isRunTerminal, isTerminal, type ExecutionFact, type NodeKind, type NodeOutputs, type NodePhase, type PlanResult, type RunPhase, type RuntimeArtifact } from '../engine/state.js';
import type { JsonValue } from '../model/types.js';
import { Reason } from './reasons.js';
import { dict, own } from '../util/own.js';

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
  /**
   * Set when `nodes` holds only part of the nodes (a run too large for the 1 MiB status): the S3 URI of a JSON
   * object `{ nodes }` with every node, written by the controller before this status.
   */
  nodesRef?: string;
  /** With nodesRef: how many nodes there are in all, and per loop how many iterations are in each phase. */
  nodesSummary?: NodesSummary;
  /** The root pipeline's outputs once the run succeeded, bounded like a node's (see rootOutputs). */
  outputs?: RootOutputs;
  /** Set once spec.retry was acted on (src/controller/run-retry.ts); kept by every later status. */
  retry?: { generation: number; count: number; attemptBase: number; retriedAt?: string };
  /** Where the finished run's history is in the artifact store (src/controller/run-history.ts). */
  historyRef?: string;
}

/** A node's bounded outputs plus what was left out: parameters too large for the status, artifacts without their (large) metadata. */
export type RootOutputs = NonNullable<StatusNode['outputs']> & { omitted?: string[] };

const MESSAGE_LIMIT = 300;

/** One definition of a finished run (engine/state.ts), under the name the controller reads it by. */
export const isRunFinished = isRunTerminal;

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

/** One node of the plan as the status keeps it: bounded message and outputs, its pod, whether the controller ended it. */
function statusNode(id: string, n: PlanResult['nodes'][string], input: StatusInput): StatusNode {
  const node: StatusNode = { phase: n.phase, kind: n.kind, task: n.displayName };
  if (n.reason) node.reason = n.reason;
  if (n.message) node.message = n.message.slice(0, MESSAGE_LIMIT);
  const pod = own(input.pods, id);
  if (pod) node.pod = pod;
  if (n.attempt) node.attempt = n.attempt;
  if (n.startedAt) node.startedAt = n.startedAt;
  if (n.finishedAt) node.finishedAt = n.finishedAt;
  if (n.outputs && n.kind !== 'dag' && n.kind !== 'iteration' && n.kind !== 'loop') {
    const b = boundedOutputs(n.outputs, input.valueLimit);
    if (b.outputs.parameters || b.outputs.artifacts) node.outputs = b.outputs;
    const ref = own(input.outputsRefs, id);
    if (ref) node.outputsRef = ref;
  }
  if (own(input.stopped, id)) node.stopped = true;
  return node;
}

/** A finished run's end time (kept once written), duration and, on success, its pipeline's outputs. */
function addEnding(status: RunStatus, input: StatusInput, startedAt: string | undefined): void {
  status.finishedAt = input.previous.finishedAt ?? input.now;
  if (startedAt) status.duration = formatDuration(Date.parse(status.finishedAt) - Date.parse(startedAt));
  if (input.plan.outputs && status.phase === 'Succeeded') {
    const out = rootOutputs(input.plan.outputs, input.valueLimit);
    if (out.parameters || out.artifacts) status.outputs = out;
  }
}

export function buildStatus(input: StatusInput): RunStatus {
  const { plan, previous, now } = input;
  const nodes: Record<string, StatusNode> = {};
  let done = 0;
  let total = 0;
  let waiting: string | undefined;
  for (const [id, n] of Object.entries(plan.nodes)) {
    const node = statusNode(id, n, input);
    if (n.kind === 'container' || n.kind === 'importer') {
      total++;
      if (isTerminal(n.phase)) done++;
      if (!waiting && n.phase === 'Pending' && n.message) waiting = `task ${id}: ${n.message}`;
    }
    nodes[id] = node;
  }
  const phase = input.override?.phase ?? plan.phase;
  const message = (input.override?.message ?? plan.message ?? (phase === 'Running' || phase === 'Pending' ? waiting : undefined))?.slice(0, MESSAGE_LIMIT);
  const startedAt = previous.startedAt ?? (phase !== 'Pending' ? now : undefined);
  const status: RunStatus = { phase, progress: `${done}/${total}`, nodes };
  if (previous.retry) status.retry = previous.retry;
  if (message) status.message = message;
  if (startedAt) status.startedAt = startedAt;
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  if (isRunFinished(phase)) addEnding(status, input, startedAt);
  status.conditions = runConditions(phase, conditionReason(input, phase, nodes), message, previous, now, input.generation);
  return status;
}

/** The conditions' reason: the override's, TaskFailed when a task's own failure failed the run, else the phase. */
function conditionReason(input: StatusInput, phase: RunPhase, nodes: Record<string, StatusNode>): string {
  if (input.override?.reason !== undefined) return input.override.reason;
  const taskFailed = phase === 'Failed' && Object.values(nodes).some((n) => n.kind === 'container' && n.phase === 'Failed');
  return taskFailed ? Reason.TaskFailed : phase;
}

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
  const facts = dict<ExecutionFact>();
  for (const [id, n] of Object.entries(nodes ?? {})) {
    const fact = factFromStatusNode(n);
    if (fact) facts[id] = fact;
  }
  return facts;
}

/** The finished attempt a task node of the status records (outputs as far as the status holds them). */
export function factFromStatusNode(n: StatusNode): ExecutionFact | undefined {
  if (n.kind !== 'container' || !n.attempt) return undefined;
  if (!isFinishedAttempt(n.phase)) return undefined;
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

/** What a status cut to size says about the nodes it left out (their detail is in the object at nodesRef). */
export interface NodesSummary {
  /** Nodes in all, and how many of them the status holds. */
  total: number;
  inline: number;
  /** Content hash of the object at nodesRef when it was written (lets a controller reuse its own copy). */
  revision?: string;
  /** Per loop node id: its iterations by phase. */
  loops?: Record<string, Partial<Record<NodePhase, number>>>;
  /** Loops left out of `loops` (a summary bounded too). */
  loopsOmitted?: number;
}

export interface NodeBounds {
  /** Most nodes kept inline. */
  limit: number;
  /** Most JSON characters of the inline nodes. */
  bytes: number;
}

/** The inline nodes' share of the 1 MiB a status may take; the rest (conditions, outputs, summary) is small. */
export const STATUS_NODE_BYTES = 700 * 1024;
const LOOP_SUMMARY_LIMIT = 200;
const ITERATION = /^(.*)\[(\d+)\]$/;

const FAILED = new Set(['Failed', 'Error']);

/**
 * Nodes that fit: all of them when they are few and small; otherwise, in this order as long as they fit, the
 * loops and DAGs outside iterations (the run's shape), nodes in progress, failed nodes (most recent first), other
 * nodes outside loops, then the rest (most recent first); plus per-loop counts of iterations by phase. The
 * caller keeps every node elsewhere (nodesRef): the summary is for people, not for resuming.
 */
export function boundNodes(nodes: Record<string, StatusNode>, bounds: NodeBounds): { nodes: Record<string, StatusNode>; summary?: NodesSummary } {
  const entries = Object.entries(nodes);
  if (entries.length <= bounds.limit) {
    let size = 2;
    for (const [id, n] of entries) size += id.length + 4 + JSON.stringify(n).length;
    if (size <= bounds.bytes) return { nodes };
  }
  const rank = (id: string, n: StatusNode): number => {
    const inLoop = id.includes('[');
    if (!inLoop && (n.kind === 'loop' || n.kind === 'dag')) return 0;
    if (n.phase === 'Running' || (ACTIVE_NODE_PHASES.has(n.phase) && n.pod)) return 1;
    if (FAILED.has(n.phase)) return 2;
    if (!inLoop) return 3;
    return 4;
  };
  const ranked = entries.map(([id, n]) => ({ id, n, r: rank(id, n), t: n.finishedAt ?? n.startedAt ?? '' }));
  ranked.sort((a, b) => a.r - b.r || (a.t < b.t ? 1 : a.t > b.t ? -1 : 0));
  const kept: Record<string, StatusNode> = {};
  let count = 0;
  let size = 2;
  for (const { id, n } of ranked) {
    if (count >= bounds.limit) break;
    const s = id.length + 4 + JSON.stringify(n).length;
    if (size + s > bounds.bytes) continue;
    kept[id] = n;
    size += s;
    count++;
  }
  const loops: Record<string, Partial<Record<NodePhase, number>>> = {};
  let loopCount = 0;
  let loopsOmitted = 0;
  for (const [id, n] of entries) {
    if (n.kind !== 'iteration') continue;
    const loop = ITERATION.exec(id)?.[1];
    if (loop === undefined) continue;
    let c = loops[loop];
    if (!c) {
      if (loopCount >= LOOP_SUMMARY_LIMIT) {
        loopsOmitted++;
        continue;
      }
      c = loops[loop] = {};
      loopCount++;
    }
    c[n.phase] = (c[n.phase] ?? 0) + 1;
  }
  const summary: NodesSummary = { total: entries.length, inline: count };
  if (loopCount) summary.loops = loops;
  if (loopsOmitted) summary.loopsOmitted = loopsOmitted;
  return { nodes: kept, summary };
}

/**
 * Every node, from the full set at nodesRef and the inline ones. Normally the inline nodes are a subset of the
 * same write; should the object be newer than the status (a controller stopped between the two writes), each
 * node is taken where it got further (a later attempt, or finished over not finished).
 */
export function mergeNodes(full: Record<string, StatusNode>, inline: Record<string, StatusNode>): Record<string, StatusNode> {
  const out: Record<string, StatusNode> = { ...full };
  for (const [id, n] of Object.entries(inline)) {
    const f = own(out, id);
    if (!f) {
      out[id] = n;
      continue;
    }
    const fa = f.attempt ?? 0;
    const na = n.attempt ?? 0;
    if (fa !== na) {
      if (na > fa) out[id] = n;
      continue;
    }
    if (isTerminal(f.phase) && !isTerminal(n.phase)) continue;
    out[id] = n;
  }
  return out;
}
