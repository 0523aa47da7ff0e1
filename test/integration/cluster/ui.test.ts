// The web UI in a real browser (Debian's chromium driven by playwright-core) against a real `pipewright server`
// and controller on the test cluster, with pipelines compiled by the real kfp SDK. The main path is the tutorial's
// (examples/training): upload it, start a run from the typed form, the tutorial's printed link opens the run and
// its DAG turns green live, the evaluation's metrics, a task's logs, two runs with different min_accuracy compared
// and the skipped deploy's reason. The tutorial logs no ClassificationMetrics, HTML or Markdown, so those previews
// (confusion matrix, ROC, the HTML report in a sandboxed frame, Markdown sanitized, dataset head, a collapsed loop)
// come from ui/ui_showcase.py, whose slow task also shows a log followed while it runs (one streamed request) and
// is cancelled, retried, archived and deleted. A sub-pipeline (test/fixtures/ir/nested_pipeline.yaml) is expanded and
// its task's inputs, outputs, pod and events shown; the runs list is sorted and paged over 25 runs made by kubectl in
// a namespace picked in the header. axe finds no serious violation; the page asks no other origin for anything.
// Screenshots of each page go to a temp dir printed at the end (kept as test outputs).
import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { s3ConfigFromEnv } from '../../../src/artifacts/s3-config.js';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { startServer, type ServerHandle } from '../../../src/server/server.js';
import { clusterState, createNamespace, kubectlOk } from './helpers.js';
import { controllerEnv, installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';
import { bigLoopDrawn, runsPagedAndSorted, type Ctx } from './ui/list-checks.js';
import { PageWatch, ServerApi, untilTrue as untilTrueOn } from './ui/session.js';

jest.setTimeout(300_000);

const TUTORIAL = resolve('examples/training/pipeline.yaml');
const SHOWCASE = resolve('test/integration/cluster/ui/ui_showcase.yaml');
const NESTED = resolve('test/fixtures/ir/nested_pipeline.yaml');
/** The nested pipeline's input: never used before (the time in s), so no task of it is a cache hit of an earlier run. */
const NESTED_START = Math.floor(Date.now() / 1000);
const CHROMIUM = process.env.PIPEWRIGHT_CHROMIUM ?? '/usr/bin/chromium';
const shots = mkdtempSync(join(tmpdir(), 'pipewright-ui-shots-'));

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
let server: ServerHandle;
let browser: Browser;
let page: Page;
let base = '';
let kfp: ServerApi;
/** Uncaught page errors and requests to another origin: none is expected. */
let watch: PageWatch;
let experimentId = '';
/** The tutorial pipeline the first test uploads. */
let pipelineId = '';
/**
 * `form`: the tutorial run the form starts (min_accuracy 0.85, it deploys); the others are started by the API at
 * once so they run meanwhile: the tutorial with min_accuracy 0.99 (deploy skipped), the showcase, the showcase's
 * slow task for ten minutes (followed, then cancelled), and the nested pipeline (in no experiment).
 */
const runs: Record<'form' | 'strict' | 'showcase' | 'long' | 'nested', string> = { form: '', strict: '', showcase: '', long: '', nested: '' };

const api = <T>(method: string, path: string, body?: unknown): Promise<T> => kfp.call<T>(method, path, body);
const waitState = (runId: string, states: string[], ms?: number): Promise<string> => kfp.waitState(runId, states, ms);
const untilTrue = (expression: string, timeoutMs?: number): Promise<void> => untilTrueOn(page, expression, timeoutMs);
const shot = (name: string, on: Page = page): Promise<Buffer> => on.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const ctx = (): Ctx => ({ page, base, api: kfp, shot, scratch: shots, showcase: SHOWCASE, pipeline: NESTED });

/** Started once the form's run has trained: the tutorial with min_accuracy 0.99, its data and model from the cache. */
let strictStarted: Promise<void> | undefined;

/** A second tab left on the form's run from its start: it shows the DAG turning green without a reload. */
let live: Page;

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
  kfp = new ServerApi(base);
  watch = new PageWatch(base);
  experimentId = (await api<{ experiment_id: string }>('POST', 'experiments', { display_name: 'ui-experiment', namespace: ns.name })).experiment_id;
  runs.showcase = await kfp.startRun(SHOWCASE, 'showcase', { min_accuracy: 0.85 }, experimentId);
  runs.long = await kfp.startRun(SHOWCASE, 'showcase-long', { sleep_seconds: 600 }, experimentId);
  runs.nested = await kfp.startRun(NESTED, 'nested', { start: NESTED_START }, undefined);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch.watch(page, 'page');
});

