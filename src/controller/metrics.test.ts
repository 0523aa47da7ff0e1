import pino from 'pino';
import { startHttpServer } from './http-server.js';
import { countingErrors, ProcessMetrics } from './metrics.js';
import type { RunStatus } from './status.js';

const series = (text: string, name: string): Record<string, number> =>
  Object.fromEntries(text.split('\n').filter((l) => l.startsWith(name)).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));

describe('metrics', () => {
  it('serves work series only while leading', async () => {
    const m = new ProcessMetrics({ defaultMetrics: false });
    expect(await m.text()).not.toContain('pipewright_reconcile_total');
    expect(series(await m.text(), 'pipewright_leader')).toEqual({ pipewright_leader: 0 });
    const runs: { status?: RunStatus }[] = [{ status: { phase: 'Running' } }, { status: { phase: 'Succeeded' } }, { status: { phase: 'Succeeded' } }, {}];
    const w = m.startWork({ runs: () => runs, queueDepth: () => 7 });
    w.reconciled('success', 20);
    w.reconciled('error', 5);
    const text = await m.text();
    expect(series(text, 'pipewright_runs')).toMatchObject({ 'pipewright_runs{phase="Succeeded"}': 2, 'pipewright_runs{phase="Running"}': 1, 'pipewright_runs{phase="Pending"}': 1, 'pipewright_runs{phase="Failed"}': 0 });
    expect(series(text, 'pipewright_workqueue_depth')).toEqual({ pipewright_workqueue_depth: 7 });
    expect(series(text, 'pipewright_reconcile_total')).toEqual({ 'pipewright_reconcile_total{result="success"}': 1, 'pipewright_reconcile_total{result="error"}': 1 });
    expect(series(text, 'pipewright_leader')).toEqual({ pipewright_leader: 1 });
    w.s3Error('getJson');
    m.s3Errors.inc({ component: 'gateway', operation: 'presign' });
    expect(series(await m.text(), 'pipewright_s3_errors_total')).toEqual({ 'pipewright_s3_errors_total{component="reconciler",operation="getJson"}': 1, 'pipewright_s3_errors_total{component="gateway",operation="presign"}': 1 });
    m.stopWork();
    expect(await m.text()).not.toContain('pipewright_runs');
  });

  it('observes each finished task attempt once, with its duration', async () => {
    const m = new ProcessMetrics({ defaultMetrics: false });
    const w = m.startWork({ runs: () => [], queueDepth: () => 0 });
    const node = (phase: 'Running' | 'Succeeded', attempt: number, finishedAt?: string) => ({ phase, kind: 'container' as const, task: 't', attempt, startedAt: '2026-01-01T00:00:00Z', ...(finishedAt ? { finishedAt } : {}) });
    const running: RunStatus = { nodes: { a: node('Running', 1) } };
    const done: RunStatus = { nodes: { a: node('Succeeded', 1, '2026-01-01T00:00:42Z') } };
    w.statusWritten({}, running);
    w.statusWritten(running, done);
    w.statusWritten(done, done);
    // Cancelled by the controller: the new status has no startedAt, the previous one does.
    w.statusWritten(running, { nodes: { a: { phase: 'Cancelled', kind: 'container', task: 't', attempt: 1, finishedAt: '2026-01-01T00:00:05Z' } } });
    const s = series(await m.text(), 'pipewright_task_duration_seconds');
    expect(s['pipewright_task_duration_seconds_count{phase="Succeeded"}']).toBe(1);
    expect(s['pipewright_task_duration_seconds_sum{phase="Succeeded"}']).toBe(42);
    expect(s['pipewright_task_duration_seconds_bucket{le="30",phase="Succeeded"}']).toBe(0);
    expect(s['pipewright_task_duration_seconds_bucket{le="60",phase="Succeeded"}']).toBe(1);
    expect(s['pipewright_task_duration_seconds_sum{phase="Cancelled"}']).toBe(5);
  });

  it('counts rejected calls by method, except the ignored ones', async () => {
    const errors: string[] = [];
    class NotFound extends Error {}
    const store = countingErrors({
      async ok() { return 1; },
      async missing(): Promise<number> { throw new NotFound('x'); },
      async broken(): Promise<number> { throw new Error('boom'); },
    }, (m) => errors.push(m), (e) => e instanceof NotFound);
    expect(await store.ok()).toBe(1);
    await expect(store.missing()).rejects.toThrow('x');
    await expect(store.broken()).rejects.toThrow('boom');
    expect(errors).toEqual(['broken']);
  });

  it('is served at /metrics next to the probes; gateway requests are counted by route and code', async () => {
    const m = new ProcessMetrics({ defaultMetrics: false });
    let ready = false;
    const http = await startHttpServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }), ready: () => ready, metrics: m });
    try {
      const base = `http://127.0.0.1:${http.port}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // No gateway configured: a 404, counted under its route.
      expect((await fetch(`${base}/v1/artifacts/download`, { method: 'POST' })).status).toBe(404);
      const res = await fetch(`${base}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(series(await res.text(), 'pipewright_gateway_requests_total')).toEqual({ 'pipewright_gateway_requests_total{route="download",code="404"}': 1 });
    } finally {
      await http.close();
    }
  });
});

describe('process metrics', () => {
  it('are collected once per process and served by each controller', async () => {
    const [a, b] = [new ProcessMetrics(), new ProcessMetrics()];
    const [ta, tb] = [await a.text(), await b.text()];
    expect(ta).toMatch(/^pipewright_process_cpu_user_seconds_total \d/m);
    expect(tb).toMatch(/^pipewright_nodejs_heap_size_used_bytes \d/m);
  });
});
