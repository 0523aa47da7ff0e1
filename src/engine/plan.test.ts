import { plan } from './plan.js';
import { containerComponent, done, failed, input, pipelineOf, task } from './testing/builders.js';
import type { Component } from '../model/types.js';

const launched = (r: ReturnType<typeof plan>) => r.launch.map((l) => `${l.nodeId}#${l.attempt}`);
const outComp = (name: string): Component =>
  containerComponent(name, { parameters: { Output: { type: 'STRING', optional: false } }, artifacts: {} });
const inComp = (name: string, input = 'x'): Component =>
  containerComponent(name, { parameters: {}, artifacts: {} }, { parameters: { [input]: { type: 'STRING', optional: false } }, artifacts: {} });

describe('plan: ordering and completion', () => {
  const p = pipelineOf([task('a', 'a'), task('b', 'b', { dependsOn: ['a'] }), task('c', 'c')]);

  it('starts only tasks whose upstream finished', () => {
    const r = plan(input(p));
    expect(launched(r).sort()).toEqual(['a#1', 'c#1']);
    expect(r.phase).toBe('Running');
    expect(r.nodes.b?.phase).toBe('Pending');
  });

  it('starts the downstream task once the upstream succeeded, and never relaunches', () => {
    const r = plan(input(p, { a: done(), c: { attempt: 1, phase: 'Running', startedAt: '2026-01-01T00:00:00Z' } }));
    expect(launched(r)).toEqual(['b#1']);
  });

  it('ends Succeeded when every task succeeded', () => {
    const r = plan(input(p, { a: done(), b: done(), c: done() }));
    expect(r.phase).toBe('Succeeded');
    expect(r.launch).toEqual([]);
  });

  it('caps launches at the run parallelism, counting running tasks', () => {
    const wide = pipelineOf(['a', 'b', 'c', 'd'].map((n) => task(n, n)));
    expect(plan(input(wide, {}, { parallelism: 2 })).launch).toHaveLength(2);
    const running = { a: { attempt: 1, phase: 'Running' as const } };
    expect(plan(input(wide, running, { parallelism: 2 })).launch).toHaveLength(1);
  });
});

describe('plan: data and conditions', () => {
  const p = pipelineOf(
    [
      task('decide', 'decide'),
      task('deploy', 'deploy', {
        dependsOn: ['decide'],
        inputs: { parameters: { x: { kind: 'task', task: 'decide', output: 'Output' } }, artifacts: {} },
        condition: { expression: "inputs.parameter_values['x'] == 'yes'", dialect: 'kfp' },
      }),
      task('after', 'after', { dependsOn: ['deploy'] }),
    ],
    { decide: outComp('decide'), deploy: inComp('deploy') },
  );

  it('passes upstream outputs as resolved inputs', () => {
    const r = plan(input(p, { decide: done({ parameters: { Output: 'yes' }, artifacts: {} }) }));
    expect(r.launch[0]?.inputs.parameters).toEqual({ x: 'yes' });
  });

  it('skips a task whose condition is false, with the condition as the reason, and its dependents', () => {
    const r = plan(input(p, { decide: done({ parameters: { Output: 'no' }, artifacts: {} }) }));
    expect(r.launch).toEqual([]);
    expect(r.nodes.deploy).toMatchObject({ phase: 'Skipped', reason: 'ConditionFalse' });
    expect(r.nodes.deploy?.message).toContain("== 'yes'");
    expect(r.nodes.after).toMatchObject({ phase: 'Skipped', reason: 'UpstreamSkipped' });
    expect(r.phase).toBe('Succeeded');
  });

  it('reports a condition that cannot be evaluated as an Error naming the condition', () => {
    const bad = pipelineOf(
      [task('decide', 'decide'), task('deploy', 'deploy', { dependsOn: ['decide'], inputs: { parameters: { x: { kind: 'task', task: 'decide', output: 'Output' } }, artifacts: {} }, condition: { expression: "inputs.parameter_values['nope'] == 1", dialect: 'kfp' } })],
      { decide: outComp('decide'), deploy: inComp('deploy') },
    );
    const r = plan(input(bad, { decide: done({ parameters: { Output: 'yes' }, artifacts: {} }) }));
    expect(r.nodes.deploy?.phase).toBe('Error');
    expect(r.phase).toBe('Error');
    expect(r.message).toContain('nope');
  });

  it('errors when a succeeded producer lacks the output a consumer needs', () => {
    const r = plan(input(p, { decide: done() }));
    expect(r.nodes.deploy).toMatchObject({ phase: 'Error' });
    expect(r.nodes.deploy?.message).toContain('no output parameter "Output"');
  });
});

