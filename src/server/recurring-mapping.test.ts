import { describe, expect, it } from '@jest/globals';
import type { RecurringRunObject } from '../controller/recurring-types.js';
import { ANN_DISPLAY_NAME, ANN_VERSION_ID, ApiError, LABEL_EXPERIMENT_ID } from './mapping.js';
import { recurringFromKfp, recurringToKfp } from './recurring-mapping.js';

const ir = { pipelineInfo: { name: 'hello' }, root: {} };
const created = (rr: RecurringRunObject): RecurringRunObject => ({ ...rr, metadata: { ...rr.metadata, name: 'nightly-abcde', uid: 'rr-1', creationTimestamp: new Date('2026-03-01T00:00:00Z') } });

describe('recurring runs: KFP ↔ RecurringRun', () => {
  it('a cron job as the SDK sends it (6 fields with ?, disabled, no catch-up) becomes a suspended RecurringRun and reads back the same', () => {
    const rr = recurringFromKfp({
      display_name: 'Nightly train', description: 'at nine', mode: 'DISABLE', no_catchup: true, max_concurrency: '2',
      trigger: { cron_schedule: { cron: '0 0 9 ? * 2-6', start_time: '2026-03-01T00:00:00.000Z' } },
      pipeline_spec: ir, runtime_config: { parameters: { epochs: 3 } }, service_account: 'trainer',
    }, { namespace: 'team', experimentId: 'e-1' });
    expect(rr.metadata).toMatchObject({ generateName: 'nightly-train-', namespace: 'team', labels: { [LABEL_EXPERIMENT_ID]: 'e-1' }, annotations: { [ANN_DISPLAY_NAME]: 'Nightly train' } });
    expect(rr.spec).toMatchObject({
      schedule: '0 0 9 ? * 2-6', startTime: '2026-03-01T00:00:00Z', maxConcurrency: 2, catchup: false, suspend: true, concurrencyPolicy: 'Allow',
      runTemplate: { metadata: { labels: { [LABEL_EXPERIMENT_ID]: 'e-1' } }, spec: { pipelineSpec: ir, arguments: { epochs: 3 }, serviceAccountName: 'trainer' } },
    });
    const back = recurringToKfp(created(rr));
    expect(back).toMatchObject({
      recurring_run_id: 'rr-1', display_name: 'Nightly train', description: 'at nine', status: 'DISABLED', mode: 'DISABLE', no_catchup: true,
      max_concurrency: '2', namespace: 'team', experiment_id: 'e-1', pipeline_spec: ir, runtime_config: { parameters: { epochs: 3 } },
      trigger: { cron_schedule: { cron: '0 0 9 ? * 2-6', start_time: '2026-03-01T00:00:00Z' } }, created_at: '2026-03-01T00:00:00Z',
    });
  });

  it('an interval job is spec.interval in seconds, enabled with catch-up by default; a pipeline version is a pipelineRef', () => {
    const rr = recurringFromKfp({ display_name: 'hourly', mode: 'ENABLE', trigger: { periodic_schedule: { interval_second: '3600' } } },
      { namespace: 'team', versionObject: 'hello-v-x1', pipelineId: 'p-1', versionId: 'v-1' });
    expect(rr.spec).toMatchObject({ interval: '3600s', suspend: false, catchup: true, runTemplate: { spec: { pipelineRef: { name: 'hello-v-x1' } }, metadata: { annotations: { [ANN_VERSION_ID]: 'v-1' } } } });
    expect(recurringToKfp(created(rr))).toMatchObject({
      status: 'ENABLED', trigger: { periodic_schedule: { interval_second: '3600' } }, max_concurrency: '10',
      pipeline_version_reference: { pipeline_id: 'p-1', pipeline_version_id: 'v-1' },
    });
    // An interval written with kubectl (1h) reads as seconds too.
    expect(recurringToKfp({ ...created(rr), spec: { ...rr.spec!, interval: '1h' } }).trigger).toEqual({ periodic_schedule: { interval_second: '3600' } });
  });

  it('refuses what cannot be scheduled with a message naming the field', () => {
    const base = { display_name: 'x', pipeline_spec: ir };
    const msg = (body: object): string => {
      try {
        recurringFromKfp({ ...base, ...body }, { namespace: 'n' });
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).http).toBe(400);
        return (err as Error).message;
      }
    };
    expect(msg({})).toMatch(/trigger needs exactly one of cron_schedule.cron .* or periodic_schedule.interval_second/);
    expect(msg({ trigger: { cron_schedule: { cron: '* * * * *' }, periodic_schedule: { interval_second: 5 } } })).toMatch(/exactly one/);
    expect(msg({ trigger: { cron_schedule: { cron: 'every day' } } })).toMatch(/cron_schedule.cron "every day" is not a cron expression/);
    expect(msg({ trigger: { periodic_schedule: { interval_second: '0' } } })).toMatch(/interval_second "0" must be a whole number of seconds/);
    expect(msg({ trigger: { periodic_schedule: { interval_second: 60, start_time: 'soon' } } })).toMatch(/trigger.start_time "soon" is not an RFC 3339 time/);
    expect(msg({ trigger: { periodic_schedule: { interval_second: 60, start_time: '2026-02-01T00:00:00Z', end_time: '2026-01-01T00:00:00Z' } } })).toMatch(/end_time must be after start_time/);
    expect(msg({ trigger: { periodic_schedule: { interval_second: 60 } }, max_concurrency: '0' })).toMatch(/max_concurrency "0" must be a whole number from 1 to 100/);
    expect(msg({ display_name: '', trigger: { periodic_schedule: { interval_second: 60 } } })).toMatch(/^recurring_run.display_name is required/);
    expect(msg({ pipeline_spec: undefined, trigger: { periodic_schedule: { interval_second: 60 } } })).toMatch(/^recurring_run needs pipeline_spec/);
  });
});
