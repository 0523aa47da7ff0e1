// kube-apiserver goes away while pods run: the node agent re-lists when it is back, finishes every pod exactly
// once and reports the right final states.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startComponent, stopComponent } from './components.js';
import { createNamespace, kubectlOk, sleep, waitForPhase } from './helpers.js';

jest.setTimeout(120_000);

let ns: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ name: ns, remove } = await createNamespace('restart')));
afterAll(async () => remove());

const cases = [
  { name: 'short', cmd: 'sleep 1; echo done', phase: 'Succeeded', exit: 0 },
  { name: 'during', cmd: 'sleep 4; exit 0', phase: 'Succeeded', exit: 0 },
  { name: 'fails', cmd: 'sleep 3; exit 5', phase: 'Failed', exit: 5 },
  { name: 'after', cmd: 'sleep 14; echo late', phase: 'Succeeded', exit: 0 },
];

describe('kube-apiserver restart', () => {
  it('lets every pod reach its final state exactly once', async () => {
    // A claim of the default StorageClass: provisioned by the node agent as a host directory.
    await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'runs' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
    }));
    for (const c of cases) {
      await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: c.name },
        spec: { restartPolicy: 'Never', volumes: [{ name: 'runs', persistentVolumeClaim: { claimName: 'runs' } }],
          containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'runs', mountPath: '/runs' }],
            command: ['sh', '-c', `echo ${c.name} >> /runs/log; ${c.cmd}`] }] },
      }));
    }
    for (const c of cases) await waitForPhase(ns, c.name, ['Running', 'Succeeded', 'Failed']);
    await stopComponent('kube-apiserver');
    await sleep(8_000); // 'short', 'during' and 'fails' end while nobody can hear them
    await startComponent('kube-apiserver');
    for (const c of cases) {
      const p = await waitForPhase(ns, c.name, ['Succeeded', 'Failed'], 60_000);
      expect({ name: c.name, phase: p.status?.phase }).toEqual({ name: c.name, phase: c.phase });
      const s = p.status!.containerStatuses![0]!;
      expect(s.state?.terminated?.exitCode).toBe(c.exit);
      expect(s.restartCount).toBe(0);
    }
    // Each pod ran once: one line per pod in the claim's shared file (read through a pod, as a user would).
    await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader' },
      spec: { restartPolicy: 'Never', volumes: [{ name: 'runs', persistentVolumeClaim: { claimName: 'runs' } }],
        containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'runs', mountPath: '/runs' }], command: ['cat', '/runs/log'] }] },
    }));
    await waitForPhase(ns, 'reader', ['Succeeded']);
    const lines = (await kubectlOk(['logs', '-n', ns, 'reader'])).trim().split('\n').sort();
    expect(lines).toEqual(cases.map((c) => c.name).sort());
  }, 180_000);
});
