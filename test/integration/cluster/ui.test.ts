// The web UI in a real browser (Debian's chromium driven by playwright-core) against a real `pipewright server`
// and controller on the test cluster, with runs of a pipeline compiled by the real kfp SDK (ui/ui_showcase.py):
// upload and start a run from the form, the tutorial's link opens the run and its DAG turns green live, the task
// panel shows metrics, confusion matrix, the HTML report in a sandboxed frame, Markdown sanitized, the dataset
// head and the logs; the list filters; two runs compared; a long run cancelled, retried, archived and deleted; axe
// finds no serious violation.
// Screenshots go to a temp dir printed at the end (kept as test outputs).
import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { parse } from 'yaml';
import { s3ConfigFromEnv } from '../../../src/artifacts/s3-config.js';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { startServer, type ServerHandle } from '../../../src/server/server.js';
import { clusterState, createNamespace, kubectlOk } from './helpers.js';
import { controllerEnv, installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';

jest.setTimeout(300_000);

const PIPELINE = resolve('test/integration/cluster/ui/ui_showcase.yaml');
const CHROMIUM = process.env.PIPEWRIGHT_CHROMIUM ?? '/usr/bin/chromium';
const shots = mkdtempSync(join(tmpdir(), 'pipewright-ui-shots-'));

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
let server: ServerHandle;
let browser: Browser;
let page: Page;
let base = '';
/** Uncaught errors of the page: none is expected. */
const pageErrors: string[] = [];

/**
 * Polls an expression from here (page.evaluate runs it through the debugger protocol). Not page.waitForFunction:
 * when its first check fails it re-evaluates a string inside the page, which the UI's Content-Security-Policy
 * (no 'unsafe-eval') refuses, failing the test and logging a page error whenever the UI was not yet updated.
 */
async function untilTrue(expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
let experimentId = '';
/** Started by the API beside the one the form starts: a skipped condition, and a long run to cancel. */
const runs: Record<'a' | 'b' | 'long', string> = { a: '', b: '', long: '' };

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/apis/v2beta1/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitState(runId: string, states: string[], ms = 240_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const { state } = await api<{ state: string }>('GET', `runs/${runId}`);
    if (states.includes(state)) return state;
    if (Date.now() > until) throw new Error(`run ${runId} is ${state}, not ${states.join('/')}, after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('ui');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(clusterState().kubeconfig);
  // Laptop mode, as `pipewright server` on a kubeconfig: the browser's same-origin requests act as that user.
  server = await startServer(admin, {
    port: 0, host: '127.0.0.1', defaultNamespace: ns.name, trustLocalCallers: true, allowAnonymous: false,
    s3: s3ConfigFromEnv(controllerEnv(ns.name)),
  }, pino({ level: process.env.LOG_LEVEL ?? 'warn' }));
  base = `http://127.0.0.1:${server.port}`;
  experimentId = (await api<{ experiment_id: string }>('POST', 'experiments', { display_name: 'ui-experiment', namespace: ns.name })).experiment_id;
  const spec = parse(readFileSync(PIPELINE, 'utf8')) as object;
  const start = async (name: string, parameters: object): Promise<string> =>
    (await api<{ run_id: string }>('POST', 'runs', { display_name: name, experiment_id: experimentId, pipeline_spec: spec, runtime_config: { parameters } })).run_id;
  runs.a = await start('showcase-a', { min_accuracy: 0.85 });
  runs.b = await start('showcase-b', { min_accuracy: 0.99 });
  runs.long = await start('showcase-long', { sleep_seconds: 600 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await controller?.stop();
  await ns?.remove();
  console.log(`UI screenshots: ${shots}`);
});

describe('the web UI in chromium', () => {
  it('the tutorial\'s link opens the run: the DAG turns green live, the loop collapsed with counts', async () => {
    await page.goto(`${base}/#/runs/details/${runs.a}`);
    await page.locator('h1', { hasText: 'showcase-a' }).waitFor();
    expect(await page.locator('.dag [data-task-id="evaluate"]').count()).toBe(1);
    await page.locator('.dag [data-task-id="wait"][data-state="SUCCEEDED"]').waitFor({ timeout: 240_000 });
    await page.locator('h1 .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
    const loop = page.locator('.dag .node', { hasText: 'for-loop' });
    expect(await loop.innerText()).toContain('3: 3 succeeded');
    expect(await page.locator('.dag [data-task-id="evaluate"]').getAttribute('data-state')).toBe('SUCCEEDED');
    await loop.getByRole('button', { name: /^Expand/ }).click();
    await page.locator('.dag .node', { hasText: '#2' }).waitFor();
    await shot('run-detail');
  });

  it('the task panel previews metrics, confusion matrix, HTML (sandboxed), Markdown (sanitized), dataset head, logs', async () => {
    await page.locator('.dag [data-task-id="evaluate"] .node-main').click();
    const panel = page.locator('.task-panel');
    const metrics = panel.getByRole('table', { name: 'Metrics' });
    expect(await metrics.innerText()).toMatch(/accuracy\s+0\.9/);
    const confusion = panel.getByRole('table', { name: 'Confusion matrix' });
    expect((await confusion.innerText()).replace(/\s+/g, ' ')).toContain('cat 8 2 dog 1 9');
    expect(await panel.getByRole('img', { name: /ROC curve with 4 points/ }).count()).toBe(1);
    const iframe = panel.locator('iframe.html-artifact');
    await iframe.waitFor();
    expect(await iframe.getAttribute('sandbox')).toBe('');
    expect(await page.frameLocator('iframe.html-artifact').locator('#report-title').innerText()).toBe('Evaluation report');
    const md = panel.locator('.markdown');
    await md.locator('h1', { hasText: 'Summary' }).waitFor();
    expect(await md.locator('strong').innerText()).toBe('0.9');
    expect(await md.locator('img[onerror]').count()).toBe(0);
    const dataset = panel.getByRole('table', { name: 'Dataset head' });
    await dataset.locator('tbody tr').first().waitFor();
    expect(await dataset.locator('thead th').allInnerTexts()).toEqual(['id', 'label', 'score']);
    expect(await dataset.locator('tbody tr').count()).toBe(50);
    // Neither the report's script nor the Markdown's onerror ran against the UI.
    expect(await page.evaluate('({ title: document.title, pwned: document.body.dataset.pwned ?? null })')).toEqual({ title: 'Pipewright', pwned: null });
    await shot('task-panel');
    await panel.getByRole('tab', { name: 'Logs' }).click();
    await panel.locator('pre.logs', { hasText: 'evaluated: accuracy=0.9 min_accuracy=0.85' }).waitFor({ timeout: 30_000 });
  });

  it('a skipped condition shows its reason; the list filters by name and state; two runs are compared', async () => {
    await waitState(runs.b, ['SUCCEEDED']);
    await page.goto(`${base}/#/runs/details/${runs.b}`);
    const cond = page.locator('.dag [data-task-id^="condition-"]');
    await cond.and(page.locator('[data-state="SKIPPED"]')).waitFor();
    expect(await cond.locator('.node-main').getAttribute('title')).toMatch(/Skipped · .*(false|condition)/i);
    await page.goto(`${base}/#/runs`);
    await page.locator('table.list tbody tr').first().waitFor();
    await page.getByLabel('Name contains').fill('showcase-b');
    await page.getByRole('button', { name: 'Filter' }).click();
    await untilTrue("document.querySelectorAll('table.list tbody tr').length === 1");
    expect(await page.locator('table.list tbody').innerText()).toContain('showcase-b');
    await page.getByLabel('Name contains').fill('showcase');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByLabel('State', { exact: true }).selectOption('SUCCEEDED');
    // The running long run leaves the list once the state filter applies; the two finished ones stay.
    await untilTrue("(() => { const t = document.querySelector('table.list tbody')?.innerText ?? ''; return !t.includes('showcase-long') && t.includes('showcase-a') && t.includes('showcase-b'); })()");
    expect(page.url()).toContain('state=SUCCEEDED');
    await shot('runs-list');
    await page.getByLabel('Compare showcase-a').check();
    await page.getByLabel('Compare showcase-b').check();
    await page.getByRole('link', { name: /Compare \(2\)/ }).click();
    const params = page.getByRole('table', { name: 'Parameters' });
    await params.waitFor();
    expect(await params.locator('tr[data-differs="true"] th').allInnerTexts()).toEqual([expect.stringContaining('min_accuracy')]);
    const metrics = page.getByRole('table', { name: 'Metrics' });
    expect(await metrics.locator('tr[data-differs="true"] th').allInnerTexts()).toEqual([expect.stringContaining('evaluate.min_accuracy')]);
    await shot('compare');
  });

  it('uploads the pipeline, shows its graph and typed form, starts a run from it; cancels, retries, archives and deletes a long run', async () => {
    await page.goto(`${base}/#/pipelines`);
    await page.getByLabel('Compiled pipeline (YAML)').setInputFiles(PIPELINE);
    await page.getByLabel('Name', { exact: true }).fill('ui-showcase');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('h1', { hasText: 'ui-showcase' }).waitFor();
    await page.locator('.dag [data-task-id="evaluate"]').waitFor();
    expect(await page.getByLabel(/^min_accuracy/).inputValue()).toBe('0.85');
    expect(await page.getByLabel(/^xs/).inputValue()).toBe('[1,2,3]');
    await page.getByLabel(/^sleep_seconds/).fill('soon');
    await page.getByRole('button', { name: 'Start run' }).click();
    expect(await page.locator('.field-error').innerText()).toBe('an integer, e.g. 3');
    await page.getByLabel(/^sleep_seconds/).fill('0');
    await page.getByLabel(/^min_accuracy/).fill('0.5');
    await page.getByLabel('Run name').fill('from-the-form');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('h1', { hasText: 'from-the-form' }).waitFor();
    expect(await page.locator('.params').innerText()).toMatch(/min_accuracy\s+0\.5/);
    await shot('pipeline-run-started');

    await waitState(runs.long, ['RUNNING']);
    await page.goto(`${base}/#/runs/details/${runs.long}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('h1 .badge', { hasText: /Cancel/ }).waitFor({ timeout: 120_000 });
    expect(await waitState(runs.long, ['CANCELED'], 120_000)).toBe('CANCELED');

    // Retried in place: the cancelled task runs again (and is cancelled again).
    await page.getByRole('button', { name: 'Retry run' }).click();
    await page.getByRole('button', { name: 'Cancel run' }).waitFor({ timeout: 120_000 });
    expect(await waitState(runs.long, ['RUNNING', 'PENDING'])).toMatch(/RUNNING|PENDING/);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    expect(await waitState(runs.long, ['CANCELED'], 120_000)).toBe('CANCELED');
    await page.getByRole('button', { name: 'Archive run' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Archive run' }).click();
    await page.getByRole('button', { name: 'Restore run' }).waitFor();
    expect((await api<{ storage_state: string }>('GET', `runs/${runs.long}`)).storage_state).toBe('ARCHIVED');
    await shot('run-archived');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete run' }).click();
    await page.waitForURL(/#\/runs$/);
    // The PipelineRun is gone (its history, if kept, is another matter).
    expect(await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-o', 'jsonpath={.items[*].metadata.uid}'])).not.toContain(runs.long);
  });

  it('renders the run detail of a 1,000-iteration loop (2,004 nodes) and prints how long it took', async () => {
    // A run in a namespace no controller watches, its status written as the controller would (the CRD's schema):
    // the figure is the browser's, from navigation to the DAG drawn with the loop's counts.
    const big = await createNamespace('ui-big');
    try {
      const name = 'big-loop';
      await kubectlOk(['apply', '-n', big.name, '-f', '-'], JSON.stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineYAML: readFileSync(PIPELINE, 'utf8') } }));
      const at = '2026-01-01T00:00:00Z';
      const done = { phase: 'Succeeded', startedAt: at, finishedAt: '2026-01-01T00:00:05Z' };
      const nodes: Record<string, object> = {
        evaluate: { ...done, kind: 'container', task: 'evaluate', pod: 'big-evaluate' },
        'for-loop-1': { ...done, kind: 'loop', task: 'for-loop-1' },
        'condition-2': { ...done, kind: 'dag', task: 'condition-2' },
        wait: { ...done, kind: 'container', task: 'wait', pod: 'big-wait' },
      };
      for (let i = 0; i < 1000; i++) {
        nodes[`for-loop-1[${i}]`] = { ...done, kind: 'iteration', task: `for-loop-1[${i}]` };
        nodes[`for-loop-1[${i}]/square`] = { ...done, kind: 'container', task: 'square', pod: `big-square-${i}` };
      }
      const patch = join(shots, 'big-status.json');
      writeFileSync(patch, JSON.stringify({ status: { phase: 'Succeeded', startedAt: at, finishedAt: '2026-01-01T00:01:00Z', nodes } }));
      await kubectlOk(['patch', 'pipelinerun', name, '-n', big.name, '--subresource=status', '--type=merge', '--patch-file', patch]);
      const uid = await kubectlOk(['get', 'pipelinerun', name, '-n', big.name, '-o', 'jsonpath={.metadata.uid}']);
      const tApi = Date.now();
      expect((await api<{ run_details: { task_details: unknown[] } }>('GET', `runs/${uid}`)).run_details.task_details).toHaveLength(2004);
      console.log(`UI: GET of that run (2,004 task details) took ${Date.now() - tApi} ms`);
      await page.goto(`${base}/#/runs`);
      await page.locator('main h1').first().waitFor();
      const t0 = Date.now();
      await page.goto(`${base}/#/runs/details/${uid}`);
      await page.locator('.dag .node', { hasText: '1000: 1000 succeeded' }).waitFor();
      const ms = Date.now() - t0;
      console.log(`UI: run detail of a 1,000-iteration loop (2,004 nodes) rendered in ${ms} ms (chromium, from navigation to the DAG drawn)`);
      const t1 = Date.now();
      await page.locator('.dag .node', { hasText: 'for-loop-1' }).getByRole('button', { name: /^Expand/ }).click();
      await page.locator('.dag .node', { hasText: '#49' }).waitFor();
      console.log(`UI: expanding it (50 iterations drawn, 950 counted) took ${Date.now() - t1} ms`);
      expect(await page.locator('.note', { hasText: '950 more loop iterations' }).count()).toBe(1);
      await shot('big-loop');
    } finally {
      await big.remove();
    }
  });

  it('is usable at phone width and axe reports no serious or critical violation', async () => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const serious: string[] = [];
    for (const path of [`#/runs/details/${runs.a}`, '#/runs', `#/compare?runs=${runs.a},${runs.b}`, '#/pipelines']) {
      await page.goto(`${base}/${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(300);
      await page.evaluate(`${axeSource};0`); // evaluated by the debugger protocol: the UI's CSP allows no inline script
      const violations = await page.evaluate<{ id: string; impact: string; n: number }[]>(
        "axe.run({ resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length })))");
      for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') serious.push(`${path}: ${v.id} (${v.impact}, ${v.n})`);
    }
    expect(serious).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/#/runs/details/${runs.a}`);
    await page.locator('.dag [data-task-id="evaluate"]').waitFor();
    await page.locator('.dag [data-task-id="evaluate"] .node-main').focus();
    await page.keyboard.press('Enter');
    await page.locator('.task-panel').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('phone-run-detail');
    expect(pageErrors).toEqual([]);
  });
});
