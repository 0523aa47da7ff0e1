// Pod creation's own request path (api-client.ts postJson), against a loopback HTTP server that answers as the API
// server does: the pod goes as JSON unchanged (fields client-node's type map does not know included), created and
// AlreadyExists are results, a refusal carries the API server's own message, anything else is thrown with its code.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { code, kubeOps, RejectedError } from './kube-ops.js';

interface Seen { method?: string; url?: string; type?: string; auth?: string; body: string }

async function apiServer(answer: (seen: Seen) => [number, unknown]): Promise<{ kc: k8s.KubeConfig; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s: Seen = { method: req.method, url: req.url, type: req.headers['content-type'], ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body };
      seen.push(s);
      const [status, out] = answer(s);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'sa-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { kc, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const status = (reason: string, message: string, c: number) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code: c });
// A field newer than the client's models: client-node's serializer would drop it, the API server must get it.
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team a' }, spec: { containers: [{ name: 'main', image: 'busybox' }], hostnameOverride: 'x' } } as unknown as k8s.V1Pod;

describe('createPod', () => {
  it('POSTs the pod as JSON, unchanged, with the kubeconfig\'s credentials, to its namespace: created', async () => {
    const api = await apiServer(() => [201, { ...pod, metadata: { ...pod.metadata, uid: 'u1' } }]);
    try {
      await expect(kubeOps(api.kc).createPod(pod)).resolves.toBe('created');
      expect(api.seen).toHaveLength(1);
      expect(api.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/team%20a/pods', type: 'application/json', auth: 'Bearer sa-token' });
      expect(JSON.parse(api.seen[0]!.body)).toEqual(pod);
    } finally {
      await api.close();
    }
  });

  it('AlreadyExists is a result; a refusal is RejectedError with the API server\'s message; a 500 is thrown with its code', async () => {
    const answers: [number, unknown][] = [
      [409, status('AlreadyExists', 'pods "p" already exists', 409)],
      [422, status('Invalid', 'Pod "p" is invalid: spec.containers[0].image: Required value', 422)],
      [403, status('Forbidden', 'pods "p" is forbidden: exceeded quota: q, requested: pods=1', 403)],
      [500, status('InternalError', 'etcdserver: request timed out', 500)],
    ];
    const api = await apiServer(() => answers.shift()!);
    const ops = kubeOps(api.kc);
    try {
      await expect(ops.createPod(pod)).resolves.toBe('exists');
      await expect(ops.createPod(pod)).rejects.toThrow(new RejectedError('Pod "p" is invalid: spec.containers[0].image: Required value'));
      await expect(ops.createPod(pod)).rejects.toThrow(new RejectedError('pods "p" is forbidden: exceeded quota: q, requested: pods=1'));
      const err = await ops.createPod(pod).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(RejectedError);
      expect(code(err)).toBe(500);
    } finally {
      await api.close();
    }
  });
});
