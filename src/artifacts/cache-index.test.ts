import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_FORMAT, LocalCacheIndex, S3CacheIndex } from './cache-index.js';
import { ArtifactNotFoundError, type ArtifactStore } from './s3.js';
import type { NodeOutputs } from '../engine/state.js';

const FP = 'a'.repeat(64);
const meta = { pipeline: 'p', run: 'r', nodeId: 't', component: 'comp-t', createdAt: '2026-01-01T00:00:00Z' };
const dataset = (uri: string) => ({ name: 'out', uri, type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: { n: 1 } });

describe('LocalCacheIndex', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pw-cache-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('misses, then returns what was recorded, from <root>/.cache/<fingerprint>.json', async () => {
    const idx = new LocalCacheIndex(root);
    expect(await idx.lookup(FP)).toBeUndefined();
    const outputs: NodeOutputs = { parameters: { Output: 3 }, artifacts: {} };
    await idx.record(FP, outputs, meta);
    expect(await idx.lookup(FP)).toEqual(outputs);
    expect(await readdir(path.join(root, '.cache'))).toEqual([`${FP}.json`]);
  });

  it('misses when a recorded artifact is gone, hits while it exists (metrics need no file)', async () => {
    const idx = new LocalCacheIndex(root);
    const file = path.join(root, 'run', 'out');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x');
    const metrics = { ...dataset(path.join(root, 'nope')), type: { schemaTitle: 'system.Metrics', schemaVersion: '0.0.1' } };
    const outputs: NodeOutputs = { parameters: {}, artifacts: { out: [dataset(file)], m: [metrics] } };
    await idx.record(FP, outputs, meta);
    expect(await idx.lookup(FP)).toEqual(outputs);
    await rm(file);
    expect(await idx.lookup(FP)).toBeUndefined();
  });

  it('ignores torn or foreign entries and refuses fingerprints that are not sha256 digests', async () => {
    const idx = new LocalCacheIndex(root);
    await mkdir(idx.dir, { recursive: true });
    await writeFile(path.join(idx.dir, `${FP}.json`), '{"format": "pipewright-cache-1", "fingerp');
    expect(await idx.lookup(FP)).toBeUndefined();
    const other = 'b'.repeat(64);
    await writeFile(path.join(idx.dir, `${FP}.json`), JSON.stringify({ format: CACHE_FORMAT, fingerprint: other, outputs: { parameters: {}, artifacts: {} }, meta }));
    expect(await idx.lookup(FP)).toBeUndefined();
    await expect(idx.record('../escape', { parameters: {}, artifacts: {} }, meta)).rejects.toThrow(/sha256/);
  });
});

describe('S3CacheIndex', () => {
  function fakeStore(existing: Set<string>): ArtifactStore & { objects: Map<string, unknown> } {
    const objects = new Map<string, unknown>();
    const no = () => Promise.reject(new Error('not used'));
    return {
      objects,
      ensureBucket: no,
      putFile: no,
      putDirectory: no,
      upload: no,
      removeObject: no,
      getToFile: no,
      getDirectory: no,
      download: no,
      list: no,
      putJson: async (uri, v) => void objects.set(uri, JSON.parse(JSON.stringify(v))),
      getJson: async <T>(uri: string) => {
        if (!objects.has(uri)) throw new ArtifactNotFoundError(uri);
        return objects.get(uri) as T;
      },
      exists: async (uri) => existing.has(uri) || objects.has(uri),
    };
  }

  it('keeps entries in the namespace prefix under .cache/, checking artifacts exist', async () => {
    const art = 'minio://pipewright/v2/artifacts/local/r/t/out';
    const existing = new Set([art]);
    const store = fakeStore(existing);
    const idx = new S3CacheIndex(store, 'minio://pipewright/v2/artifacts', 'local');
    expect(idx.uriFor(FP)).toBe(`minio://pipewright/v2/artifacts/local/.cache/${FP}.json`);
    expect(new S3CacheIndex(store, 'minio://pipewright/v2/artifacts/', 'other').uriFor(FP)).toBe(`minio://pipewright/v2/artifacts/other/.cache/${FP}.json`);
    expect(() => new S3CacheIndex(store, 'minio://pipewright/v2/artifacts', '../x')).toThrow(/namespace/);
    expect(await idx.lookup(FP)).toBeUndefined();
    const outputs: NodeOutputs = { parameters: { s: 'x' }, artifacts: { out: [dataset(art)] } };
    await idx.record(FP, outputs, meta);
    expect(await idx.lookup(FP)).toEqual(outputs);
    existing.delete(art);
    expect(await idx.lookup(FP)).toBeUndefined();
  });
});
