// runLocal's loop against small PlanResult doubles (no processes are started).
import { describe, expect, it } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import type { PlanInput, PlanResult } from '../engine/state.js';
import type { Pipeline } from '../model/types.js';
import { defaultRunName, runLocal } from './runner.js';

const pipeline = {
  name: 'My Pipeline!',
  source: 'kfp-ir',
  schemaVersion: '2.1.0',
  root: { name: 'root', inputs: { parameters: {}, artifacts: {} }, outputs: { parameters: {}, artifacts: {} }, implementation: { kind: 'dag', dag: { tasks: {}, outputs: { parameters: {}, artifacts: {} } } } },
  components: {},
  executors: {},
  platform: { executors: {} },
} as Pipeline;
const logger = pino({ level: 'silent' });
const base: PlanResult = { phase: 'Running', nodes: {}, launch: [], stop: [] };
const root = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'pipewright-rl-'));

describe('runLocal loop', () => {
  it('returns the terminal plan with the run context', async () => {
    const inputs: PlanInput[] = [];
    const r = await runLocal(pipeline, {
      artifactRoot: await root(), runName: 'r1', logger, parallelism: 3, arguments: { a: 1 },
      plan: (i) => (inputs.push(i), { ...base, phase: 'Succeeded' }),
    });
    expect(r).toMatchObject({ phase: 'Succeeded', run: { name: 'r1', namespace: 'local' }, facts: {} });
    expect(r.runDir).toMatch(/\/local\/r1$/);
    expect(inputs[0]).toMatchObject({ arguments: { a: 1 }, parallelism: 3, cancelRequested: false });
  });

  it('waits for wakeAt and plans again', async () => {
    let calls = 0;
    const t0 = Date.now();
    const r = await runLocal(pipeline, {
      artifactRoot: await root(), logger,
      plan: (i) => (++calls === 1 ? { ...base, wakeAt: new Date(Date.parse(i.now) + 300).toISOString() } : { ...base, phase: 'Failed', message: 'x' }),
    });
    expect(r.phase).toBe('Failed');
    expect(calls).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('reports a run that cannot make progress instead of hanging', async () => {
    const r = await runLocal(pipeline, { artifactRoot: await root(), logger, plan: () => base });
    expect(r).toMatchObject({ phase: 'Error', message: 'the run cannot make progress (no task can start)' });
  });

  it('passes a cancel to the plan and ends with its Cancelled phase', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runLocal(pipeline, { artifactRoot: await root(), logger, signal: ac.signal, plan: (i) => ({ ...base, phase: i.cancelRequested ? 'Cancelled' : 'Running' }) });
    expect(r.phase).toBe('Cancelled');
  });

  it('propagates an engine error', async () => {
    await expect(runLocal(pipeline, { artifactRoot: await root(), logger, plan: () => { throw new Error('engine bug'); } })).rejects.toThrow('engine bug');
  });

  it('rejects run names that are not safe key segments', async () => {
    await expect(runLocal(pipeline, { artifactRoot: await root(), logger, runName: '../x', plan: () => base })).rejects.toThrow(/not a safe artifact key segment/);
  });

  it('makes default run names from the pipeline name and time', () => {
    expect(defaultRunName(pipeline, new Date('2026-01-02T03:04:05Z'))).toMatch(/^my-pipeline-20260102-030405-[0-9a-f]{4}$/);
  });
});
