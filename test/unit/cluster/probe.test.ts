// The node agent's probes (test/cluster/agent/probe.ts): thresholds, and httpGet/tcpSocket checks against a real
// local server (the pod's address is 127.0.0.1 on this node).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Container } from '@kubernetes/client-node';
import { probeOnce, probePort, Threshold } from '../../cluster/agent/probe.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => { res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 503; res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => { server.close(); });

const c = (ports: V1Container['ports'] = []): V1Container => ({ name: 'web', ports });

describe('probe checks', () => {
  it('httpGet passes on 2xx and 3xx, fails on other codes and refused connections, naming the reason', async () => {
    expect(await probeOnce({ httpGet: { path: '/ok', port } }, c())).toEqual({ ok: true });
    expect(await probeOnce({ httpGet: { path: '/moved', port } }, c())).toEqual({ ok: true });
    expect(await probeOnce({ httpGet: { path: '/down', port } }, c())).toEqual({ ok: false, message: 'HTTP probe failed with statuscode: 503' });
    const closed = await probeOnce({ httpGet: { path: '/', port: 1 } }, c());
    expect(closed.ok).toBe(false);
    expect(closed.message).toMatch(/ECONNREFUSED/);
  });

  it('resolves named ports from the container and tcpSocket checks that something listens', async () => {
    expect(probePort('http', c([{ name: 'http', containerPort: port }]))).toBe(port);
    expect(() => probePort('metrics', c())).toThrow(/port metrics is not a port of container web/);
    expect(await probeOnce({ tcpSocket: { port: 'http' as unknown as number } }, c([{ name: 'http', containerPort: port }]))).toEqual({ ok: true });
    expect((await probeOnce({ tcpSocket: { port: 1 } }, c())).ok).toBe(false);
  });
});

describe('probe thresholds', () => {
  it('flips only after successThreshold successes or failureThreshold failures in a row', () => {
    const t = new Threshold(2, 3, false);
    expect([t.record(true), t.record(false), t.record(true), t.record(true)]).toEqual([undefined, undefined, undefined, true]);
    expect([t.record(false), t.record(false), t.record(true), t.record(false), t.record(false), t.record(false)])
      .toEqual([undefined, undefined, undefined, undefined, undefined, false]);
    expect(t.passing).toBe(false);
  });
});
