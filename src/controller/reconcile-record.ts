// Reconcile, stage 4 of 4: record. The one writer of a run's status (written only when it changed, cut to size with
// the full node detail in S3 first) and of the events that say what changed. Also how a run that cannot go on is
// ended (Failed with reason, message and event) and how repeated transient failures are reported (Degraded).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { RunContext } from '../engine/state.js';
import type { Clock } from './clock.js';
import type { ControllerConfig } from './config.js';
import { DEGRADED, Reason, TerminalError, type Classified, type ReasonName } from './errors.js';
import { EventSpamFilter } from './event-correlator.js';
import { EventRecorder } from './event-recorder.js';
import { diffEvents } from './events.js';
import type { Expectations } from './expectations.js';
import { ConflictError, type KubeOps } from './kube-ops.js';
import type { Observation } from './reconcile-observe.js';
import { statusProblems } from './run-shape.js';
import { boundNodes, formatDuration, isRunFinished, runConditions, STATUS_NODE_BYTES, type Condition, type RunStatus } from './status.js';
import { nodesDocUri, type NodeDocs } from './status-nodes.js';
import type { PipelineRunObject } from './types.js';

export interface RecorderDeps {
  config: ControllerConfig;
  kube: KubeOps;
  logger: Logger;
  nodeDocs?: NodeDocs;
  expectations: Expectations;
  clock: Clock;
  /** Brings a run back to the queue once its status write was answered (after `afterMs`, if given). */
  requeue?: (key: string, afterMs?: number) => void;
  /** Events wait while this says pod creations wait their turn (the launcher's queue). */
  holdEventsWhile?: () => boolean;
}

/** A pass's status write, sent without waiting for the answer. */
interface Sent {
  done: Promise<void>;
  /** The API server failed it (transient): the run's next pass fails with this, for the backoff. */
  error?: unknown;
  /** A pass was turned away while it was in flight: the answer requeues the run (else the run watch does). */
  waited?: boolean;
}

/** The status a run ends with when it cannot go on. Pure. */
export function failedStatus(run: PipelineRunObject, previous: RunStatus, reason: ReasonName, message: string, now: Date): RunStatus {
  const iso = now.toISOString();
  const startedAt = typeof previous.startedAt === 'string' ? previous.startedAt : iso;
  const status: RunStatus = {
    phase: 'Failed',
    progress: typeof previous.progress === 'string' ? previous.progress : '0/0',
    message: message.slice(0, 1000),
    startedAt,
    finishedAt: iso,
    duration: formatDuration(now.getTime() - (Date.parse(startedAt) || now.getTime())),
    ...(run.metadata?.generation !== undefined ? { observedGeneration: run.metadata.generation } : {}),
    conditions: runConditions('Failed', reason, message.slice(0, 1000), previous, iso, run.metadata?.generation),
  };
  // Node detail is kept when it is sound (it says what had run); a malformed status is replaced.
  if (reason !== Reason.InvalidRun && previous.nodes) status.nodes = previous.nodes;
  if (previous.retry) status.retry = previous.retry; // lifecycle: a retried run's round survives its failure
  if (reason !== Reason.InvalidRun && previous.nodesRef) {
    status.nodesRef = previous.nodesRef;
    if (previous.nodesSummary) status.nodesSummary = previous.nodesSummary;
  }
  return status;
}

export class StatusRecorder {
  /** Events go out in the background: a reconcile never waits for them. */
  readonly events: EventRecorder;
  /** Status writes in flight or failed, by run uid. */
  private readonly sent = new Map<string, Sent>();
  /** Task events per run, as client-go limits a source's events per object. */
  private readonly spam = new EventSpamFilter();

  constructor(private readonly deps: RecorderDeps) {
    // Four at a time (client-go's recorder sends one at a time): events share the QPS bucket with pod creations.
    this.events = new EventRecorder(4, 1000, (n) => {
      if (n % 100 === 1) deps.logger.warn({ dropped: n }, 'too many events waiting: dropping events');
    }, deps.holdEventsWhile);
  }

