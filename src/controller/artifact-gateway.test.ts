import { signGrant } from '../artifacts/grant.js';
import { ArtifactGateway, GatewayError, type GatewayStore } from './artifact-gateway.js';

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
