// The cluster's cache index (S3CacheIndex) against a real S3 server (versitygw): entries in the namespace's
// prefix, hits only while the cached artifacts exist, never another namespace's entries or artifacts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { S3CacheIndex } from '../../../src/artifacts/cache-index.js';
import { S3ArtifactStore, type ArtifactStore } from '../../../src/artifacts/s3.js';
import { isOwnUri } from '../../../src/artifacts/tenancy.js';
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
    const root = `minio://${B}/v2/artifacts`;
    const idx = new S3CacheIndex(store, root, 'ns');
    expect(await idx.lookup(FP)).toBeUndefined();
    const uri = `minio://${B}/v2/artifacts/ns/run/t/out`;
    await store.putJson(uri, { any: 'thing' });
    const outputs: NodeOutputs = {
      parameters: { Output: 'v', n: 3 },
      artifacts: { out: [{ name: 'out', uri, type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: { rows: 2 } }] },
    };
    await idx.record(FP, outputs, meta);
    expect(await store.exists(`minio://${B}/v2/artifacts/ns/.cache/${FP}.json`)).toBe(true);
    expect(await idx.lookup(FP)).toEqual(outputs);
    expect(await new S3CacheIndex(store, root, 'ns').lookup('d'.repeat(64))).toBeUndefined();
    // Another namespace has its own index: the same fingerprint is a miss there.
    expect(await new S3CacheIndex(store, root, 'ns2').lookup(FP)).toBeUndefined();
    expect(await new S3CacheIndex(store, root, 'n').lookup(FP)).toBeUndefined();
    const other = new S3CacheIndex(store, root, 'ns');
    await other.record('e'.repeat(64), { parameters: {}, artifacts: { out: [{ ...outputs.artifacts.out![0]!, uri: `minio://${B}/gone` }] } }, meta);
    expect(await other.lookup('e'.repeat(64))).toBeUndefined();
  }, 60_000);

  it('treats an entry naming another namespace\'s artifact as a miss without looking at that artifact', async () => {
    const root = `minio://${B}/v2/artifacts`;
    const foreign = `minio://${B}/v2/artifacts/victim/run/t/out`;
    await store.putJson(foreign, { secret: 'of victim' });
    const seen: string[] = [];
    const spy: ArtifactStore = Object.assign(Object.create(store) as ArtifactStore, {
      exists: (u: string) => { seen.push(u); return store.exists(u); },
    });
    const cfg = { pipelineRoot: root, allowedPipelineRoots: [], sharedReadUris: [], protectedSecrets: [] };
    const idx = new S3CacheIndex(spy, root, 'attacker', (u) => isOwnUri(u, 'attacker', cfg));
    // As if someone had written the attacker's index entry by hand.
    await store.putJson(idx.uriFor('f'.repeat(64)), { format: 'pipewright-cache-1', fingerprint: 'f'.repeat(64), outputs: { parameters: {}, artifacts: { out: [{ name: 'out', uri: foreign, type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: {} }] } }, meta });
    expect(await idx.lookup('f'.repeat(64))).toBeUndefined();
    expect(seen).toEqual([]);
  }, 60_000);
});
