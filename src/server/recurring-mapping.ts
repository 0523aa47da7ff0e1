// Pure translation between KFP's v2beta1 RecurringRun and our RecurringRun kind (src/controller/recurring-types.ts).
// The run template is what CreateRun would make (runFromKfp), so a scheduled run looks like one made through the API.
import { parseDurationSeconds } from '../model/duration.js';
import type { JsonObject, JsonValue } from '../model/types.js';
import { API_VERSION } from '../controller/names.js';
import { scheduleOf } from '../controller/recurring.js';
import type { RecurringRunObject, RecurringRunSpec } from '../controller/recurring-types.js';
import type { KfpRecurringRun, KfpTrigger, KfpTriggerWindow } from './kfp-types.js';
import {
  ANN_DESCRIPTION, ANN_DISPLAY_NAME, ANN_PIPELINE_ID, ANN_VERSION_ID, ApiError, LABEL_EXPERIMENT_ID, GRPC, badRequest, dnsName, omitUndefined,
  runFromKfp, ts, type RunTarget,
} from './mapping.js';

/** The CRD's bound on spec.maxConcurrency. */
const MAX_CONCURRENCY = 100;

function time(v: string | undefined, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw badRequest(`recurring_run.trigger.${field} "${v}" is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)`);
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** schedule or interval, startTime and endTime from KFP's trigger, checked as the controller will read them. */
function triggerSpec(body: KfpRecurringRun): Pick<RecurringRunSpec, 'schedule' | 'interval' | 'startTime' | 'endTime'> {
  const cron = body.trigger?.cron_schedule;
  const periodic = body.trigger?.periodic_schedule;
  if (!!cron?.cron === (periodic?.interval_second !== undefined && periodic.interval_second !== '')) {
    throw badRequest('recurring_run.trigger needs exactly one of cron_schedule.cron (6 fields, seconds first) or periodic_schedule.interval_second');
  }
  const window: KfpTriggerWindow = (cron?.cron ? cron : periodic) ?? {};
  const spec: Pick<RecurringRunSpec, 'schedule' | 'interval' | 'startTime' | 'endTime'> = {};
  if (cron?.cron) spec.schedule = cron.cron;
  else {
    const seconds = Number(periodic!.interval_second);
    if (!Number.isInteger(seconds) || seconds < 1) throw badRequest(`recurring_run.trigger.periodic_schedule.interval_second "${periodic!.interval_second}" must be a whole number of seconds, at least 1`);
    spec.interval = `${seconds}s`;
  }
  const start = time(window.start_time, 'start_time');
  const end = time(window.end_time, 'end_time');
  if (start) spec.startTime = start;
  if (end) spec.endTime = end;
  if (start && end && Date.parse(end) <= Date.parse(start)) throw badRequest('recurring_run.trigger.end_time must be after start_time');
  const checked = scheduleOf({ metadata: { creationTimestamp: new Date(0) }, spec: { ...spec, runTemplate: { spec: {} } } });
  if ('invalid' in checked) throw badRequest(`recurring_run.trigger: ${checked.invalid.replace('spec.schedule', 'cron_schedule.cron')}`);
  return spec;
}

/** The RecurringRun a CreateRecurringRun request asks for. */
export function recurringFromKfp(body: KfpRecurringRun, target: RunTarget): RecurringRunObject {
  let run;
  try {
    run = runFromKfp({ ...body, pipeline_version_id: undefined }, target);
  } catch (err) {
    // runFromKfp names the fields of a run; here they belong to the recurring run.
    if (err instanceof ApiError) throw new ApiError(err.http, err.grpc, err.message.replace(/^run\b/, 'recurring_run'));
    throw err;
  }
  const spec: NonNullable<RecurringRunObject['spec']> = {
    ...triggerSpec(body),
    runTemplate: { metadata: { labels: run.metadata!.labels ?? {}, annotations: run.metadata!.annotations ?? {} }, spec: run.spec! },
  };
  if (body.max_concurrency !== undefined && body.max_concurrency !== '') {
    const n = Number(body.max_concurrency);
    if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw badRequest(`recurring_run.max_concurrency "${body.max_concurrency}" must be a whole number from 1 to ${MAX_CONCURRENCY}`);
    spec.maxConcurrency = n;
  }
  spec.concurrencyPolicy = 'Allow';
  spec.catchup = !body.no_catchup;
  // Only an explicit DISABLE pauses it (the SDK always sends ENABLE or DISABLE).
  spec.suspend = body.mode === 'DISABLE';
  const annotations: Record<string, string> = { [ANN_DISPLAY_NAME]: body.display_name!.trim() };
  if (body.description) annotations[ANN_DESCRIPTION] = body.description;
  const labels: Record<string, string> = {};
  if (target.experimentId) labels[LABEL_EXPERIMENT_ID] = target.experimentId;
  return {
    apiVersion: API_VERSION,
    kind: 'RecurringRun',
    metadata: { generateName: `${dnsName(body.display_name!, 40)}-`, namespace: target.namespace, labels, annotations },
    spec,
  };
}

function triggerOf(spec: RecurringRunSpec): KfpTrigger {
  const window = omitUndefined({ start_time: spec.startTime, end_time: spec.endTime });
  if (spec.schedule !== undefined) return { cron_schedule: { ...window, cron: spec.schedule } };
  const seconds = spec.interval !== undefined ? parseDurationSeconds(spec.interval) : undefined;
  return { periodic_schedule: { ...window, ...(seconds ? { interval_second: String(Math.round(seconds)) } : {}) } };
}

/** The newest write to the object (its managed fields' times), else its creation. */
function updatedAt(rr: RecurringRunObject): string | undefined {
  const times = (rr.metadata?.managedFields ?? []).map((f) => ts(f.time)).filter((t): t is string => !!t).sort();
  return times.at(-1) ?? ts(rr.metadata?.creationTimestamp);
}

/** What the run template says: the pipeline (inline or a version), parameters, service account. */
function templateOf(spec: RecurringRunSpec): Partial<KfpRecurringRun> {
  const ta = spec.runTemplate.metadata?.annotations ?? {};
  const versionId = ta[ANN_VERSION_ID];
  const run = spec.runTemplate.spec;
  const pipelineSpec = run.pipelineSpec && run.platformSpec ? { pipeline_spec: run.pipelineSpec, platform_spec: run.platformSpec } : run.pipelineSpec;
  return {
    pipeline_version_id: versionId,
    pipeline_spec: pipelineSpec as JsonObject | undefined,
    pipeline_version_reference: versionId ? omitUndefined({ pipeline_id: ta[ANN_PIPELINE_ID], pipeline_version_id: versionId }) : undefined,
    runtime_config: { parameters: (run.arguments ?? {}) as Record<string, JsonValue> },
    service_account: run.serviceAccountName,
  };
}

export function recurringToKfp(rr: RecurringRunObject): KfpRecurringRun {
  const m = rr.metadata ?? {};
  const spec = rr.spec;
  return omitUndefined<KfpRecurringRun>({
    recurring_run_id: m.uid,
    display_name: m.annotations?.[ANN_DISPLAY_NAME] ?? m.name,
    description: m.annotations?.[ANN_DESCRIPTION],
    ...(spec ? templateOf(spec) : {}),
    max_concurrency: String(spec?.maxConcurrency ?? 10),
    trigger: spec ? triggerOf(spec) : undefined,
    mode: spec?.suspend ? 'DISABLE' : 'ENABLE',
    created_at: ts(m.creationTimestamp),
    updated_at: updatedAt(rr),
    status: spec?.suspend ? 'DISABLED' : 'ENABLED',
    error: rr.status?.message ? { code: GRPC.INVALID_ARGUMENT, message: rr.status.message } : undefined,
    no_catchup: spec?.catchup === false,
    namespace: m.namespace,
    experiment_id: m.labels?.[LABEL_EXPERIMENT_ID],
  });
}
