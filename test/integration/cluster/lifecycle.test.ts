// Deadlines and deletion: activeDeadlineSeconds kills with DeadlineExceeded; deleting a pod stops its processes
// within the grace period (SIGTERM first, SIGKILL when it is ignored).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createNamespace, kubectl, kubectlOk, processesMatching, waitForPhase, waitUntil } from './helpers.js';

jest.setTimeout(120_000);

let ns: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ name: ns, remove } = await createNamespace('life')));
afterAll(async () => remove());

const apply = (name: string, spec: object): Promise<string> =>
  kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }));

describe('pod lifecycle', () => {
  it('kills a pod past activeDeadlineSeconds with reason DeadlineExceeded', async () => {
    // The deadline counts from the pod's start: 5 s leaves a loaded machine time to start the container (killed
    // before it ran, it would have no exit code to check).
    await apply('deadline', { restartPolicy: 'Never', activeDeadlineSeconds: 5, terminationGracePeriodSeconds: 2,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '120'] }] });
    const t0 = Date.now();
    const p = await waitForPhase(ns, 'deadline', ['Failed', 'Succeeded'], 30_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(p.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    expect(p.status?.message).toMatch(/deadline/);
    expect(p.status!.containerStatuses![0]!.state?.terminated?.exitCode).toBe(143);
  });

  it('stops a deleted pod with SIGTERM and removes it', async () => {
    const marker = `pw-term-${randomBytes(4).toString('hex')}`;
    await apply('graceful', { terminationGracePeriodSeconds: 30,
      containers: [{ name: 'main', image: 'python:3.11', command: ['python3', '-c', 'import time; time.sleep(1000)', marker] }] });
    await waitForPhase(ns, 'graceful', ['Running']);
    await waitUntil('process visible', async () => processesMatching(marker).length > 0, 10_000);
    const t0 = Date.now();
    await kubectlOk(['delete', 'pod', 'graceful', '-n', ns, '--wait=true', '--timeout=60s']);
    expect(Date.now() - t0).toBeLessThan(10_000); // sleep dies on SIGTERM: no need to wait out the 30 s
    expect(processesMatching(marker)).toEqual([]);
  });

  it('SIGKILLs a container that ignores SIGTERM once the grace period is over', async () => {
    const marker = `pw-kill-${randomBytes(4).toString('hex')}`;
    await apply('stubborn', { containers: [{ name: 'main', image: 'busybox',
      command: ['sh', '-c', `trap "" TERM; echo ${marker}; while true; do sleep 1; done`] }] });
    await waitForPhase(ns, 'stubborn', ['Running']);
    await waitUntil('process visible', async () => processesMatching(marker).length > 0, 10_000);
    const t0 = Date.now();
    const r = await kubectl(['delete', 'pod', 'stubborn', '-n', ns, '--grace-period=3', '--wait=true', '--timeout=60s']);
    const took = Date.now() - t0;
    expect(r.code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(2_500);
    expect(took).toBeLessThan(15_000);
    expect(processesMatching(marker)).toEqual([]);
  });
});
