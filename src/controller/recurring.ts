// RecurringRun: which PipelineRuns to make (or cancel) now, from the spec, the runs it made and the clock. Pure:
// run names are `<recurring run>-<slot in unix seconds>`, so a pass repeated after a crash re-creates nothing
// (AlreadyExists) and a slot is never run twice. Cron by croner (5 or 6 fields, IANA time zones, DST-correct).
import { Cron } from 'croner';
import { parseDurationSeconds } from '../model/duration.js';
import { isRunFinished } from './status.js';
import type { RunPhase } from '../engine/state.js';
import type { RecurringRunObject, RecurringRunStatus } from './recurring-types.js';

/** Slots handled per pass with catch-up on; the rest follow at once in the next pass. */
export const MAX_SLOTS_PER_PASS = 20;
/** Slots looked through in one window when finding the latest missed one with catch-up off. */
const MAX_SCAN = 200_000;
export const DEFAULT_MAX_CONCURRENCY = 10;
export const ANNOTATION_SCHEDULED_TIME = 'pipewright.dev/scheduled-time';
export const LABEL_RECURRING_RUN = 'pipewright.dev/recurring-run';

export interface OwnedRun {
  name: string;
  phase?: RunPhase;
  cancel?: boolean;
  scheduledTime?: string;
  /** When the run was made and when it finished (epoch ms): the span in which Forbid skips slots. */
  createdAt?: number;
  finishedAt?: number;
}

export interface RecurringPlan {
  create: { name: string; scheduledTime: string }[];
  /** Active runs to cancel (concurrencyPolicy Replace). */
  cancel: string[];
  /** Slots skipped (concurrencyPolicy Forbid: a run was active at the slot and a later slot is due). */
  skipped: string[];
  status: RecurringRunStatus;
  /** When to look again (the next slot); absent when only a run finishing can change anything. */
  wakeAt?: number;
  /** The spec cannot be scheduled: the message names the field and the fix. */
  invalid?: string;
}

export type Schedule = { text: string; next: (after: number) => number | undefined };

/** The schedule of a spec, or a message naming the field that is wrong. */
export function scheduleOf(rr: RecurringRunObject): Schedule | { invalid: string } {
  const spec = rr.spec!;
  const start = spec.startTime ? Date.parse(spec.startTime) : undefined;
  const end = spec.endTime ? Date.parse(spec.endTime) : undefined;
  if (start !== undefined && Number.isNaN(start)) return { invalid: `spec.startTime "${spec.startTime}" is not an RFC 3339 time` };
  if (end !== undefined && Number.isNaN(end)) return { invalid: `spec.endTime "${spec.endTime}" is not an RFC 3339 time` };
  const inWindow = (t: number | undefined): number | undefined => (t === undefined || (end !== undefined && t > end) ? undefined : t);
  if (spec.schedule !== undefined) {
    let cron: Cron;
    try {
      cron = new Cron(spec.schedule, { paused: true, ...(spec.timeZone ? { timezone: spec.timeZone } : { utcOffset: 0 }) });
      cron.nextRun(new Date(0));
    } catch (err) {
      const what = /timezone/i.test((err as Error).message) ? `spec.timeZone "${spec.timeZone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York)` : `spec.schedule "${spec.schedule}" is not a cron expression: ${(err as Error).message}`;
      return { invalid: what };
    }
    const text = `cron ${spec.schedule}${spec.timeZone ? ` (${spec.timeZone})` : ' (UTC)'}`;
    return {
      text,
      next: (after) => {
        const from = start !== undefined && start > after ? start - 1 : after;
        return inWindow(cron.nextRun(new Date(from))?.getTime());
      },
    };
  }
  const seconds = spec.interval !== undefined ? parseDurationSeconds(spec.interval) : undefined;
  if (!seconds) return { invalid: `spec.interval "${spec.interval ?? ''}" is not a positive duration (e.g. 30s, 5m, 1h); or set spec.schedule to a cron expression` };
  // Slots at startTime + k·interval (k ≥ 0), or creation + k·interval (k ≥ 1) without a startTime.
  const anchor = start ?? Date.parse(String(rr.metadata?.creationTimestamp ?? 0));
  const step = seconds * 1000;
  const first = start !== undefined ? anchor : anchor + step;
  return {
    text: `every ${spec.interval}`,
    next: (after) => inWindow(after < first ? first : first + (Math.floor((after - first) / step) + 1) * step),
  };
}

export function runNameFor(rrName: string, slot: number): string {
  return `${rrName}-${Math.floor(slot / 1000)}`;
}

/** The slots due in (after, now]: all of them (catch-up, bounded per pass) or only the latest. */
function dueSlots(s: Schedule, after: number, now: number, catchup: boolean): { slots: number[]; more: boolean } {
  if (!catchup) {
    // The latest slot only: look back over growing windows instead of walking every slot since `after` (a
    // per-second schedule down for a day would be 86,400 steps).
    for (let w = 60_000; ; w *= 8) {
      const from = Math.max(after, now - w);
      let latest: number | undefined;
      for (let t = s.next(from), n = 0; t !== undefined && t <= now && n < MAX_SCAN; t = s.next(t), n++) latest = t;
      if (latest !== undefined) return { slots: [latest], more: false };
      if (from === after) return { slots: [], more: false };
    }
  }
  const slots: number[] = [];
  for (let t = s.next(after); t !== undefined && t <= now; t = s.next(t)) {
    if (slots.length === MAX_SLOTS_PER_PASS) return { slots, more: true };
    slots.push(t);
  }
  return { slots, more: false };
}

