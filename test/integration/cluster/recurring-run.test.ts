// RecurringRun on the test cluster (issue 15) with seconds-precision cron (6 fields) on the real clock, the
// compressed form of "every minute": with the controller stopped across slots, catch-up on makes the run of every
// missed slot and off only the latest; Forbid never overlaps runs, Replace cancels the active one; suspend stops.
import { jest } from '@jest/globals';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { RecurringRunObject } from '../../../src/controller/recurring-types.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { createNamespace, kubectlOk, sleep, waitUntil } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';

jest.setTimeout(240_000);

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle | undefined;

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('recurring');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

const task = (code: string) => ({ pipelineSpec: { params: [], tasks: [{ name: 't', image: 'python:3.11', command: ['python3', '-c', code], cache: false }] } });
const apply = (name: string, spec: Record<string, unknown>): Promise<string> =>
  kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'RecurringRun', metadata: { name }, spec }));
const suspend = (name: string): Promise<string> => kubectlOk(['patch', 'recurringrun', name, '-n', ns.name, '--type=merge', '-p', '{"spec":{"suspend":true}}']);

async function runsOf(rr: string): Promise<PipelineRunObject[]> {
  const all = JSON.parse(await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-l', `pipewright.dev/recurring-run=${rr}`, '-o', 'json'])) as { items: PipelineRunObject[] };
  return all.items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}
const slotsOf = (runs: PipelineRunObject[]): number[] => runs.map((r) => Date.parse(r.metadata!.annotations!['pipewright.dev/scheduled-time']!) / 1000);
const getRr = async (name: string): Promise<RecurringRunObject> => JSON.parse(await kubectlOk(['get', 'recurringrun', name, '-n', ns.name, '-o', 'json'])) as RecurringRunObject;

describe('RecurringRun', () => {
  it('after the controller was down across slots, catch-up on makes every missed run and off only the latest', async () => {
    const every = { schedule: '*/3 * * * * *', runTemplate: { spec: task('print(1)') } };
    await Promise.all([apply('catchup', { ...every, catchup: true }), apply('latest', { ...every, catchup: false })]);
    await waitUntil('first runs', async () => (await runsOf('catchup')).length >= 1 && (await runsOf('latest')).length >= 1, 30_000, 300);
    await controller!.stop();
    controller = undefined;
    const down = Date.now() / 1000;
    await sleep(10_000); // three or four slots
    controller = await startTestController(ns.name);
    const up = Date.now() / 1000;
    await waitUntil('a slot after the restart', async () => slotsOf(await runsOf('latest')).some((s) => s > up), 30_000, 300);
    await Promise.all([suspend('catchup'), suspend('latest')]);
    await sleep(1500);
    const caught = slotsOf(await runsOf('catchup'));
    const latest = slotsOf(await runsOf('latest'));
    // Catch-up: no slot missing, also those while nobody watched.
    for (let i = 1; i < caught.length; i++) expect(caught[i]! - caught[i - 1]!).toBe(3);
    expect(caught.filter((s) => s > down && s < up).length).toBeGreaterThanOrEqual(3);
    // Latest only: the missed slots collapse to one, so there is a gap of more than one slot.
    const gaps = latest.slice(1).map((s, i) => s - latest[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(3);
    // Over the span both cover, catch-up off lacks at least two of the slots catch-up on made (the downtime's, but its latest).
    const common = caught.filter((s) => s >= Math.max(caught[0]!, latest[0]!) && s <= Math.min(caught.at(-1)!, latest.at(-1)!));
    expect(common.filter((s) => !latest.includes(s)).length).toBeGreaterThanOrEqual(2);
    const table = await kubectlOk(['get', 'recurringrun', '-n', ns.name]);
    expect(table.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'LAST RUN', 'NEXT RUN', 'SUSPENDED', 'AGE']);
    expect(table).toMatch(/catchup\s+cron \*\/3 \* \* \* \* \* \(UTC\)\s+\S+\s+\S*\s*true/);
  });

  it('Forbid and Replace after the controller was down across slots: as a CronJob, and Forbid with catch-up runs each missed slot in turn', async () => {
    const every = '*/3 * * * * *';
    const latestSlotAt = (t: number): number => Math.floor(t / 3) * 3;
    const runsAfter = (runs: PipelineRunObject[], t: number): number[] => slotsOf(runs).filter((s) => s > t);
    // Runs active when the controller stops: Replace (long runs) and a Forbid whose run outlasts the downtime.
    await Promise.all([
      apply('replace-on', { schedule: every, concurrencyPolicy: 'Replace', catchup: true, runTemplate: { spec: task('import time; time.sleep(60)') } }),
      apply('replace-off', { schedule: every, concurrencyPolicy: 'Replace', catchup: false, runTemplate: { spec: task('import time; time.sleep(60)') } }),
      apply('forbid-busy', { schedule: every, concurrencyPolicy: 'Forbid', runTemplate: { spec: task('import time; time.sleep(9)') } }),
    ]);
    await waitUntil('a running run each', async () => {
      for (const n of ['replace-on', 'replace-off', 'forbid-busy']) if (!(await runsOf(n)).some((r) => r.status?.phase === 'Running')) return false;
      return true;
    }, 30_000, 300);
    await controller!.stop();
    controller = undefined;
    const down = Date.now() / 1000;
    const before = Object.fromEntries(await Promise.all(['replace-on', 'replace-off', 'forbid-busy'].map(async (n) => [n, (await runsOf(n)).map((r) => r.metadata!.name!)] as const)));
    // Forbid with nothing active: made while the controller is down, so all their slots so far are missed.
    await Promise.all([
      apply('forbid-on', { schedule: every, concurrencyPolicy: 'Forbid', catchup: true, runTemplate: { spec: task('print(1)') } }),
      apply('forbid-off', { schedule: every, concurrencyPolicy: 'Forbid', catchup: false, runTemplate: { spec: task('print(1)') } }),
    ]);
    const madeAt = Date.parse(String((await getRr('forbid-on')).metadata!.creationTimestamp)) / 1000;
    await sleep(7_000); // two or three slots
    const restart = Date.now() / 1000;
    controller = await startTestController(ns.name);
    const missed: number[] = [];
    for (let s = latestSlotAt(restart); s > madeAt; s -= 3) missed.unshift(s);
    expect(missed.length).toBeGreaterThanOrEqual(2);
    await waitUntil('the runs after the restart', async () => {
      const on = slotsOf(await runsOf('forbid-on'));
      return missed.every((s) => on.includes(s)) && (await runsOf('forbid-off')).length > 0 && (await runsOf('forbid-busy')).length > before['forbid-busy']!.length &&
        runsAfter(await runsOf('replace-on'), down).length > 0 && runsAfter(await runsOf('replace-off'), down).length > 0;
    }, 60_000, 300);
    await Promise.all(['replace-on', 'replace-off', 'forbid-busy', 'forbid-on', 'forbid-off'].map(suspend));

    // Replace, either catch-up: the missed slots collapse to the latest (a CronJob's "most recent missed time"),
    // whose run replaces (cancels) the run active when the controller stopped.
    for (const n of ['replace-on', 'replace-off']) {
      const runs = await runsOf(n);
      const after = runsAfter(runs, down);
      expect({ n, first: after[0] }).toEqual({ n, first: expect.any(Number) });
      expect(after[0]!).toBeGreaterThanOrEqual(latestSlotAt(restart));
      const stopped = runs.find((r) => r.metadata!.name === before[n]!.at(-1))!;
      expect(stopped.spec?.cancel).toBe(true);
    }
    // Forbid, its run active across the downtime: the slots it covered are skipped, the latest runs once it ended.
    const busy = await runsOf('forbid-busy');
    const was = busy.find((r) => r.metadata!.name === before['forbid-busy']!.at(-1))!;
    const next = busy[busy.indexOf(was) + 1]!;
    expect(was.status?.phase).toBe('Succeeded');
    expect(slotsOf([next])[0]!).toBeGreaterThanOrEqual(latestSlotAt(restart));
    expect(Date.parse(String(next.metadata!.creationTimestamp))).toBeGreaterThanOrEqual(Math.floor(Date.parse(was.status!.finishedAt!) / 1000) * 1000);
    const skipped = await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', 'involvedObject.name=forbid-busy,reason=SlotSkipped', '-o', 'name']);
    expect(skipped.trim()).not.toBe('');
    // Forbid with nothing active, catch-up on: every missed slot got its run, one after another, never two at once.
    const on = (await runsOf('forbid-on')).sort((a, b) => slotsOf([a])[0]! - slotsOf([b])[0]!);
    expect(slotsOf(on).filter((s) => s <= missed.at(-1)!)).toEqual(missed);
    for (let i = 1; i < on.length; i++) {
      expect(on[i - 1]!.status?.finishedAt).toBeDefined();
      expect(Date.parse(String(on[i]!.metadata!.creationTimestamp))).toBeGreaterThanOrEqual(Math.floor(Date.parse(on[i - 1]!.status!.finishedAt!) / 1000) * 1000);
    }
    // Catch-up off: only the latest missed slot.
    const off = slotsOf(await runsOf('forbid-off'));
    expect(off[0]!).toBeGreaterThanOrEqual(missed.at(-1)!);
  });

  it('Forbid never overlaps runs; Replace cancels the active run for the next slot', async () => {
    await Promise.all([
      apply('forbid', { schedule: '*/2 * * * * *', concurrencyPolicy: 'Forbid', runTemplate: { spec: task('import time; time.sleep(5)') } }),
      apply('replace', { schedule: '*/4 * * * * *', concurrencyPolicy: 'Replace', runTemplate: { spec: task('import time; time.sleep(60)') } }),
    ]);
    await waitUntil('two forbid runs finished, two replace runs made', async () => {
      const f = await runsOf('forbid');
      const r = await runsOf('replace');
      return f.filter((x) => x.status?.phase === 'Succeeded').length >= 2 && r.length >= 2;
    }, 120_000, 500);
    await Promise.all([suspend('forbid'), suspend('replace')]);
    await sleep(1000);
    const forbid = await runsOf('forbid');
    // Each run was made only after the one before it finished (creationTimestamp has whole seconds). Its slot may
    // be earlier: a slot is taken late when the pass that would have skipped it saw the previous run already done.
    for (let i = 1; i < forbid.length; i++) {
      const before = forbid[i - 1]!.status?.finishedAt;
      expect(before).toBeDefined();
      expect(Date.parse(String(forbid[i]!.metadata!.creationTimestamp))).toBeGreaterThanOrEqual(Math.floor(Date.parse(before!) / 1000) * 1000);
    }
    const skipped = await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', 'involvedObject.name=forbid,reason=SlotSkipped', '-o', 'name']);
    expect(skipped.trim()).not.toBe('');
    const replace = await runsOf('replace');
    expect(replace[0]!.spec?.cancel).toBe(true);
    await waitUntil('first replaced run cancelled', async () => (await runsOf('replace'))[0]!.status?.phase === 'Cancelled', 30_000, 300);
    expect((await getRr('replace')).status?.active).toEqual([replace.at(-1)!.metadata!.name]);
  });

  it('suspended makes no runs; an unreadable schedule is reported on the status', async () => {
    const before = (await runsOf('catchup')).length;
    await sleep(4000);
    expect((await runsOf('catchup')).length).toBe(before);
    await apply('broken', { schedule: '61 * * * *', runTemplate: { spec: task('print(1)') } });
    await waitUntil('status message', async () => /spec\.schedule "61 \* \* \* \*" is not a cron expression/.test((await getRr('broken')).status?.message ?? ''), 20_000, 300);
    const refused = await kubectlOk(['apply', '--dry-run=server', '-n', ns.name, '-f', '-'], stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'RecurringRun', metadata: { name: 'x' }, spec: { runTemplate: { spec: task('print(1)') } } })).catch((e: Error) => e.message);
    expect(refused).toContain('set exactly one of spec.schedule (cron) or spec.interval');
  });
});
