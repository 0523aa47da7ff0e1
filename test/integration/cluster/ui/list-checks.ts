// Two checks of ui.test.ts that need no controller: runs made by kubectl in a namespace none watches. The runs list
// paged and sorted, and the figure of a 1,000-iteration run's detail drawn in the browser.
import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createNamespace } from '../helpers.js';
import { applyBigLoopRun, applyRuns, untilTrue, type ServerApi } from './session.js';

export interface Ctx {
  page: Page;
  /** The server's origin, http://127.0.0.1:<port>. */
  base: string;
  api: ServerApi;
  shot: (name: string) => Promise<unknown>;
  /** Where files the checks write go (the screenshots' dir). */
  scratch: string;
  /** The showcase's compiled YAML (its loop is for-loop-1). */
  showcase: string;
  /** Any compiled pipeline, for the listed runs. */
  pipeline: string;
}

/** Renders the run detail of a 1,000-iteration loop (2,004 nodes), prints how long it took, expands the loop. */
export async function bigLoopDrawn(c: Ctx): Promise<void> {
  const { page } = c;
  // A run in a namespace no controller watches, its status written as the controller would (the CRD's schema):
  // the figure is the browser's, from navigation to the DAG drawn with the loop's counts.
  const big = await createNamespace('ui-big');
  try {
    const uid = await applyBigLoopRun(big.name, c.showcase, 1000, c.scratch);
    const tApi = Date.now();
    expect((await c.api.call<{ run_details: { task_details: unknown[] } }>('GET', `runs/${uid}`)).run_details.task_details).toHaveLength(2004);
    console.log(`UI: GET of that run (2,004 task details) took ${Date.now() - tApi} ms`);
    await page.goto(`${c.base}/#/runs`);
    await page.locator('main h1').first().waitFor();
    const t0 = Date.now();
    await page.goto(`${c.base}/#/runs/details/${uid}`);
    await page.locator('.dag .node', { hasText: '1000: 1000 succeeded' }).waitFor();
    const ms = Date.now() - t0;
    console.log(`UI: run detail of a 1,000-iteration loop (2,004 nodes) rendered in ${ms} ms (chromium, from navigation to the DAG drawn)`);
    // Every top-level node drawn, green, the loop as one node with its counts.
    const drawn = page.locator('.dag [data-task-id]');
    const ids = await Promise.all((await drawn.all()).map(async (n) => `${await n.getAttribute('data-task-id')}:${await n.getAttribute('data-state')}`));
    expect(ids.sort()).toEqual(['condition-2:SUCCEEDED', 'evaluate:SUCCEEDED', 'for-loop-1:SUCCEEDED', 'wait:SUCCEEDED']);
    const t1 = Date.now();
    await page.locator('.dag .node', { hasText: 'for-loop-1' }).getByRole('button', { name: /^Expand/ }).click();
    await page.locator('.dag .node', { hasText: '#49' }).waitFor();
    console.log(`UI: expanding it (50 iterations drawn, 950 counted) took ${Date.now() - t1} ms`);
    expect(await page.locator('.note', { hasText: '950 more loop iterations' }).count()).toBe(1);
    await c.shot('big-loop');
  } finally {
    await big.remove();
  }
}

/** 25 runs: the list pages 20 then 5, Next and Previous; another order goes back to page 1. */
export async function runsPagedAndSorted(c: Ctx): Promise<void> {
  const { page } = c;
  // Runs made by kubectl in a namespace no controller watches: the list pages 20 at a time, whatever their state.
  const many = await createNamespace('ui-pages');
  try {
    const all = await applyRuns(many.name, c.pipeline, 'page', 25);
    const range = (from: number, to: number): string[] => (from <= to ? all.slice(from, to) : all.slice(to + 1, from + 1).reverse());
    const names = (): Promise<string[]> => page.locator('table.list tbody tr td:nth-child(2)').allInnerTexts();
    const pagerIs = (text: string): Promise<void> => untilTrue(page, `document.querySelector('nav.pager span')?.textContent === '${text}'`);
    await page.goto(`${c.base}/#/runs`);
    await page.getByLabel('Namespace').fill(many.name);
    await page.getByLabel('Sort').selectOption('display_name');
    await pagerIs('1–20 of 25');
    await untilTrue(page, `document.querySelector('table.list tbody td:nth-child(2)')?.textContent === 'page-00'`);
    expect(await names()).toEqual(range(0, 20));
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Next' }).click();
    await pagerIs('21–25 of 25');
    expect(await names()).toEqual(range(20, 25));
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(page.url()).toMatch(/sort=display_name&page=./);
    await c.shot('runs-page-2');
    await page.getByRole('button', { name: 'Previous' }).click();
    await pagerIs('1–20 of 25');
    expect((await names())[0]).toBe('page-00');
    // Another order goes back to the first page.
    await page.getByRole('button', { name: 'Next' }).click();
    await pagerIs('21–25 of 25');
    await page.getByLabel('Sort').selectOption('display_name desc');
    await pagerIs('1–20 of 25');
    await untilTrue(page, `document.querySelector('table.list tbody td:nth-child(2)')?.textContent === 'page-24'`);
    expect(await names()).toEqual(range(24, 4));
    expect(page.url()).not.toContain('page=');
  } finally {
    await page.getByLabel('Namespace').fill('');
    await many.remove();
  }
}