interface SlotContext {
  name: string;
  policy: 'Allow' | 'Forbid' | 'Replace';
  max: number;
  known: Set<string>;
  last: number;
  active: string[];
  /** When each owned run was active: [made, finished] (an active run's end is open). */
  spans: [number, number][];
  now: number;
}

/**
 * Goes through the due slots in order under the concurrency policy; fills the plan, its lastRunName and active.
 * Forbid follows a CronJob's: a slot at which a run was active is skipped, but the latest due such slot waits for
 * the run to end and then runs late (a CronJob does not advance lastScheduleTime past it). Slots missed while no
 * run was active (the controller down) are backlog: with catch-up on each runs, one at a time.
 */
function takeSlots(plan: RecurringPlan, slots: number[], c: SlotContext): { handled: number; waiting?: number } {
  let active = c.active;
  let handled = c.last;
  let waiting: number | undefined;
  const spans = [...c.spans];
  const duringRun = (slot: number): boolean => spans.some(([from, to]) => from < slot && slot <= to);
  for (const [i, slot] of slots.entries()) {
    const runName = runNameFor(c.name, slot);
    const scheduledTime = new Date(slot).toISOString();
    if (c.known.has(runName)) {
      handled = slot;
      continue;
    }
    if (c.policy === 'Forbid' && duringRun(slot) && i < slots.length - 1) {
      plan.skipped.push(scheduledTime);
      handled = slot;
      continue;
    }
    if ((c.policy === 'Forbid' && active.length > 0) || (c.policy === 'Allow' && active.length >= c.max)) {
      waiting = slot; // this slot waits for a run to finish (its watch event brings us back)
      break;
    }
    if (c.policy === 'Replace') {
      plan.cancel.push(...active);
      active = [];
    }
    plan.create.push({ name: runName, scheduledTime });
    active = [...active, runName].sort();
    spans.push([c.now, Infinity]);
    plan.status.lastRunName = runName;
    handled = slot;
  }
  plan.status.active = active;
  return { handled, waiting };
}

function waitMessage(policy: string, active: string[], max: number, slot: string | undefined): string {
  return policy === 'Forbid'
    ? `the slot of ${slot ?? 'now'} waits for ${active.join(', ')} to finish (concurrencyPolicy Forbid)`
    : `${active.length} runs active (maxConcurrency ${max}): the slot of ${slot ?? 'now'} waits for one to finish`;
}

export function planRecurring(rr: RecurringRunObject, owned: OwnedRun[], now: number): RecurringPlan {
  const spec = rr.spec!;
  const name = rr.metadata!.name!;
  const prev = rr.status ?? {};
  const base = { create: [], cancel: [], skipped: [] };
  const s = scheduleOf(rr);
  const active = owned.filter((r) => !isRunFinished(r.phase) && !r.cancel).map((r) => r.name).sort();
  const status: RecurringRunStatus = { ...prev, ...(rr.metadata?.generation !== undefined ? { observedGeneration: rr.metadata.generation } : {}), active };
  delete status.message;
  if ('invalid' in s) return { ...base, status: { ...status, message: s.invalid }, invalid: s.invalid };
  status.scheduleText = s.text;
  const created = Date.parse(String(rr.metadata?.creationTimestamp ?? 0));
  const last = prev.lastScheduleTime ? Date.parse(prev.lastScheduleTime) : created;
  if (spec.suspend) {
    delete status.nextScheduleTime;
    return { ...base, status };
  }
  const policy = spec.concurrencyPolicy ?? 'Allow';
  const max = spec.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  const due = dueSlots(s, last, now, spec.catchup !== false);
  // Under Replace every slot but the latest would be cancelled at once: only the latest runs.
  const slots = policy === 'Replace' ? due.slots.slice(-1) : due.slots;
  const plan: RecurringPlan = { ...base, create: [], cancel: [], skipped: [], status };
  const spans = owned.filter((r) => !r.cancel || isRunFinished(r.phase)).map((r): [number, number] =>
    [r.createdAt ?? -Infinity, isRunFinished(r.phase) ? (r.finishedAt ?? r.createdAt ?? -Infinity) : Infinity]);
  const { handled, waiting } = takeSlots(plan, slots, { name, policy, max, known: new Set(owned.map((r) => r.name)), last, active, spans, now });
  if (handled !== last) status.lastScheduleTime = new Date(handled).toISOString();
  const next = waiting ?? s.next(Math.max(handled, now));
  if (next !== undefined) status.nextScheduleTime = new Date(next).toISOString();
  else delete status.nextScheduleTime;
  if (waiting !== undefined) status.message = waitMessage(policy, plan.status.active ?? [], max, status.nextScheduleTime);
  if (due.more) plan.wakeAt = now;
  else if (waiting === undefined && next !== undefined) plan.wakeAt = next;
  // Forbid: a newer slot turns the waiting one into a skipped one (and waits itself), as it comes.
  else if (waiting !== undefined && policy === 'Forbid') {
    const coming = s.next(now);
    if (coming !== undefined) plan.wakeAt = coming;
  }
  return plan;
}