describe('plan: failures, retries, exit handlers', () => {
  it('fails the run naming the task, skips dependents, and keeps independent branches going', () => {
    const p = pipelineOf([task('a', 'a'), task('b', 'b', { dependsOn: ['a'] }), task('c', 'c')]);
    const r = plan(input(p, { a: failed(1, 'exit code 3: boom') }));
    expect(r.nodes.b).toMatchObject({ phase: 'Skipped', reason: 'UpstreamFailed' });
    expect(launched(r)).toEqual(['c#1']);
    const end = plan(input(p, { a: failed(1, 'exit code 3: boom'), c: done() }));
    expect(end.phase).toBe('Failed');
    expect(end.message).toBe('task a failed: exit code 3: boom');
  });

  it('retries with exponential backoff and gives up after maxRetries', () => {
    const retry = { maxRetries: 2, backoffSeconds: 10, backoffFactor: 2, maxBackoffSeconds: 3600 };
    const p = pipelineOf([task('a', 'a', { retry })]);
    const early = plan(input(p, { a: failed(1) }, { now: '2026-01-01T00:00:25Z' }));
    expect(early.launch).toEqual([]);
    expect(early.wakeAt).toBe('2026-01-01T00:00:30.000Z');
    expect(early.phase).toBe('Running');
    expect(launched(plan(input(p, { a: failed(1) }, { now: '2026-01-01T00:00:30Z' })))).toEqual(['a#2']);
    expect(plan(input(p, { a: failed(2) }, { now: '2026-01-01T00:00:39Z' })).launch).toEqual([]);
    expect(launched(plan(input(p, { a: failed(2) }, { now: '2026-01-01T00:00:40Z' })))).toEqual(['a#3']);
    expect(plan(input(p, { a: failed(3) })).phase).toBe('Failed');
  });

  it('runs an exit task after a failure and hands it the final status', () => {
    const exitComp = containerComponent('cleanup', { parameters: {}, artifacts: {} }, { parameters: { status: { type: 'TASK_FINAL_STATUS', optional: true } }, artifacts: {} });
    const p = pipelineOf(
      [
        task('work', 'work'),
        task('cleanup', 'cleanup', { dependsOn: ['work'], triggerStrategy: 'ALL_UPSTREAM_TASKS_COMPLETED', inputs: { parameters: { status: { kind: 'finalStatus', task: 'work' } }, artifacts: {} } }),
      ],
      { cleanup: exitComp },
    );
    const r = plan(input(p, { work: failed(1, 'exit code 1') }));
    expect(launched(r)).toEqual(['cleanup#1']);
    expect(r.launch[0]?.inputs.parameters.status).toMatchObject({ state: 'FAILED', pipelineTaskName: 'work' });
    expect(plan(input(p, { work: failed(1), cleanup: done() })).phase).toBe('Failed');
    // The backend's (MLMD) state names, so `status.state == 'COMPLETE'` written for KFP holds here too.
    expect(plan(input(p, { work: done() })).launch[0]?.inputs.parameters.status).toMatchObject({ state: 'COMPLETE', error: {} });
    expect(plan(input(p, { work: { attempt: 1, phase: 'Cached' } })).launch[0]?.inputs.parameters.status).toMatchObject({ state: 'COMPLETE' });
  });

  it('stops a task stuck pending past the pending deadline, with the problem that kept it pending', () => {
    const p = pipelineOf([task('a', 'a', { timeoutSeconds: 5 })]);
    const why = 'unschedulable: 0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims';
    const stuck = { a: { attempt: 1, phase: 'Pending' as const, message: why, stuckSince: '2026-01-01T00:00:00Z' } };
    const at = (now: string, pendingDeadlineSeconds?: number) => plan(input(p, stuck, { now, ...(pendingDeadlineSeconds ? { pendingDeadlineSeconds } : {}) }));
    expect(at('2026-01-01T00:00:10Z', 60)).toMatchObject({ stop: [], wakeAt: '2026-01-01T00:01:00.000Z' });
    expect(at('2026-01-01T00:01:00Z', 60).stop).toEqual([{ nodeId: 'a', reason: `did not start within the pending deadline of 60s: ${why}` }]);
    // No deadline: it waits (level-triggered: nothing to wake for); a pod pending without a problem is not stuck.
    expect(at('2026-01-01T09:00:00Z')).toMatchObject({ stop: [] });
    expect(plan(input(p, { a: { attempt: 1, phase: 'Pending' } }, { now: '2026-01-01T09:00:00Z', pendingDeadlineSeconds: 60 })).stop).toEqual([]);
    // Started: the task's own timeout applies, not the pending deadline.
    const running = { a: { attempt: 1, phase: 'Running' as const, startedAt: '2026-01-01T00:00:00Z', stuckSince: '2026-01-01T00:00:00Z' } };
    expect(plan(input(p, running, { now: '2026-01-01T00:00:06Z', pendingDeadlineSeconds: 600 })).stop).toEqual([{ nodeId: 'a', reason: 'timed out after 5s' }]);
  });

  it('stops tasks that ran past their timeout', () => {
    const p = pipelineOf([task('a', 'a', { timeoutSeconds: 30 })]);
    const running = { a: { attempt: 1, phase: 'Running' as const, startedAt: '2026-01-01T00:00:00Z' } };
    expect(plan(input(p, running, { now: '2026-01-01T00:00:10Z' })).wakeAt).toBe('2026-01-01T00:00:30.000Z');
    expect(plan(input(p, running, { now: '2026-01-01T00:00:31Z' })).stop).toEqual([{ nodeId: 'a', reason: 'timed out after 30s' }]);
  });
});

describe('plan: cancel', () => {
  const p = pipelineOf([task('a', 'a'), task('b', 'b', { dependsOn: ['a'] })]);
  it('stops running tasks, starts nothing, and ends Cancelled', () => {
    const running = { a: { attempt: 1, phase: 'Running' as const } };
    const r = plan(input(p, running, { cancelRequested: true }));
    expect(r.stop).toEqual([{ nodeId: 'a', reason: 'run cancelled' }]);
    expect(r.launch).toEqual([]);
    expect(r.phase).toBe('Running');
    const end = plan(input(p, { a: { attempt: 1, phase: 'Cancelled' } }, { cancelRequested: true }));
    expect(end.phase).toBe('Cancelled');
    expect(end.nodes.b).toMatchObject({ phase: 'Skipped', reason: 'RunCancelled' });
  });
});

describe('plan: pipeline arguments', () => {
  it('fails with a message naming a required parameter without value', () => {
    const p = pipelineOf([task('a', 'a')], {}, { parameters: { n: { type: 'NUMBER_INTEGER', optional: false } }, artifacts: {} });
    const r = plan(input(p));
    expect(r.phase).toBe('Failed');
    expect(r.message).toContain('"n" is required');
  });
});
