// Simulate mode: pods labelled pipewright.io/simulate=true run nothing and complete after the given delay with the
// given exit code. 1,000 of them go through the real scheduler and apiserver; the time taken is printed.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { clusterState, createNamespace, waitUntil } from './helpers.js';

// The cluster project's testTimeout does not reach hooks; a loaded API server (just restarted by another file)
// can take more than jest's 5 s default to create a namespace.
jest.setTimeout(120_000);

let ns: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ name: ns, remove } = await createNamespace('sim')));
afterAll(async () => remove());

const COUNT = 1000;

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]!); }));
}

describe('simulate mode', () => {
  it(`completes ${COUNT} pods with their configured exit codes`, async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(clusterState().kubeconfig);
    const api = kc.makeApiClient(CoreV1Api);
    const t0 = Date.now();
    await pool([...Array(COUNT).keys()], 16, (i) => api.createNamespacedPod({ namespace: ns, body: {
      metadata: { name: `sim-${i}`, labels: { 'pipewright.io/simulate': 'true' },
        annotations: { 'pipewright.io/simulate-duration-ms': String(100 + (i % 10) * 50),
          'pipewright.io/simulate-exit-code': i % 10 === 9 ? '2' : '0' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['false'],
        resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
    } }));
    const created = Date.now();
    let pods: V1Pod[] = [];
    await waitUntil(`${COUNT} simulated pods finished`, async () => {
      pods = (await api.listNamespacedPod({ namespace: ns })).items;
      return pods.filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed').length === COUNT;
    }, 600_000, 1000);
    const done = Date.now();
    process.stdout.write(`simulate mode: ${COUNT} pods created in ${((created - t0) / 1000).toFixed(1)}s, all finished ` +
      `${((done - t0) / 1000).toFixed(1)}s after the first create\n`);
    const failed = pods.filter((p) => p.status?.phase === 'Failed');
    expect(failed).toHaveLength(COUNT / 10);
    for (const p of failed) expect(p.status!.containerStatuses![0]!.state!.terminated!.exitCode).toBe(2);
    expect(pods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(COUNT - COUNT / 10);
  }, 900_000);
});