  /**
   * Sends `status` over the stored one if it differs ('unchanged': nothing to send). The pass does not wait for the
   * answer: the run's next pass waits for it (writing), then for the run cache to show it (expectations.ts); the
   * events of what changed and `after` follow a successful write. A conflict (the run changed under us) requeues
   * the run at once from the newer object; a failure fails the next pass (takeError).
   */
  async record(obs: Pick<Observation, 'run' | 'ctx' | 'stored' | 'previous'>, status: RunStatus, log: Logger, breathe: () => Promise<void>, after?: () => Promise<void>): Promise<'written' | 'unchanged'> {
    const { run, ctx, stored, previous } = obs;
    const toWrite = await this.bounded(run, ctx, status, breathe);
    // A status this controller could not read back would fail the run later with the wrong reason.
    const bad = statusProblems(toWrite);
    if (bad.length) throw new TerminalError(Reason.InternalError, `the controller built a status it cannot read back (${bad.join('; ')}); report this with the run's pipeline`);
    if (isDeepStrictEqual(toWrite, stored)) return 'unchanged';
    const uid = run.metadata!.uid!;
    const key = `${ctx.namespace}/${ctx.name}`;
    const sent: Sent = { done: Promise.resolve() };
    const written = async (rv: string | undefined): Promise<void> => {
      if (rv && !isRunFinished(status.phase)) this.deps.expectations.statusWritten(uid, rv);
      for (const e of diffEvents(previous, status)) {
        const take = e.task ? this.spam.take(uid, this.deps.clock().getTime()) : 'send';
        if (take === 'drop') continue;
        const { type, reason, message } = take === 'send' ? e : { type: 'Normal' as const, reason: Reason.TaskEventsLimited, message: `more than ${this.spam.burst} task events: one a second from now on; the run's status.nodes lists every task` };
        this.events.record(() => this.deps.kube.event(run, type, reason, message).catch((err: unknown) => log.debug({ err: String(err) }, 'event not recorded')));
      }
      // The status just written has no Degraded condition: say the trouble reported earlier is over.
      const degraded = stored.conditions?.find((c) => c.type === DEGRADED && c.status === 'True');
      if (degraded) this.events.record(() => this.deps.kube.event(run, 'Normal', Reason.Recovered, `reconciles succeed again after ${degraded.reason}`).catch(() => undefined));
      this.sent.delete(uid);
      await after?.();
    };
    sent.done = this.deps.kube.writeRunStatus(run, toWrite).then(
      async (rv) => {
        await written(rv);
        if (sent.waited) this.deps.requeue?.(key);
      },
      (err: unknown) => {
        if (err instanceof ConflictError) this.sent.delete(uid);
        else sent.error = err;
        this.deps.requeue?.(key);
      },
    );
    this.sent.set(uid, sent);
    return 'written';
  }

  /** Run `uid`'s last status write is not answered yet: its next pass must wait (the answer requeues it). */
  writing(uid: string): Promise<void> | undefined {
    const s = this.sent.get(uid);
    if (!s || s.error !== undefined) return undefined;
    s.waited = true;
    return s.done;
  }

  /** The failure of run `uid`'s last status write, once. */
  takeError(uid: string): unknown {
    const s = this.sent.get(uid);
    if (s?.error === undefined) return undefined;
    this.sent.delete(uid);
    return s.error;
  }

  forget(uid: string): void {
    this.sent.delete(uid);
    this.spam.forget(uid);
  }

  /** The run ends Failed with `reason`. Written once: a finished run is not reconciled again. */
  async recordFailed(run: PipelineRunObject, previous: RunStatus, reason: ReasonName, message: string): Promise<void> {
    // A conflict goes back to the queue (transient): the next attempt starts from the newer object.
    await this.deps.kube.writeRunStatus(run, failedStatus(run, previous, reason, message, this.deps.clock()));
    this.events.record(() => this.deps.kube.event(run, 'Warning', reason, message).catch(() => undefined));
  }

  /** Condition Degraded=True (reason, what fails) on the run, and a Warning event, once per reason. */
  async recordDegraded(run: PipelineRunObject, previous: RunStatus, c: Classified, count: number): Promise<void> {
    const message = `${count} reconciles in a row failed, retrying with backoff: ${c.message}`;
    const prev = previous.conditions?.find((x) => x.type === DEGRADED);
    const cond: Condition = { type: DEGRADED, status: 'True', reason: c.reason, message: message.slice(0, 1000), lastTransitionTime: prev?.status === 'True' && prev.reason === c.reason ? prev.lastTransitionTime : this.deps.clock().toISOString() };
    const status: RunStatus = { ...previous, conditions: [...(previous.conditions ?? []).filter((x) => x.type !== DEGRADED), cond] };
    const rv = await this.deps.kube.writeRunStatus(run, status);
    if (rv) this.deps.expectations.statusWritten(run.metadata!.uid!, rv);
    this.events.record(() => this.deps.kube.event(run, 'Warning', c.reason, message).catch(() => undefined));
  }

  /**
   * The status as written: whole when it fits; otherwise every node goes to S3 first and the status keeps a
   * bounded part of them, the summary and where the rest is (a status over 1.5 MiB is refused by etcd).
   */
  private async bounded(run: PipelineRunObject, ctx: RunContext, status: RunStatus, breathe: () => Promise<void>): Promise<RunStatus> {
    if (!this.deps.nodeDocs || !status.nodes) return status;
    const b = boundNodes(status.nodes, { limit: this.deps.config.faults.statusNodeLimit, bytes: STATUS_NODE_BYTES });
    if (!b.summary) return status;
    const ref = nodesDocUri(ctx);
    await breathe();
    const revision = await this.deps.nodeDocs.save(run.metadata!.uid!, ref, status.nodes);
    return { ...status, nodes: b.nodes, nodesRef: ref, nodesSummary: { ...b.summary, revision } };
  }
}
