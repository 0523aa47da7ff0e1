// The RecurringRun custom resource: PipelineRuns made on a schedule (src/controller/recurring.ts decides).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from './status.js';
import type { PipelineRunSpec } from './types.js';

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

export interface RecurringRunSpec {
  /** Cron: 5 fields (minute precision) or 6 (seconds first). Exactly one of schedule and interval. */
  schedule?: string;
  /** IANA time zone of `schedule` (default UTC). */
  timeZone?: string;
  /** A duration (30s, 5m, 1h): runs at startTime (or creation) + k × interval. */
  interval?: string;
  startTime?: string;
  endTime?: string;
  /** What happens at a slot while earlier runs are still active (default Allow, up to maxConcurrency). */
  concurrencyPolicy?: ConcurrencyPolicy;
  /** Most runs active at once under Allow (default 10, KFP's); a slot over it waits for one to finish. */
  maxConcurrency?: number;
  /** After downtime (or suspension) make every missed slot's run (true, KFP's default) or only the latest. */
  catchup?: boolean;
  suspend?: boolean;
  runTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PipelineRunSpec };
}

export interface RecurringRunStatus {
  observedGeneration?: number;
  /** The schedule as people read it: "cron 0 9 * * 1 (Europe/Berlin)", "every 1h". */
  scheduleText?: string;
  /** The last slot a run was made (or skipped) for. */
  lastScheduleTime?: string;
  nextScheduleTime?: string;
  lastRunName?: string;
  /** Runs made by this RecurringRun that have not finished. */
  active?: string[];
  message?: string;
  conditions?: Condition[];
}

export interface RecurringRunObject extends KubernetesObject {
  spec?: RecurringRunSpec;
  status?: RecurringRunStatus;
}
