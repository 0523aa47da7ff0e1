// The controller makes its buckets at start (a fresh MinIO has none), or stops naming the bucket and the fix.
import { describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { makeCredentials, type S3Config } from '../../../src/artifacts/s3-config.js';
import { ensureBuckets } from '../../../src/controller/main.js';
import { clusterState } from './helpers.js';
import { s3Client } from './operator.js';

// The cluster project's testTimeout does not reach hooks; a loaded API server (just restarted by another file)
// can take more than jest's 5 s default to create a namespace.
jest.setTimeout(120_000);

const config = (over: Partial<S3Config> = {}): S3Config => {
  const s = clusterState().s3;
  return { endpoint: s.host, port: s.port, useSSL: false, region: 'us-east-1', bucket: 'pipewright', pathStyle: true,
    credentials: makeCredentials(s.accessKey, s.secretKey), ...over };
};
const log = pino({ level: 'silent' });

describe('the controller\'s buckets', () => {
  it('creates the configured bucket and the pipeline root\'s when missing, and accepts them when present', async () => {
    const a = `pw-a-${randomBytes(3).toString('hex')}`;
    const b = `pw-b-${randomBytes(3).toString('hex')}`;
    await ensureBuckets(config({ bucket: a }), `minio://${b}/v2/artifacts`, log);
    expect([await s3Client().bucketExists(a), await s3Client().bucketExists(b)]).toEqual([true, true]);
    await ensureBuckets(config({ bucket: a }), `minio://${b}/v2/artifacts`, log); // a restart: nothing to do
    await Promise.all([s3Client().removeBucket(a), s3Client().removeBucket(b)]);
  });

  it('fails with the bucket\'s name, the server and the fix when it cannot create it', async () => {
    const bad = config({ bucket: `pw-c-${randomBytes(3).toString('hex')}`, credentials: makeCredentials('nobody', 'wrong-secret-key') });
    const err = await ensureBuckets(bad, 'minio://pipewright/v2/artifacts', log).then(() => undefined, (e: Error) => e);
    expect(err?.message).toContain(`S3 bucket "${bad.bucket}" at http://${bad.endpoint}:${bad.port} could not be found or created`);
    expect(err?.message).toContain('s3:CreateBucket');
    expect(err?.message).toContain('s3.secret.name');
    expect(err?.message).not.toContain('wrong-secret-key');
  });

  it('waits for an S3 server that is still starting (the chart\'s bundled one), and gives up on one that never comes', async () => {
    // A port that refuses connections for 1.5 s, then forwards to the cluster's S3 server.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const s = clusterState().s3;
    const proxy = createServer((c) => { const up = connect(s.port, s.host); c.pipe(up).pipe(c); up.on('error', () => c.destroy()); c.on('error', () => up.destroy()); });
    const late = setTimeout(() => proxy.listen(port, '127.0.0.1'), 1500);
    const bucket = `pw-d-${randomBytes(3).toString('hex')}`;
    try {
      await ensureBuckets(config({ port, bucket }), `minio://${bucket}/v2/artifacts`, log, 30_000);
      expect(await s3Client().bucketExists(bucket)).toBe(true);
    } finally {
      clearTimeout(late);
      proxy.close();
    }
    await s3Client().removeBucket(bucket);
    const err = await ensureBuckets(config({ port, bucket }), `minio://${bucket}/v2/artifacts`, log, 1000).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`S3 bucket "${bucket}" at http://127\\.0\\.0\\.1:${port} could not be found or created \\(ECONNREFUSED`));
  });
});