afterAll(async () => {
  await strictStarted?.catch(() => undefined);
  await browser?.close();
  await server?.close();
  await controller?.stop();
  await ns?.remove();
  console.log(`UI screenshots: ${shots}`);
});

describe('the web UI in chromium', () => {
  it('uploads the tutorial pipeline and starts a run from its typed form; the tutorial\'s link opens the run while it starts', async () => {
    await page.goto(`${base}/#/pipelines`);
    await page.getByLabel('Compiled pipeline (YAML)').setInputFiles(TUTORIAL);
    await page.getByLabel('Name', { exact: true }).fill('tutorial');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('h1', { hasText: 'tutorial' }).waitFor();
    pipelineId = /#\/pipelines\/details\/([^/?]+)/.exec(page.url())![1]!;
    for (const t of ['load-data', 'train-model', 'evaluate-model']) await page.locator(`.dag [data-task-id="${t}"]`).waitFor();
    // A second version (the showcase's YAML): listed and chosen, its graph drawn; then the first chosen again.
    await page.getByLabel('New version (YAML)').setInputFiles(SHOWCASE);
    await page.getByLabel('Version name').fill('showcase-as-v2');
    await page.getByRole('button', { name: 'Upload version' }).click();
    await page.locator('.dag [data-task-id="for-loop-1"]').waitFor();
    const versions = page.getByLabel('Version', { exact: true });
    await untilTrue(`document.querySelectorAll('form[aria-label="Versions"] option').length === 2`);
    const texts = await versions.locator('option').allInnerTexts();
    expect(texts.map((t) => t.replace(/ \(.*\)$/, '')).sort()).toEqual(['showcase-as-v2', expect.stringMatching(/^tutorial/)]);
    expect(await versions.locator('option:checked').innerText()).toMatch(/^showcase-as-v2 /);
    await versions.selectOption({ index: texts.findIndex((t) => t.startsWith('tutorial')) });
    await page.waitForURL(/#\/pipelines\/details\/[^/]+\/version\/[^/]+$/);
    await page.locator('.dag [data-task-id="evaluate-model"]').waitFor();
    expect(await page.locator('.dag [data-task-id="for-loop-1"]').count()).toBe(0);
    expect(await page.getByLabel(/^min_accuracy/).inputValue()).toBe('0.85');
    expect(await page.getByLabel(/^deploy_endpoint/).inputValue()).toBe('production');
    await page.getByLabel(/^min_accuracy/).fill('high');
    await page.getByRole('button', { name: 'Start run' }).click();
    expect(await page.locator('.field-error').innerText()).toBe('a number, e.g. 0.9');
    await page.getByLabel(/^min_accuracy/).fill('0.85');
    expect(await page.locator('.field-error').count()).toBe(0); // the error goes once the field is edited
    await page.getByLabel('Run name').fill('tutorial-form');
    await page.getByLabel('Experiment').selectOption({ label: 'ui-experiment' });
    await shot('pipeline-detail');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/details\/[0-9a-f-]{36}$/);
    runs.form = /details\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.locator('h1', { hasText: 'tutorial-form' }).waitFor();
    expect(await page.locator('.params').innerText()).toMatch(/min_accuracy\s+0\.85/);
    // The tutorial's printed link, http://<server>/#/runs/details/<run id>, in a tab left open while the run goes
    // on (the other tests meanwhile); it notes every state each node shows.
    live = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch.watch(live, 'live tab');
    await live.goto(`${base}/#/runs/details/${runs.form}`);
    await live.locator('.dag [data-task-id="evaluate-model"]').waitFor();
    await live.evaluate(`window.pwSeen = []; setInterval(() => { for (const n of document.querySelectorAll('.dag [data-task-id]')) {
      const k = n.getAttribute('data-task-id') + ':' + n.getAttribute('data-state'); if (!window.pwSeen.includes(k)) window.pwSeen.push(k); } }, 200); 0`);
    expect(await live.locator('.dag [data-task-id="evaluate-model"]').getAttribute('data-state')).not.toBe('SUCCEEDED');
    // Started once this run's model is trained, so its data and model come from the cache (less to wait for).
    strictStarted = (async () => {
      const until = Date.now() + 300_000;
      while (await kfp.taskState(runs.form, 'train-model') !== 'SUCCEEDED') {
        if (Date.now() > until) throw new Error('the form\'s run did not train its model in 300 s');
        await new Promise((r) => setTimeout(r, 1000));
      }
      runs.strict = await kfp.startRun(TUTORIAL, 'tutorial-strict', { min_accuracy: 0.99, deploy_endpoint: 'production' }, experimentId);
    })();
    strictStarted.catch(() => undefined); // awaited by the comparison; not an unhandled rejection meanwhile
  });

  it('previews the showcase\'s confusion matrix, ROC, HTML (sandboxed), Markdown (sanitized) and dataset head; its loop collapsed with counts', async () => {
    await waitState(runs.showcase, ['SUCCEEDED']);
    await page.goto(`${base}/#/runs/details/${runs.showcase}`);
    const loop = page.locator('.dag .node', { hasText: 'for-loop' });
    await loop.waitFor();
    expect(await loop.innerText()).toContain('3: 3 succeeded');
    await loop.getByRole('button', { name: /^Expand/ }).click();
    await page.locator('.dag .node', { hasText: '#2' }).waitFor();
    await page.locator('.dag [data-task-id="evaluate"] .node-main').click();
    const panel = page.locator('.task-panel');
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
    // The preview asked for a capped range (streamed from S3, never read whole); the download link gets every byte.
    const link = panel.locator('[data-artifact-type="system.Dataset"]').getByRole('link', { name: /^Download/ });
    const url = `${base}/${(await link.getAttribute('href'))!}`;
    const head = await fetch(url.replace('download=true', 'max_bytes=100'));
    const size = Number(head.headers.get('x-pipewright-size'));
    expect({ truncated: head.headers.get('x-pipewright-truncated'), bytes: (await head.arrayBuffer()).byteLength }).toEqual({ truncated: 'true', bytes: 100 });
    const whole = await fetch(url);
    expect(whole.headers.get('content-disposition')).toMatch(/^attachment/);
    const text = await whole.text();
    expect({ bytes: Buffer.byteLength(text), first: text.split('\n')[0], rows: text.trim().split('\n').length }).toEqual({ bytes: size, first: 'id,label,score', rows: 201 });
    // Neither the report's script nor the Markdown's onerror ran against the UI.
    expect(await page.evaluate('({ title: document.title, pwned: document.body.dataset.pwned ?? null })')).toEqual({ title: 'Pipewright', pwned: null });
    await shot('task-previews');
  });

  it('follows the long task\'s log while it runs (one streamed request); cancels, retries, archives and restores the run', async () => {
    await waitState(runs.long, ['RUNNING']);
    await page.goto(`${base}/#/runs/details/${runs.long}`);
    await page.locator('.dag [data-task-id="wait"][data-state="RUNNING"]').waitFor({ timeout: 120_000 });
    await page.locator('.dag [data-task-id="wait"] .node-main').click();
    const panel = page.locator('.task-panel');
    await panel.getByRole('tab', { name: 'Logs' }).click();
    const logs = panel.locator('pre.logs');
    await logs.filter({ hasText: /waited \d+ s/ }).waitFor({ timeout: 60_000 });
    const requests: string[] = [];
    const onRequest = (r: { url: () => string }): void => { if (r.url().includes('/logs?')) requests.push(r.url()); };
    page.on('request', onRequest);
    const last = (): Promise<number> => logs.innerText().then((t) => Math.max(...[...t.matchAll(/waited (\d+) s/g)].map((m) => Number(m[1]))));
    const first = await last();
    await logs.filter({ hasText: `waited ${first + 3} s` }).waitFor({ timeout: 30_000 });
    page.off('request', onRequest);
    // Lines came while the task still ran, on the request already open: a followed log, not re-reads.
    expect(await page.locator('.dag [data-task-id="wait"]').getAttribute('data-state')).toBe('RUNNING');
    expect(requests).toEqual([]);
    expect(await panel.getByRole('status').innerText()).toContain('Following the log');
    await shot('task-log-followed');

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
    await page.getByRole('button', { name: 'Restore run' }).click();
    await page.getByRole('button', { name: 'Archive run' }).waitFor();
    expect((await api<{ storage_state: string }>('GET', `runs/${runs.long}`)).storage_state).toBe('AVAILABLE');
  });

  it('renders the run detail of a 1,000-iteration loop (2,004 nodes) and prints how long it took', () => bigLoopDrawn(ctx()));

  it('pages and sorts the runs list of a namespace picked in the header (25 runs)', () => runsPagedAndSorted(ctx()));

  it('the form\'s run turned green live in the tab left open; the evaluation\'s metrics and the deploy task\'s logs', async () => {
    await live.locator('h1 .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 300_000 });
    const seen = await live.evaluate<string[]>('window.pwSeen');
    for (const t of ['load-data', 'train-model', 'evaluate-model', 'condition-1']) {
      // Each node was drawn not yet done, then green, on the page as first loaded.
      expect(seen.filter((k) => k.startsWith(`${t}:`) && k !== `${t}:SUCCEEDED`)).not.toEqual([]);
      expect(await live.locator(`.dag [data-task-id="${t}"]`).getAttribute('data-state')).toBe('SUCCEEDED');
    }
    await shot('run-detail', live);
    await live.locator('.dag [data-task-id="evaluate-model"] .node-main').click();
    const panel = live.locator('.task-panel');
    expect(await panel.getByRole('table', { name: 'Metrics' }).innerText()).toMatch(/accuracy\s+0\.9\d*\s+f1_score\s+0\.9/);
    await shot('task-metrics', live);
    // A Model: its metadata and a download link that gets the file.
    await live.locator('.dag [data-task-id="train-model"] .node-main').click();
    const model = panel.locator('[data-artifact-type="system.Model"]');
    await model.waitFor();
    const modelUrl = `${base}/${(await model.getByRole('link', { name: /^Download/ }).getAttribute('href'))!}`;
    const modelRes = await fetch(modelUrl);
    expect({ status: modelRes.status, disposition: modelRes.headers.get('content-disposition') }).toEqual({ status: 200, disposition: expect.stringMatching(/^attachment/) });
    const modelBytes = (await modelRes.arrayBuffer()).byteLength;
    expect(modelBytes).toBeGreaterThan(0);
    expect(modelBytes).toBe(Number(modelRes.headers.get('x-pipewright-size')));
    await live.locator('.dag .node', { hasText: 'condition-1' }).getByRole('button', { name: /^Expand/ }).click();
    await live.locator('.dag [data-task-id$="deploy-model"] .node-main').click();
    await panel.getByRole('tab', { name: 'Logs' }).click();
    await panel.locator('pre.logs', { hasText: 'Model deployed to endpoint \'production\'' }).waitFor({ timeout: 30_000 });
    await shot('task-logs', live);
    await live.close();
  });

  it('the strict run: data and model cached, deploy skipped with its reason; the lists filter; the two tutorial runs compared', async () => {
    await strictStarted;
    await waitState(runs.strict, ['SUCCEEDED']);
    await page.goto(`${base}/#/runs/details/${runs.strict}`);
    const cond = page.locator('.dag [data-task-id="condition-1"]');
    await cond.and(page.locator('[data-state="SKIPPED"]')).waitFor();
    expect(await cond.locator('.node-main').getAttribute('title')).toMatch(/Skipped · .*(false|condition)/i);
    expect(await page.locator('.dag [data-task-id="train-model"] .node-main').getAttribute('title')).toMatch(/^train-model: Cached/);
    await page.goto(`${base}/#/experiments`);
    await page.getByRole('link', { name: 'ui-experiment' }).click();
    await untilTrue("(() => { const t = document.querySelector('table.list tbody')?.innerText ?? ''; return t.includes('tutorial-form') && t.includes('tutorial-strict'); })()");
    await shot('experiment-runs');
    await page.goto(`${base}/#/runs`);
    await page.locator('table.list tbody tr').first().waitFor();
    await page.getByLabel('Name contains').fill('tutorial-s');
    await page.getByRole('button', { name: 'Filter' }).click();
    await untilTrue("document.querySelectorAll('table.list tbody tr').length === 1");
    expect(await page.locator('table.list tbody').innerText()).toContain('tutorial-strict');
    await page.getByLabel('Name contains').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByLabel('State', { exact: true }).selectOption('SUCCEEDED');
    // The cancelled long run leaves the list once the state filter applies; the succeeded ones stay.
    await untilTrue("(() => { const t = document.querySelector('table.list tbody')?.innerText ?? ''; return !t.includes('showcase-long') && t.includes('tutorial-form') && t.includes('tutorial-strict'); })()");
    expect(page.url()).toContain('state=SUCCEEDED');
    // The nested run is in no experiment: it leaves the list once the experiment filter applies.
    await waitState(runs.nested, ['SUCCEEDED']);
    await untilTrue("(document.querySelector('table.list tbody')?.innerText ?? '').includes('nested')");
    await page.getByLabel('Experiment', { exact: true }).selectOption({ label: 'ui-experiment' });
    await untilTrue("!(document.querySelector('table.list tbody')?.innerText ?? '').includes('nested')");
    expect(page.url()).toContain(`experiment=${experimentId}`);
    await page.getByLabel('Sort').selectOption('display_name desc');
    await untilTrue("document.querySelector('table.list tbody td:nth-child(2)')?.textContent === 'tutorial-strict'");
    expect(await page.locator('table.list tbody tr td:nth-child(2)').allInnerTexts()).toEqual(['tutorial-strict', 'tutorial-form', 'showcase']);
    await shot('runs-list');
    await page.getByLabel('Compare tutorial-form').check();
    await page.getByLabel('Compare tutorial-strict').check();
    await page.getByRole('link', { name: /Compare \(2\)/ }).click();
    const params = page.getByRole('table', { name: 'Parameters' });
    await params.waitFor();
    expect(await params.locator('tr[data-differs="true"] th').allInnerTexts()).toEqual([expect.stringContaining('min_accuracy')]);
    expect((await params.locator('tr[data-differs="true"]').innerText()).replace(/\s+/g, ' ')).toMatch(/0\.85 0\.99$/);
    // Same data and seed: the same accuracy, so no metric differs.
    const metrics = page.getByRole('table', { name: 'Metrics' });
    expect(await metrics.locator('th', { hasText: 'evaluate-model.accuracy' }).count()).toBe(1);
    expect(await metrics.locator('tr[data-differs="true"]').count()).toBe(0);
    await shot('compare');

    await page.goto(`${base}/#/runs/details/${runs.long}`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete run' }).click();
    await page.waitForURL(/#\/runs$/);
    // The PipelineRun is gone (its history, if kept, is another matter).
    expect(await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-o', 'jsonpath={.items[*].metadata.uid}'])).not.toContain(runs.long);
  });

  it('expands the nested pipeline\'s sub-DAG; its task\'s panel shows inputs, outputs, pod and events', async () => {
    await waitState(runs.nested, ['SUCCEEDED']);
    await page.goto(`${base}/#/runs/details/${runs.nested}`);
    const inner = page.locator('.dag [data-task-id="inner"]');
    await inner.waitFor();
    expect({ state: await inner.getAttribute('data-state'), text: await inner.innerText() }).toEqual({ state: 'SUCCEEDED', text: expect.stringContaining('2: 2 succeeded') });
    expect(await page.locator('.dag [data-task-id^="inner/"]').count()).toBe(0);
    await inner.getByRole('button', { name: 'Expand inner' }).click();
    const second = page.locator('.dag [data-task-id="inner/add-2"]');
    await second.waitFor();
    expect(await page.locator('.dag [data-task-id="inner/add"]').getAttribute('data-state')).toBe('SUCCEEDED');
    expect(await second.getAttribute('data-state')).toBe('SUCCEEDED');
    await second.locator('.node-main').click();
    const panel = page.locator('.task-panel');
    const details = (await panel.getByRole('tabpanel').innerText()).replace(/\s+/g, ' ');
    // Inputs as bound in the sub-pipeline, the output computed, the pod that ran it.
    expect(details).toContain('Inputs x add.Output y add.Output');
    expect(details).toContain(`Outputs Output ${2 * (NESTED_START + 10)}`);
    expect(await panel.locator('tr', { hasText: 'Pod' }).locator('td code').innerText()).toMatch(/\S/);
    await panel.getByRole('tab', { name: /^Events/ }).click();
    expect(await panel.locator('ul.events li').count()).toBeGreaterThan(0);
    await shot('sub-dag');
    // Collapsed again from the group's label.
    await page.locator('.dag .group-label', { hasText: 'inner' }).click();
    await untilTrue("document.querySelectorAll('.dag [data-task-id^=\"inner/\"]').length === 0");
    expect(await inner.innerText()).toContain('2: 2 succeeded');
  });

  it('is usable at phone width and axe reports no serious or critical violation', async () => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const serious: string[] = [];
    const pages: Record<string, string> = {
      'run-detail-axe': `#/runs/details/${runs.form}`, 'runs-axe': '#/runs', 'compare-axe': `#/compare?runs=${runs.form},${runs.strict}`,
      pipelines: '#/pipelines', 'pipeline-form-axe': `#/pipelines/details/${pipelineId}`, experiments: '#/experiments',
    };
    for (const [name, path] of Object.entries(pages)) {
      await page.goto(`${base}/${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(300);
      await shot(name);
      await page.evaluate(`${axeSource};0`); // evaluated by the debugger protocol: the UI's CSP allows no inline script
      const violations = await page.evaluate<{ id: string; impact: string; n: number }[]>(
        "axe.run({ resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length })))");
      for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') serious.push(`${path}: ${v.id} (${v.impact}, ${v.n})`);
    }
    expect(serious).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/#/runs/details/${runs.form}`);
    await page.locator('.dag [data-task-id="evaluate-model"]').waitFor();
    await page.locator('.dag [data-task-id="evaluate-model"] .node-main').focus();
    await page.keyboard.press('Enter');
    await page.locator('.task-panel').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('phone-run-detail');
    // The list, the comparison and the pipeline's form fit too (wide tables scroll in their own box).
    for (const [name, path] of Object.entries({ 'phone-runs': '#/runs', 'phone-compare': `#/compare?runs=${runs.form},${runs.strict}`, 'phone-pipeline': `#/pipelines/details/${pipelineId}` })) {
      await page.goto(`${base}/${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(300);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect([name, width <= 390 ? 'fits in 390 px' : `${width} px wide`]).toEqual([name, 'fits in 390 px']);
      await shot(name);
    }
    expect({ errors: watch.errors, offsite: watch.offsite }).toEqual({ errors: [], offsite: [] });
  });
});
