// Faults on the real cluster: poison runs (content the controller cannot process, objects that got past CRD
// validation) fail within seconds with a reason and a Warning event while a healthy run in another namespace
// succeeds; a loop of many iterations succeeds with every status write under 1 MiB (the node detail in S3).
import { jest } from '@jest/globals';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { KubeOps } from '../../../src/controller/kube-ops.js';
import { Reason } from '../../../src/controller/errors.js';
import type { StatusNode } from '../../../src/controller/status.js';
import { createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, readS3, waitForRun } from './operator.js';
import { startTestController } from './operator.js';

// The 10,000-iteration mode creates its pods at the loaded API server's pace: up to an hour on 2 busy cores.
jest.setTimeout(3_900_000);

const SIMULATE = { annotations: { 'pipewright.io/simulate': 'true', 'pipewright.io/simulate-duration-ms': '20', 'pipewright.io/simulate-exit-code': '0' } };
/**
 * Iterations of the large loop: 500 in the suite (over the 200-node status bound, so the bounded path runs);
 * `npm run test:large-loop` runs the 10,000 (about 16 minutes on 2 cores).
 */
const LOOP_ITEMS = Number(process.env.FAULTS_LOOP_ITEMS ?? 500);

// Status detail bounded at 200 nodes, so a smaller FAULTS_LOOP_ITEMS takes the same path.
const CONTROLLER_ENV = (): NodeJS.ProcessEnv => ({ PIPEWRIGHT_NAMESPACES: `${poisonNs.name},${healthyNs.name}`, PIPEWRIGHT_STATUS_NODE_LIMIT: '200' });
let poisonNs: { name: string; remove: () => Promise<void> };
let healthyNs: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle | undefined;
const statusWrites: { run: string; bytes: number }[] = [];
const reconciles = new Map<string, number>();
const hooks = { wrapKubeOps: (ops: KubeOps) => measured(ops), onReconciled: (_ms: number, key: string) => void reconciles.set(key, (reconciles.get(key) ?? 0) + 1) };

beforeAll(async () => {
  await installCrds();
  poisonNs = await createNamespace('poison');
  healthyNs = await createNamespace('healthy');
  await prepareNamespaceForRuns(poisonNs.name);
  await prepareNamespaceForRuns(healthyNs.name);
});
afterAll(async () => {
  await controller?.stop();
  await Promise.all([poisonNs?.remove(), healthyNs?.remove()]);
});

function runObject(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec });
}

