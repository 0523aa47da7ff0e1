import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { signGrant } from '../artifacts/grant.js';
import { s3ConfigFromEnv } from '../artifacts/s3-config.js';
import { ArtifactGateway, GatewayError, minioGatewayStore, type GatewayStore } from './artifact-gateway.js';
import { startHttpServer } from './http-server.js';

const key = Buffer.alloc(32, 3);
const now = 1_800_000_000;
const claims = { v: 1 as const, ns: 'a', run: 'u', pod: 'p', read: ['minio://bk1/root/a/r/t1/dir'], write: ['minio://bk1/root/a/r/t2'], exp: now + 60 };

function store(keys: string[], objects: string[] = []): GatewayStore & { signed: string[] } {
  const signed: string[] = [];
  return {
    signed,
    exists: async (_b, k) => objects.includes(k),
    list: async (_b, prefix, limit) => keys.filter((k) => k.startsWith(prefix)).slice(0, limit),
    presign: async (method, bucket, k) => { signed.push(`${method} ${bucket}/${k}`); return `https://s3/${bucket}/${k}?X-Amz-Signature=s`; },
  };
}

const status = async (p: Promise<unknown>): Promise<number> => p.then(() => 200, (e: unknown) => (e instanceof GatewayError ? e.status : -1));

describe('ArtifactGateway', () => {
  it('authorizes only a Bearer grant it signed and that has not expired', () => {
    const gw = new ArtifactGateway({ key, store: store([]), nowSec: () => now });
    expect(gw.authorize(`Bearer ${signGrant(claims, key)}`)).toEqual(claims);
    expect(() => gw.authorize(undefined)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => gw.authorize(`Basic ${signGrant(claims, key)}`)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => gw.authorize(`Bearer ${signGrant(claims, Buffer.alloc(32, 4))}`)).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => gw.authorize(`Bearer ${signGrant({ ...claims, exp: now }, key)}`)).toThrow(/expired/);
  });

  it('lists a directory artifact and presigns one GET per object', async () => {
    const s = store(['root/a/r/t1/dir/a.txt', 'root/a/r/t1/dir/sub/b.txt', 'root/a/r/t1/dirx/c.txt']);
    const gw = new ArtifactGateway({ key, store: s, nowSec: () => now });
    expect(await gw.download(claims, { uri: 'minio://bk1/root/a/r/t1/dir' })).toEqual({
      kind: 'directory',
      files: [
        { path: 'a.txt', url: 'https://s3/bk1/root/a/r/t1/dir/a.txt?X-Amz-Signature=s' },
        { path: 'sub/b.txt', url: 'https://s3/bk1/root/a/r/t1/dir/sub/b.txt?X-Amz-Signature=s' },
      ],
    });
    expect(s.signed.every((x) => x.startsWith('GET '))).toBe(true);
  });

  it('refuses a directory with more objects than the limit, naming it', async () => {
    const keys = Array.from({ length: 4 }, (_, i) => `root/a/r/t1/dir/f${i}`);
    const gw = new ArtifactGateway({ key, store: store(keys), nowSec: () => now, maxObjects: 3 });
    await expect(gw.download(claims, { uri: 'minio://bk1/root/a/r/t1/dir' })).rejects.toThrow(/more than 3 objects/);
    await expect(gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/out', files: ['a', 'b', 'c', 'd'] })).rejects.toThrow(/at most 3 per request/);
  });

  it('says 404 for a missing artifact and 502 for a listing that would escape its directory', async () => {
    const gw = new ArtifactGateway({ key, store: store(['root/a/r/t1/dir/../../x']), nowSec: () => now });
    expect(await status(gw.download(claims, { uri: 'minio://bk1/root/a/r/t1/dir/none' }))).toBe(404);
    expect(await status(gw.download(claims, { uri: 'minio://bk1/root/a/r/t1/dir' }))).toBe(502);
  });

  it('presigns PUTs only under the write prefix, for checked relative paths', async () => {
    const s = store([]);
    const gw = new ArtifactGateway({ key, store: s, nowSec: () => now });
    expect(await gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/model' })).toEqual({ url: 'https://s3/bk1/root/a/r/t2/model?X-Amz-Signature=s' });
    expect(await gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/d', files: ['x/y.bin'] })).toEqual({ files: [{ path: 'x/y.bin', url: 'https://s3/bk1/root/a/r/t2/d/x/y.bin?X-Amz-Signature=s' }] });
    expect(await status(gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/d', files: ['../t3/x'] }))).toBe(400);
    expect(await status(gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/d', files: ['/abs'] }))).toBe(400);
    expect(await status(gw.upload(claims, { uri: 'minio://bk1/root/a/r/t1/dir/x' }))).toBe(403);
    expect(await status(gw.upload(claims, { uri: 'minio://bk2/root/a/r/t2/x' }))).toBe(403);
    expect(await status(gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/%2e%2e/t3' }))).toBe(400);
    expect(await status(gw.upload(claims, {}))).toBe(400);
    expect(await status(gw.upload(claims, { uri: 'minio://bk1/root/a/r/t2/d', files: 'x' }))).toBe(400);
    expect(s.signed.every((x) => x.startsWith('PUT bk1/root/a/r/t2/'))).toBe(true);
  });
});

describe('ArtifactGateway over an S3 that accepts connections and never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('answers the pod 504, naming the timeout, instead of holding its request', async () => {
    const config = s3ConfigFromEnv({ PIPEWRIGHT_S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 'secret-key' });
    const store = minioGatewayStore(config, {}, { requestTimeoutMs: 300, retries: 1, backoffMs: 10 });
    const gw = new ArtifactGateway({ key, store, nowSec: () => now });
    const http = await startHttpServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }), gateway: gw, ready: () => true });
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}/v1/artifacts/download`, {
        method: 'POST',
        headers: { authorization: `Bearer ${signGrant(claims, key)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ uri: 'minio://bk1/root/a/r/t1/dir/file' }),
        signal: AbortSignal.timeout(20_000),
      });
      expect(res.status).toBe(504);
      expect(await res.text()).toMatch(/S3 did not answer in time \(S3 request HEAD 127\.0\.0\.1 got no answer within 300 ms\); retry later/);
      // Both attempts reached the silent server (one retry), each ended by the timeout.
      expect(sockets.length).toBeGreaterThanOrEqual(2);
    } finally {
      await http.close();
    }
  });

  it('answers 503 when S3 refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const config = s3ConfigFromEnv({ PIPEWRIGHT_S3_ENDPOINT: `http://127.0.0.1:${deadPort}`, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 'secret-key' });
    const gw = new ArtifactGateway({ key, store: minioGatewayStore(config, {}, { requestTimeoutMs: 300, retries: 0 }), nowSec: () => now });
    const e = await gw.download(claims, { uri: 'minio://bk1/root/a/r/t1/dir/file' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GatewayError);
    expect(e).toMatchObject({ status: 503, message: expect.stringMatching(/^S3 is unavailable \(.*ECONNREFUSED.*\); retry later$/) });
  });
});
