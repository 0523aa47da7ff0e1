// The cluster's cache index (S3CacheIndex) against a real S3 server (versitygw): entries beside the
// pipeline root, hits only while the cached artifacts exist.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { S3CacheIndex } from '../../../src/artifacts/cache-index.js';
import { S3ArtifactStore } from '../../../src/artifacts/s3.js';
import { s3ConfigFromEnv } from '../../../src/artifacts/s3-config.js';
import type { NodeOutputs } from '../../../src/engine/state.js';
import { startTestS3, type TestS3 } from './s3-server.js';

let s3: TestS3;
let store: S3ArtifactStore;
const B = 'pw-cache-test';
const FP = 'c'.repeat(64);
const meta = { pipeline: 'p', run: 'r', nodeId: 't', component: 'comp-t', createdAt: '2026-01-01T00:00:00Z' };

beforeAll(async () => {
  s3 = await startTestS3();
  store = new S3ArtifactStore(s3ConfigFromEnv(s3.env));
  await store.ensureBucket(B);
}, 30_000);

afterAll(async () => {
  await s3?.stop();
});

describe('S3CacheIndex on a real S3 server', () => {
  it('misses, records, hits, and misses for an entry whose artifact is not there', async () => {
    const idx = new S3CacheIndex(store, `minio://${B}/v2/artifacts`);
    expect(await idx.lookup(FP)).toBeUndefined();
    const uri = `minio://${B}/v2/artifacts/ns/run/t/out`;
    await store.putJson(uri, { any: 'thing' });
    const outputs: NodeOutputs = {
      parameters: { Output: 'v', n: 3 },
      artifacts: { out: [{ name: 'out', uri, type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: { rows: 2 } }] },
    };
    await idx.record(FP, outputs, meta);
    expect(await store.exists(`minio://${B}/.pipewright-cache/${FP}.json`)).toBe(true);
    expect(await idx.lookup(FP)).toEqual(outputs);
    expect(await new S3CacheIndex(store, `minio://${B}/v2/artifacts`).lookup('d'.repeat(64))).toBeUndefined();
    const other = new S3CacheIndex(store, `minio://${B}/v2/artifacts`);
    await other.record('e'.repeat(64), { parameters: {}, artifacts: { out: [{ ...outputs.artifacts.out![0]!, uri: `minio://${B}/gone` }] } }, meta);
    expect(await other.lookup('e'.repeat(64))).toBeUndefined();
  }, 60_000);
});
