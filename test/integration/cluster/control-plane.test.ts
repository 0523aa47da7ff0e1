// The control plane's own behaviour on our node: scheduling limits, garbage collection, namespace deletion.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createNamespace, kubectl, kubectlOk, waitUntil, getPod, waitForPhase, clusterState } from './helpers.js';

jest.setTimeout(120_000);

let ns: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ name: ns, remove } = await createNamespace('cp')));
afterAll(async () => remove());

const busybox = (cmd: string): object => ({ name: 'main', image: 'busybox', command: ['sh', '-c', cmd] });

describe('control plane with the node agent', () => {
  it('serves the Kubernetes version built and a Ready node', async () => {
    const v = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.(3[4-9]|[4-9]\d)\.\d+$/);
    const node = JSON.parse(await kubectlOk(['get', 'node', clusterState().nodeName, '-o', 'json'])) as {
      status: { conditions: { type: string; status: string }[] };
    };
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('leaves a pod that needs more memory than the node has Pending as Unschedulable', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'too-big' },
      spec: { containers: [{ ...busybox('true'), resources: { requests: { memory: '4096Gi' } } }] },
    }));
    let reason = '';
    await waitUntil('Unschedulable condition', async () => {
      const c = (await getPod(ns, 'too-big'))?.status?.conditions?.find((x) => x.type === 'PodScheduled');
      reason = `${c?.reason} ${c?.message}`;
      return c?.status === 'False' && c.reason === 'Unschedulable';
    }, 30_000);
    expect(reason).toMatch(/Insufficient memory/);
    const p = await getPod(ns, 'too-big');
    expect(p?.status?.phase).toBe('Pending');
    expect(p?.spec?.nodeName).toBeUndefined();
  });

  it('garbage-collects pods whose owner is deleted', async () => {
    await kubectlOk(['create', 'configmap', 'owner', '-n', ns, '--from-literal=k=v']);
    const uid = (await kubectlOk(['get', 'configmap', 'owner', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).trim();
    for (const name of ['owned-a', 'owned-b']) {
      await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] },
        spec: { restartPolicy: 'Never', containers: [busybox('sleep 300')] },
      }));
    }
    await waitForPhase(ns, 'owned-a', ['Running']);
    await kubectlOk(['delete', 'configmap', 'owner', '-n', ns]);
    await waitUntil('owned pods deleted', async () =>
      (await kubectlOk(['get', 'pods', '-n', ns, '-o', 'name'])).split('\n').filter((l) => l.includes('owned-')).length === 0, 60_000);
  });

  it('empties and removes a deleted namespace', async () => {
    const { name } = await createNamespace('doomed');
    await kubectlOk(['create', 'configmap', 'c', '-n', name, '--from-literal=a=b']);
    await kubectlOk(['apply', '-n', name, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runner' },
      spec: { terminationGracePeriodSeconds: 5, containers: [busybox('sleep 300')] },
    }));
    await waitForPhase(name, 'runner', ['Running']);
    await kubectlOk(['delete', 'namespace', name, '--wait=false']);
    await waitUntil(`namespace ${name} gone`, async () => (await kubectl(['get', 'namespace', name])).code !== 0, 90_000, 500);
  });
});
