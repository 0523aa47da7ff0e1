// The controller makes its buckets at start (a fresh MinIO has none), or stops naming the bucket and the fix.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { makeCredentials, type S3Config } from '../../../src/artifacts/s3-config.js';
import { ensureBuckets } from '../../../src/controller/main.js';
import { clusterState } from './helpers.js';
import { s3Client } from './operator.js';

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
});
