// The plan stage of reconcile, pure: admission, the pass's plan under spec.timeout, the status and the next wake.
import { configFromEnv } from './config.js';
import { pipelineFromSource } from './pipeline-source.js';
import type { Observation, RunObservation } from './reconcile-observe.js';
import { admit, desiredStatus, nextWakeMs, pendingDeadline, planPass } from './reconcile-plan.js';
import type { PipelineRunObject, PipelineRunSpec } from './types.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev' });
const SPEC = { params: [{ name: 'n', type: 'integer' }], tasks: [{ name: 't', image: 'busybox', command: ['echo', '{{params.n}}'] }] };

function seen(spec: PipelineRunSpec, status: PipelineRunObject['status'] = {}): RunObservation {
  const run: PipelineRunObject = { metadata: { name: 'r', namespace: 'a', uid: 'u1', generation: 1, creationTimestamp: new Date('2026-01-01T00:00:00Z') }, spec, status };
  return { run, stored: status, previous: status, pipeline: pipelineFromSource(spec, 'spec', 'r') };
}

function observation(spec: PipelineRunSpec, status: PipelineRunObject['status'] = {}): Observation {
  const s = seen(spec, status);
  const a = admit(s, config);
  if (!a.ok) throw new Error(a.message);
  return { ...s, pipeline: a.pipeline, arguments: a.arguments, ctx: a.ctx, pods: [], facts: {}, podNames: {}, refs: {}, stopped: {}, toCache: [] };
}

describe('reconcile plan stage', () => {
  it('takes the pending deadline from spec.pendingTimeout over the operator\'s, and 0 as no limit', () => {
    expect(config.faults.pendingDeadlineSeconds).toBe(600);
    expect(pendingDeadline(undefined, 600)).toEqual({ pendingDeadlineSeconds: 600 });
    expect(pendingDeadline('1m30s', 600)).toEqual({ pendingDeadlineSeconds: 90 });
    expect(pendingDeadline('0s', 600)).toEqual({});
    expect(pendingDeadline(undefined, configFromEnv({ PIPEWRIGHT_PENDING_DEADLINE_SECONDS: '0' }).faults.pendingDeadlineSeconds)).toEqual({});
    expect(configFromEnv({ PIPEWRIGHT_PENDING_DEADLINE_SECONDS: '45' }).faults.pendingDeadlineSeconds).toBe(45);
    // A stuck task's fact: the run's pass stops it past spec.pendingTimeout.
    const obs = observation({ pipelineSpec: SPEC, arguments: { n: 1 }, pendingTimeout: '30s' });
    obs.facts.t = { attempt: 1, phase: 'Pending', message: 'unschedulable: no', stuckSince: '2026-01-01T00:00:00Z' };
    expect(planPass(obs, new Date('2026-01-01T00:00:31Z'), config).result.stop).toEqual([{ nodeId: 't', reason: 'did not start within the pending deadline of 30s: unschedulable: no' }]);
  });


  it('admits a valid run with its context, and refuses bad arguments naming spec.arguments', () => {
    const ok = admit(seen({ pipelineSpec: SPEC, arguments: { n: 3 } }), config);
    expect(ok).toMatchObject({ ok: true, arguments: { n: 3 }, ctx: { name: 'r', namespace: 'a', uid: 'u1', createTime: '2026-01-01T00:00:00.000Z' } });
    const bad = admit(seen({ pipelineSpec: SPEC, arguments: { n: 'x', true: 1 } }), config);
    expect(bad).toMatchObject({ ok: false, reason: 'InvalidPipeline' });
    expect(!bad.ok && bad.message).toMatch(/spec\.arguments\.n/);
    expect(!bad.ok && bad.message).toMatch(/quote argument names such as "n"/);
  });

  it('turns an unreadable pipeline into InvalidPipeline over the stored status', () => {
    const s = { ...seen({ pipelineSpec: SPEC }, { phase: 'Running' }), pipeline: { invalid: 'tasks[0].image: required' } };
    expect(admit(s, config)).toEqual({ ok: false, reason: 'InvalidPipeline', message: 'tasks[0].image: required', previous: { phase: 'Running' } });
  });

  it('launches the task, and wakes at spec.timeout (1h30m, two units) when nothing else is due', () => {
    const obs = observation({ pipelineSpec: SPEC, arguments: { n: 1 }, timeout: '1h30m' }, { startedAt: '2026-01-01T00:00:00Z' });
    const now = new Date('2026-01-01T01:29:00Z');
    const pass = planPass(obs, now, config);
    expect(pass).toMatchObject({ timedOut: false, deferred: false, deadline: Date.parse('2026-01-01T01:30:00Z') });
    expect(pass.result.launch.map((l) => l.nodeId)).toEqual(['t']);
    expect(nextWakeMs(obs, pass, false, false, now)).toBe(60_000);
    expect(nextWakeMs(obs, pass, true, false, now)).toBeUndefined();
    expect(nextWakeMs(obs, pass, false, true, now)).toBe(10);
  });

  it('past spec.timeout cancels instead of launching, and the status says Failed with reason Timeout', () => {
    const obs = observation({ pipelineSpec: SPEC, arguments: { n: 1 }, timeout: '1h30m' }, { startedAt: '2026-01-01T00:00:00Z' });
    const now = new Date('2026-01-01T01:30:00Z');
    const pass = planPass(obs, now, config);
    expect(pass.timedOut).toBe(true);
    expect(pass.result.launch).toEqual([]);
    const status = desiredStatus(obs, pass, [], now, config);
    expect(status).toMatchObject({ phase: 'Failed', message: 'run exceeded its timeout of 1h30m' });
    expect(status.conditions?.find((c) => c.type === 'Succeeded')?.reason).toBe('Timeout');
  });

  it('asks for more launches than one pass makes: deferred, and the rest follow at once', () => {
    const many = { tasks: Array.from({ length: 5 }, (_, i) => ({ name: `t${i}`, image: 'busybox', command: ['true'] })) };
    const small = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_LAUNCHES_PER_PASS: '2' });
    const obs = observation({ pipelineSpec: many });
    const pass = planPass(obs, new Date('2026-01-01T00:00:00Z'), small);
    expect(pass.result.launch).toHaveLength(2);
    expect(pass.deferred).toBe(true);
  });
});
