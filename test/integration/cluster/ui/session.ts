// The browser test's plumbing (test/integration/cluster/ui.test.ts): the server's API as the test calls it, polls of
// a page, what a page must not do (uncaught errors, requests to another origin), and runs made by kubectl in a
// namespace no controller watches (for paging, and for the 1,000-iteration figure).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { kubectlOk } from '../helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `pipewright server`'s KFP API from the test process (laptop mode: no token). */
export class ServerApi {
  constructor(readonly base: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}/apis/v2beta1/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async waitState(runId: string, states: string[], ms = 240_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const { state } = await this.call<{ state: string }>('GET', `runs/${runId}`);
      if (states.includes(state)) return state;
      if (Date.now() > until) throw new Error(`run ${runId} is ${state}, not ${states.join('/')}, after ${ms} ms`);
      await sleep(1000);
    }
  }

  /** The state of one task of a run. */
  async taskState(runId: string, taskId: string): Promise<string | undefined> {
    const run = await this.call<{ run_details?: { task_details?: { task_id: string; state?: string }[] } }>('GET', `runs/${runId}`);
    return run.run_details?.task_details?.find((t) => t.task_id === taskId)?.state;
  }

  /** A run of a compiled pipeline file, in `experiment` (none when undefined). */
  async startRun(file: string, name: string, parameters: object, experiment: string | undefined): Promise<string> {
    return (await this.call<{ run_id: string }>('POST', 'runs', {
      display_name: name, experiment_id: experiment, pipeline_spec: parse(readFileSync(file, 'utf8')) as object, runtime_config: { parameters },
    })).run_id;
  }
}

/**
 * Polls an expression from here (page.evaluate runs it through the debugger protocol). Not page.waitForFunction:
 * when its first check fails it re-evaluates a string inside the page, which the UI's Content-Security-Policy
 * (no 'unsafe-eval') refuses, failing the test and logging a page error whenever the UI was not yet updated.
 */
export async function untilTrue(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`);
    await sleep(100);
  }
}

/** What no page may do: each uncaught error, and each request to anywhere but `base` (the UI bundles every asset). */
export class PageWatch {
  readonly errors: string[] = [];
  readonly offsite: string[] = [];

  constructor(private readonly base: string) {}

  watch(page: Page, label: string): Page {
    page.on('pageerror', (e) => this.errors.push(`${label}: ${String(e)}`));
    page.on('request', (r) => { if (!r.url().startsWith(`${this.base}/`) && !/^(data|blob|about):/.test(r.url())) this.offsite.push(`${label}: ${r.url()}`); });
    return page;
  }
}

const RUN = { apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun' };

/** `count` PipelineRuns named `<prefix>-00`, `<prefix>-01`... of one pipeline, in one apply. */
export async function applyRuns(namespace: string, pipelineFile: string, prefix: string, count: number): Promise<string[]> {
  const yaml = readFileSync(pipelineFile, 'utf8');
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
  const items = names.map((name) => ({ ...RUN, metadata: { name }, spec: { pipelineYAML: yaml } }));
  await kubectlOk(['apply', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return names;
}

/**
 * A succeeded run of the showcase whose loop `for-loop-1` had `iterations` iterations (2 nodes each, plus the 4 of
 * the root), its status written as the controller would (the CRD's schema); returns its uid.
 */
export async function applyBigLoopRun(namespace: string, showcaseFile: string, iterations: number, scratchDir: string): Promise<string> {
  const name = 'big-loop';
  await kubectlOk(['apply', '-n', namespace, '-f', '-'], JSON.stringify({ ...RUN, metadata: { name }, spec: { pipelineYAML: readFileSync(showcaseFile, 'utf8') } }));
  const at = '2026-01-01T00:00:00Z';
  const done = { phase: 'Succeeded', startedAt: at, finishedAt: '2026-01-01T00:00:05Z' };
  const nodes: Record<string, object> = {
    evaluate: { ...done, kind: 'container', task: 'evaluate', pod: 'big-evaluate' },
    'for-loop-1': { ...done, kind: 'loop', task: 'for-loop-1' },
    'condition-2': { ...done, kind: 'dag', task: 'condition-2' },
    wait: { ...done, kind: 'container', task: 'wait', pod: 'big-wait' },
  };
  for (let i = 0; i < iterations; i++) {
    nodes[`for-loop-1[${i}]`] = { ...done, kind: 'iteration', task: `for-loop-1[${i}]` };
    nodes[`for-loop-1[${i}]/square`] = { ...done, kind: 'container', task: 'square', pod: `big-square-${i}` };
  }
  const patch = join(scratchDir, 'big-status.json');
  writeFileSync(patch, JSON.stringify({ status: { phase: 'Succeeded', startedAt: at, finishedAt: '2026-01-01T00:01:00Z', nodes } }));
  await kubectlOk(['patch', 'pipelinerun', name, '-n', namespace, '--subresource=status', '--type=merge', '--patch-file', patch]);
  return kubectlOk(['get', 'pipelinerun', name, '-n', namespace, '-o', 'jsonpath={.metadata.uid}']);
}
