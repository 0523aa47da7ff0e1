// Probes on the node agent (test/cluster/agent/probe.ts), as a kubelet runs them: a pod whose readiness endpoint
// fails stays Running but not Ready, one whose endpoint answers becomes Ready, and a container failing its liveness
// probe is killed and restarted by the pod's restartPolicy. Each server listens on a port of this cluster's range
// (pods share the host's network here).
import { jest } from '@jest/globals';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { clusterState, createNamespace, getPod, kubectlOk, waitUntil } from './helpers.js';

jest.setTimeout(120_000);

let ns: { name: string; remove: () => Promise<void> };
beforeAll(async () => { ns = await createNamespace('probes'); });
afterAll(async () => { await ns.remove(); });

const serve = (port: number): string[] => ['python3', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', '/tmp', String(port)];

function pod(name: string, container: Partial<V1Container>): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns.name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'python:3.11', ...container }] },
  });
}

const condition = (p: V1Pod | undefined, type: string): string | undefined => p?.status?.conditions?.find((c) => c.type === type)?.status;

async function events(name: string): Promise<{ reason: string; message: string }[]> {
  const list = JSON.parse(await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])) as
    { items: { reason: string; message: string }[] };
  return list.items;
}

describe('node agent probes', () => {
  it('keeps a pod whose readiness endpoint fails out of Ready, and makes one whose endpoint answers Ready', async () => {
    const base = clusterState().s3.port + 50;
    const probe = (path: string) => ({ httpGet: { path, port: 'http' }, periodSeconds: 1, failureThreshold: 1 });
    await kubectlOk(['apply', '-f', '-'], pod('failing', { command: serve(base), ports: [{ name: 'http', containerPort: base }], readinessProbe: probe('/no-such-file') }));
    await kubectlOk(['apply', '-f', '-'], pod('answering', { command: serve(base + 1), ports: [{ name: 'http', containerPort: base + 1 }], readinessProbe: probe('/') }));

    await waitUntil('answering Ready', async () => condition(await getPod(ns.name, 'answering'), 'Ready') === 'True', 60_000, 500);
    // The failing pod's server answers (404) many times over meanwhile: it is Running, its probe keeps failing.
    await waitUntil('a readiness probe failed with 404', async () => (await events('failing'))
      .some((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 404'), 60_000, 1000);
    await new Promise((r) => setTimeout(r, 3000));
    const failing = await getPod(ns.name, 'failing');
    expect(failing?.status?.phase).toBe('Running');
    expect(condition(failing, 'Ready')).toBe('False');
    expect(condition(failing, 'ContainersReady')).toBe('False');
    expect(failing?.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true, restartCount: 0 });
    expect((await getPod(ns.name, 'answering'))?.status?.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 0 });
  });

  it('kills a container whose liveness probe fails and restarts it per restartPolicy', async () => {
    const port = clusterState().s3.port + 52; // nothing listens there
    await kubectlOk(['apply', '-f', '-'], pod('unlive', {
      command: ['sleep', '600'], livenessProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 2 },
    }));
    await waitUntil('a restart after the liveness probe failed', async () =>
      ((await getPod(ns.name, 'unlive'))?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000, 500);
    const ev = await events('unlive');
    expect(ev).toEqual(expect.arrayContaining([
      expect.objectContaining({ reason: 'Unhealthy', message: expect.stringMatching(/^Liveness probe failed: dial tcp 127\.0\.0\.1:\d+: .*ECONNREFUSED/) }),
      expect.objectContaining({ reason: 'Killing', message: 'Container web failed liveness probe, will be restarted' }),
    ]));
    const last = (await getPod(ns.name, 'unlive'))?.status?.containerStatuses?.[0]?.lastState?.terminated;
    expect(last?.exitCode).toBe(143); // SIGTERM, as a runtime reports it
  });
});
