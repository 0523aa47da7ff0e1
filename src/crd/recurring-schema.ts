// The RecurringRun schema (src/controller/recurring-types.ts): PipelineRuns on a schedule. Generated into crds/ with
// the others (npm run gen:crds).
import { DURATION_PATTERN } from '../model/duration.js';
import { condition, pipelineRunSpecSchema, type Schema } from './schema.js';

/** A run spec as a template: editable (no transition rules), without the fields that act on one run. */
function template(s: Schema): Schema {
  const strip = (x: Schema): Schema => {
    const out: Schema = { ...x };
    const rules = (x['x-kubernetes-validations'] ?? []).filter((r) => !r.rule.includes('oldSelf'));
    if (rules.length) out['x-kubernetes-validations'] = rules;
    else delete out['x-kubernetes-validations'];
    if (x.properties) out.properties = Object.fromEntries(Object.entries(x.properties).filter(([k]) => k !== 'cancel' && k !== 'retry').map(([k, v]) => [k, strip(v)]));
    return out;
  };
  return strip(s);
}

const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

export const recurringRunSpecSchema: Schema = {
  type: 'object',
  description: 'PipelineRuns made on a schedule from a template.',
  required: ['runTemplate'],
  properties: {
    schedule: {
      type: 'string', maxLength: 256,
      description: 'Cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; checked by the controller (status.message).',
    },
    timeZone: { type: 'string', maxLength: 64, description: 'IANA time zone of spec.schedule, e.g. Europe/Berlin (default UTC).' },
    interval: { type: 'string', maxLength: 64, pattern: DURATION_PATTERN, description: 'Instead of a schedule: a run every interval (30s, 5m, 1h) from startTime, or from creation.' },
    startTime: time('No run before this time (with interval: the first slot).'),
    endTime: time('No run after this time.'),
    concurrencyPolicy: {
      type: 'string', enum: ['Allow', 'Forbid', 'Replace'], default: 'Allow',
      description: 'At a slot while earlier runs are active: Allow (up to maxConcurrency), Forbid (skip the slot), Replace (cancel them).',
    },
    maxConcurrency: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 10, description: 'Most active runs under Allow; a slot over it waits for one to finish.' },
    catchup: { type: 'boolean', default: true, description: 'After downtime or suspension: a run for every missed slot (true) or only the latest (false).' },
    suspend: { type: 'boolean', default: false, description: 'No runs are made while true.' },
    runTemplate: {
      type: 'object',
      required: ['spec'],
      properties: {
        metadata: {
          type: 'object',
          properties: {
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        spec: template(pipelineRunSpecSchema),
      },
    },
  },
  'x-kubernetes-validations': [
    { rule: 'has(self.schedule) != has(self.interval)', message: 'set exactly one of spec.schedule (cron) or spec.interval (a duration such as 1h)' },
    { rule: '!has(self.timeZone) || has(self.schedule)', message: 'spec.timeZone goes with spec.schedule (an interval has no time zone)', fieldPath: '.timeZone' },
    { rule: '!has(self.startTime) || !has(self.endTime) || timestamp(self.startTime) < timestamp(self.endTime)', message: 'spec.endTime must be after spec.startTime', fieldPath: '.endTime' },
  ],
};

export const recurringRunStatusSchema: Schema = {
  type: 'object',
  description: 'Written by the controller only.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    scheduleText: { type: 'string', description: 'The schedule as people read it.' },
    lastScheduleTime: time('The last slot a run was made or skipped for.'),
    nextScheduleTime: time('The next slot.'),
    lastRunName: { type: 'string', description: 'The PipelineRun made last.' },
    active: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', description: 'Runs made here that have not finished.' },
    message: { type: 'string', description: 'Why nothing is scheduled (an unreadable schedule) or a slot waits.' },
    conditions: { type: 'array', items: condition, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  },
};
