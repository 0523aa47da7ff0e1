// Reasons on run conditions and events: pure, so the status builders need no I/O adapter (errors.ts, which
// classifies adapter errors, re-exports them).
/** Reasons on run conditions and events, in one place. */
export const Reason = {
  /** The pipeline or its arguments are invalid. */
  InvalidPipeline: 'InvalidPipeline',
  /** The run would read, write or name what its namespace may not (src/artifacts/tenancy.ts). */
  Forbidden: 'Forbidden',
  /** The PipelineRun object itself is malformed (fields of the wrong type that CRD validation let through). */
  InvalidRun: 'InvalidRun',
  /** The controller threw on this run's content: a bug or a shape it cannot handle; never retried. */
  InternalError: 'InternalError',
  /** A task's outputs are referenced but their object is gone: the run cannot go on without them. */
  OutputsMissing: 'OutputsMissing',
  /** The status names node detail in S3 (nodesRef) that cannot be read: finished tasks cannot be told apart. */
  NodeDetailMissing: 'NodeDetailMissing',
  /** The run exceeded spec.timeout. */
  Timeout: 'Timeout',
  /** A task failed (after its retries) and so did the run. */
  TaskFailed: 'TaskFailed',
  /** S3 does not answer: the run waits (condition Degraded), then fails at the outage deadline. */
  S3Unavailable: 'S3Unavailable',
  S3OutageDeadlineExceeded: 'S3OutageDeadlineExceeded',
  /** The API server refuses or fails requests for this run. */
  APIServerUnavailable: 'APIServerUnavailable',
  /** A transient failure reported earlier is over. */
  Recovered: 'Recovered',
  /** A big run's task events past the first burst are limited (EventSpamFilter); its status has every task. */
  TaskEventsLimited: 'TaskEventsLimited',
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];

/** The condition type a run carries while its reconciles keep failing for transient reasons. */
export const DEGRADED = 'Degraded';
