// The cluster's S3 server (versitygw) through the `minio` client: a bucket and a 100 MB object, byte for byte.
import { describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client } from 'minio';
import { clusterState } from './helpers.js';

// The cluster project's testTimeout does not reach hooks; a loaded API server (just restarted by another file)
// can take more than jest's 5 s default to create a namespace.
jest.setTimeout(120_000);

describe('S3 server', () => {
  it('stores and returns a 100 MB object unchanged', async () => {
    const s3 = clusterState().s3;
    const client = new Client({ endPoint: s3.host, port: s3.port, useSSL: false, accessKey: s3.accessKey,
      secretKey: s3.secretKey, region: 'us-east-1' });
    const bucket = `pw-${randomBytes(4).toString('hex')}`;
    await client.makeBucket(bucket, 'us-east-1');
    expect(await client.bucketExists(bucket)).toBe(true);
    const size = 100 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    const sent = createHash('sha256');
    // 100 distinct 1 MiB chunks (each chunk salted with its index) so a shifted or repeated part would be caught.
    const parts = Array.from({ length: 100 }, (_, i) => { const b = Buffer.from(chunk); b.writeUInt32BE(i, 0); sent.update(b); return b; });
    await client.putObject(bucket, 'big.bin', Readable.from(parts), size);
    const stat = await client.statObject(bucket, 'big.bin');
    expect(stat.size).toBe(size);
    const got = createHash('sha256');
    let n = 0;
    for await (const c of await client.getObject(bucket, 'big.bin')) { got.update(c as Buffer); n += (c as Buffer).length; }
    expect(n).toBe(size);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    await client.removeObject(bucket, 'big.bin');
    await client.removeBucket(bucket);
  }, 180_000);
});
