import { ANNOTATION_SKIP_ARTIFACT_DELETION, FINALIZER_ARTIFACTS, artifactPrefixes, planArtifactGc } from './run-artifact-gc.js';
import type { PipelineRunObject } from './types.js';

const NOW = Date.parse('2026-03-01T00:01:00Z');
const run = (over: { del?: boolean; spec?: boolean; finalizer?: boolean; deletedAt?: string; force?: boolean } = {}): PipelineRunObject => ({
  metadata: {
    name: 'r', namespace: 'ns', uid: 'u',
    ...(over.finalizer ? { finalizers: ['other', FINALIZER_ARTIFACTS] } : { finalizers: ['other'] }),
    ...(over.deletedAt ? { deletionTimestamp: new Date(over.deletedAt) } : {}),
    ...(over.force ? { annotations: { [ANNOTATION_SKIP_ARTIFACT_DELETION]: 'true' } } : {}),
  },
  spec: { pipelineRef: { name: 'p' }, ...(over.spec !== undefined ? { ttlStrategy: { deleteArtifacts: over.spec } } : {}) },
});
const prefixes = (): string[] => ['minio://b/root/ns/r'];

describe('artifact deletion with the run', () => {
  it('holds a run that opted in (spec, else the controller default) with a finalizer, and lets go of one that opted out', () => {
    expect(planArtifactGc(run({ spec: true }), NOW, {}, prefixes)).toEqual({ kind: 'addFinalizer' });
    expect(planArtifactGc(run(), NOW, { deleteArtifacts: true }, prefixes)).toEqual({ kind: 'addFinalizer' });
    expect(planArtifactGc(run({ spec: false }), NOW, { deleteArtifacts: true }, prefixes)).toEqual({ kind: 'none' });
    expect(planArtifactGc(run(), NOW, {}, prefixes)).toEqual({ kind: 'none' });
    expect(planArtifactGc(run({ spec: true, finalizer: true }), NOW, {}, prefixes)).toEqual({ kind: 'none' });
    expect(planArtifactGc(run({ spec: false, finalizer: true }), NOW, {}, prefixes)).toEqual({ kind: 'removeFinalizer', why: 'optedOut' });
  });

  it('deletes a deleted run\'s artifacts until its deadline, then lets it go; the annotation lets it go at once', () => {
    const deleted = (at: string, force = false) => run({ spec: true, finalizer: true, deletedAt: at, force });
    expect(planArtifactGc(deleted('2026-03-01T00:00:30Z'), NOW, { artifactDeleteTimeoutSeconds: 60 }, prefixes))
      .toEqual({ kind: 'delete', prefixes: ['minio://b/root/ns/r'], deadline: Date.parse('2026-03-01T00:01:30Z') });
    expect(planArtifactGc(deleted('2026-03-01T00:00:00Z'), NOW, { artifactDeleteTimeoutSeconds: 60 }, prefixes)).toEqual({ kind: 'removeFinalizer', why: 'timedOut' });
    // The default timeout is 300 s.
    expect(planArtifactGc(deleted('2026-03-01T00:00:00Z'), NOW, {}, prefixes).kind).toBe('delete');
    expect(planArtifactGc(deleted('2026-03-01T00:00:59Z', true), NOW, {}, prefixes)).toEqual({ kind: 'removeFinalizer', why: 'forced' });
    // Not ours to hold: a deleted run without the finalizer.
    expect(planArtifactGc(run({ spec: true, deletedAt: '2026-03-01T00:00:59Z' }), NOW, {}, prefixes)).toEqual({ kind: 'none' });
  });

  it('deletes the run\'s folder and its own outputs elsewhere in the namespace, never a cached task\'s (another run\'s)', () => {
    const r: PipelineRunObject = {
      ...run(),
      status: {
        nodes: {
          a: { phase: 'Succeeded', kind: 'container', task: 'a', outputs: { artifacts: { m: [{ uri: 'minio://b/root/ns/r/a/m' }] } } },
          b: { phase: 'Succeeded', kind: 'container', task: 'b', outputs: { artifacts: { m: [{ uri: 'minio://b/other-root/ns/r/b/m' }] } } },
          c: { phase: 'Cached', kind: 'container', task: 'c', outputs: { artifacts: { m: [{ uri: 'minio://b/root/ns/earlier/c/m' }] } } },
          d: { phase: 'Failed', kind: 'container', task: 'd', outputs: { artifacts: { m: [{ uri: 'minio://b/foreign/other-ns/r/d/m' }] } } },
        },
      },
    };
    const own = (uri: string): boolean => uri.startsWith('minio://b/root/ns/') || uri.startsWith('minio://b/other-root/ns/');
    expect(artifactPrefixes(r, 'minio://b/root/', own)).toEqual(['minio://b/other-root/ns/r', 'minio://b/root/ns/r']);
  });
});