async function warningEvents(ns: string, run: string): Promise<{ reason: string; message: string }[]> {
  const out = await kubectlOk(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${run},type=Warning`, '-o', 'json']);
  return (JSON.parse(out) as { items: { reason: string; message: string }[] }).items;
}

const measured = (ops: KubeOps): KubeOps => ({
  ...ops,
  async writeRunStatus(run, status) {
    statusWrites.push({ run: run.metadata!.name!, bytes: Buffer.byteLength(JSON.stringify(status)) });
    return ops.writeRunStatus(run, status);
  },
});

describe('poison runs', () => {
  it('fail within seconds with a reason and an event, once, while a healthy run in another namespace succeeds', async () => {
    const chain = { caching: false, podDefaults: SIMULATE, pipelineSpec: { tasks: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'], dependsOn: ['a'] }, { name: 'c', image: 'busybox', command: ['true'], dependsOn: ['b'] }] } };
    // Made before the controller starts, so that their status can be written first, as no CRD check sees it.
    await kubectlOk(['apply', '-n', poisonNs.name, '-f', '-'], runObject('null-node', chain));
    await kubectlOk(['apply', '-n', poisonNs.name, '-f', '-'], runObject('number-node', chain));
    await kubectlOk(['patch', 'pipelinerun', 'null-node', '-n', poisonNs.name, '--subresource=status', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/status', value: { phase: 'Running', nodes: { a: null, b: { phase: 'Succeeded', kind: 'container', task: 'b', attempt: 1 } } } }])]);
    await kubectlOk(['patch', 'pipelinerun', 'number-node', '-n', poisonNs.name, '--subresource=status', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/status', value: { phase: 'Running', nodes: { a: 7 } } }])]);
    await kubectlOk(['apply', '-n', poisonNs.name, '-f', '-'], runObject('constructor', { ...chain, pipelineSpec: { tasks: [{ name: 'constructor', image: 'busybox', command: ['true'] }] } }));
    await kubectlOk(['apply', '-n', poisonNs.name, '-f', '-'], runObject('bad-artifacts', chain));
    await kubectlOk(['patch', 'pipelinerun', 'bad-artifacts', '-n', poisonNs.name, '--subresource=status', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/status', value: { phase: 'Running', nodes: { a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1, outputs: { artifacts: { o: 'not a list' } } } } } }])]);
    await kubectlOk(['apply', '-n', healthyNs.name, '-f', '-'], runObject('healthy', chain));
    // A deadline beyond Node's 24.8-day timer limit: once fired after 1 ms, a reconcile loop.
    await kubectlOk(['apply', '-n', healthyNs.name, '-f', '-'], runObject('long-timeout', { ...chain, timeout: '720h' }));

    const t0 = Date.now();
    controller = await startTestController(`${poisonNs.name},${healthyNs.name}`, CONTROLLER_ENV(), hooks);
    const expected: [string, string, RegExp][] = [
      ['null-node', Reason.InvalidRun, /status\.nodes\.a must be an object/],
      ['number-node', Reason.InvalidRun, /status\.nodes\.a must be an object \(got number\)/],
      ['bad-artifacts', Reason.InternalError, /TypeError/],
    ];
    for (const [name, reason, message] of expected) {
      const run = await waitForRun(poisonNs.name, name, 30_000);
      expect(run.status?.phase).toBe('Failed');
      const cond = run.status?.conditions?.find((c) => c.type === 'Succeeded');
      expect(cond?.reason).toBe(reason);
      expect(run.status?.message).toMatch(message);
    }
    const failedWithin = Date.now() - t0;
    const healthy = await waitForRun(healthyNs.name, 'healthy', 120_000);
    expect(healthy.status?.phase).toBe('Succeeded');
    // A task named constructor (a DNS label, and an Object.prototype member) is no poison: it runs like any other.
    const ctor = await waitForRun(poisonNs.name, 'constructor', 120_000);
    expect(ctor.status?.phase).toBe('Succeeded');
    expect(ctor.status?.nodes?.constructor).toMatchObject({ phase: 'Succeeded', attempt: 1 });
    const long = await waitForRun(healthyNs.name, 'long-timeout', 120_000);
    expect(long.status?.phase).toBe('Succeeded');
    const longReconciles = reconciles.get(`${healthyNs.name}/long-timeout`) ?? 0;
    const healthyReconciles = reconciles.get(`${healthyNs.name}/healthy`) ?? 0;
    process.stdout.write(`720h timeout: ${longReconciles} reconciles for a 3-task run (the same run without a timeout: ${healthyReconciles})\n`);
    expect(longReconciles).toBeLessThan(healthyReconciles * 2 + 10);
    // Events are sent in the background: give them a moment, then expect exactly one per poison run.
    await waitUntil('a Warning event per poison run', async () => {
      for (const [name] of expected) if ((await warningEvents(poisonNs.name, name)).length === 0) return false;
      return true;
    }, 30_000);
    for (const [name] of expected) {
      const events = (await warningEvents(poisonNs.name, name)).filter((e) => e.reason !== 'RunFailed');
      expect(events).toHaveLength(1);
    }
    // Once Failed, nothing is retried: the number of status writes to poison runs stays put.
    const writes = statusWrites.filter((w) => expected.some(([n]) => n === w.run)).length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(statusWrites.filter((w) => expected.some(([n]) => n === w.run)).length).toBe(writes);
    process.stdout.write(`poison runs: all Failed ${failedWithin} ms after the controller started; status writes to them: ${writes}\n`);
    expect(failedWithin).toBeLessThan(30_000);
  });
});

describe('bounded status', () => {
  it(`a ${LOOP_ITEMS.toLocaleString('en')}-iteration loop succeeds with every status write under 1 MiB, the full node detail in S3`, async () => {
    controller ??= await startTestController(healthyNs.name, CONTROLLER_ENV(), hooks);
    const items = [...Array(LOOP_ITEMS).keys()];
    const spec = {
      caching: false,
      podDefaults: SIMULATE,
      pipelineSpec: { params: [{ name: 'xs', type: 'list', default: items }], tasks: [{ name: 'work', image: 'busybox', command: ['true'], loop: { from: 'params.xs', as: 'item' } }, { name: 'after', image: 'busybox', command: ['true'], dependsOn: ['work'] }] },
    };
    const t0 = Date.now();
    await kubectlOk(['apply', '-n', healthyNs.name, '-f', '-'], runObject('big-loop', spec));
    const run = await waitForRun(healthyNs.name, 'big-loop', 3_600_000);
    const took = Date.now() - t0;
    expect(run.status?.phase).toBe('Succeeded');
    const writes = statusWrites.filter((w) => w.run === 'big-loop');
    const largest = Math.max(...writes.map((w) => w.bytes));
    process.stdout.write(`big loop: ${LOOP_ITEMS} iterations Succeeded in ${(took / 1000).toFixed(1)} s; ${writes.length} status writes, largest ${largest} bytes\n`);
    expect(writes.length).toBeGreaterThan(1);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
    expect(run.status?.nodesRef).toMatch(/@status\/nodes-/);
    expect(run.status?.nodesSummary?.loops?.work).toEqual({ Succeeded: LOOP_ITEMS });
    const doc = JSON.parse((await readS3(run.status!.nodesRef!))!) as { nodes: Record<string, StatusNode> };
    expect(Object.values(doc.nodes).filter((n) => n.kind === 'container' && n.phase === 'Succeeded')).toHaveLength(LOOP_ITEMS + 1);
    // The stored object also says so as the API server holds it.
    const stored = (await kubectl(['get', 'pipelinerun', 'big-loop', '-n', healthyNs.name, '-o', 'json'])).stdout;
    expect(Buffer.byteLength(JSON.stringify((JSON.parse(stored) as { status: unknown }).status))).toBeLessThanOrEqual(1024 * 1024);
    expect((await getRun(healthyNs.name, 'big-loop')).status?.progress).toBe(`${LOOP_ITEMS + 1}/${LOOP_ITEMS + 1}`);
  });
});
