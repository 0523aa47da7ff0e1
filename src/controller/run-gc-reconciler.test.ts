// The clean-up's order of work with recording fakes: history before any deletion, a status conflict re-plans,
// the TTL's wake-up is returned. The real API server and S3 are exercised in run-lifecycle.test.ts (cluster).
import { pino } from 'pino';
import type { ArtifactStore } from '../artifacts/s3.js';
import { ConflictError } from './kube-ops.js';
import { RunGc } from './run-gc-reconciler.js';
import type { RunStatus } from './status.js';
import type { PipelineRunObject } from './types.js';

const NOW = Date.parse('2026-03-01T00:00:10Z');

function setup(run: PipelineRunObject, opts: { conflict?: boolean; gone?: boolean } = {}) {
  const calls: string[] = [];
  const store = {
    putJson: async (uri: string) => void calls.push(`put ${uri}`),
    removeObject: async (uri: string) => void calls.push(`remove ${uri}`),
  } as unknown as ArtifactStore;
  const gc = new RunGc({
    logger: pino({ level: 'silent' }),
    kube: {
      deletePod: async (_ns, name) => void calls.push(`delete pod ${name}`),
      writeRunStatus: async (_r, status: RunStatus) => {
        if (opts.conflict) throw new ConflictError('changed');
        if (opts.gone) throw Object.assign(new Error('not found'), { code: 404 });
        calls.push(`status historyRef=${status.historyRef}`);
        return '2';
      },
      deleteRun: async (r) => (calls.push(`delete run ${r.metadata!.name}`), 'deleted'),
      setFinalizers: async (_r, f) => void calls.push(`finalizers ${f.join(',')}`),
      event: async (_r, type, reason) => void calls.push(`event ${type} ${reason}`),
    },
    getRun: () => run,
    podsOfRun: () => [{ metadata: { name: 'p1', annotations: { 'pipewright.dev/node-id': 'a', 'pipewright.dev/attempt': '1' } }, status: { phase: 'Succeeded' } }],
    defaults: { ttl: {}, podGC: 'OnRunCompletion' },
    history: { store, pipelineRoot: 'minio://b/root' },
    now: () => NOW,
  });
  return { gc, calls };
}

const finished = (status: Partial<RunStatus> = {}, ttl = 5): PipelineRunObject => ({
  metadata: { name: 'r', namespace: 'ns', uid: 'u1' },
  spec: { pipelineRef: { name: 'p' }, ttlStrategy: { secondsAfterCompletion: ttl } },
  status: { phase: 'Succeeded', finishedAt: '2026-03-01T00:00:00Z', nodes: { a: { phase: 'Succeeded', kind: 'container', task: 'a', attempt: 1 } }, ...status },
});

describe('RunGc', () => {
  it('writes the history first and records where, before the TTL may delete the run', async () => {
    const { gc, calls } = setup(finished());
    expect(await gc.reconcile('ns/r')).toBeUndefined();
    expect(calls).toEqual(['delete pod p1', 'put minio://b/root/ns/.history/u1.json', 'status historyRef=minio://b/root/ns/.history/u1.json']);
  });

  it('deletes the run once its TTL is over and the history is there; before that, asks to come back at the TTL', async () => {
    const due = setup(finished({ historyRef: 'minio://b/root/ns/.history/u1.json' }));
    await due.gc.reconcile('ns/r');
    expect(due.calls).toEqual(['delete pod p1', 'delete run r']);
    const later = setup(finished({ historyRef: 'x' }, 60));
    expect(await later.gc.reconcile('ns/r')).toEqual({ requeueAfterMs: 50_000 });
    expect(later.calls).not.toContain('delete run r');
  });

  it('plans again from the newer object when the status changed underneath', async () => {
    const { gc, calls } = setup(finished(), { conflict: true });
    expect(await gc.reconcile('ns/r')).toEqual({ requeueAfterMs: 100 });
    expect(calls.some((c) => c.startsWith('delete run'))).toBe(false);
  });

  it('removes the summary again when the run was deleted by hand while it was written (delete_run keeps it gone)', async () => {
    const { gc, calls } = setup(finished(), { gone: true });
    expect(await gc.reconcile('ns/r')).toBeUndefined();
    expect(calls).toEqual(['delete pod p1', 'put minio://b/root/ns/.history/u1.json', 'remove minio://b/root/ns/.history/u1.json']);
  });

  it('does not ask twice for a pod whose deletion the cache does not show yet', async () => {
    const { gc, calls } = setup(finished({ historyRef: 'x' }, 60));
    await gc.reconcile('ns/r');
    await gc.reconcile('ns/r');
    expect(calls.filter((c) => c === 'delete pod p1')).toHaveLength(1);
  });
});

describe('artifact deletion with the run (finalizer)', () => {
  function withArtifacts(run: PipelineRunObject, removePrefix: (uri: string) => Promise<number>, now = NOW) {
    const calls: string[] = [];
    const gc = new RunGc({
      logger: pino({ level: 'silent' }),
      kube: {
        deletePod: async () => undefined,
        writeRunStatus: async () => '2',
        deleteRun: async () => 'deleted',
        setFinalizers: async (_r, f) => void calls.push(`finalizers [${f.join(',')}]`),
        event: async (_r, type, reason, message) => void calls.push(`event ${type} ${reason}: ${message}`),
      },
      getRun: () => run,
      podsOfRun: () => [],
      defaults: { ttl: {}, podGC: 'Never', artifactDeleteTimeoutSeconds: 30 },
      artifacts: { store: { removePrefix: async (uri) => (calls.push(`remove ${uri}`), removePrefix(uri)) }, pipelineRoot: 'minio://b/root', own: () => true },
      now: () => now,
    });
    return { gc, calls };
  }
  const deleted = (at: string): PipelineRunObject => ({
    metadata: { name: 'r', namespace: 'ns', uid: 'u1', finalizers: ['pipewright.dev/artifacts'], deletionTimestamp: new Date(at) },
    spec: { pipelineRef: { name: 'p' }, ttlStrategy: { deleteArtifacts: true } },
  });

  it('empties the run\'s prefix, then removes the finalizer', async () => {
    const { gc, calls } = withArtifacts(deleted('2026-03-01T00:00:05Z'), async () => 3);
    expect(await gc.reconcile('ns/r')).toBeUndefined();
    expect(calls).toEqual(['remove minio://b/root/ns/r', 'finalizers []']);
  });

  it('with S3 failing, retries before the deadline and keeps the finalizer; after it, removes the finalizer with a Warning', async () => {
    const down = async (): Promise<number> => { throw new Error('connect ECONNREFUSED'); };
    const early = withArtifacts(deleted('2026-03-01T00:00:05Z'), down);
    expect(await early.gc.reconcile('ns/r')).toEqual({ requeueAfterMs: 5000 });
    expect(early.calls).toEqual(['remove minio://b/root/ns/r']);
    const late = withArtifacts(deleted('2026-03-01T00:00:05Z'), down, Date.parse('2026-03-01T00:00:36Z'));
    expect(await late.gc.reconcile('ns/r')).toBeUndefined();
    expect(late.calls).toEqual(['finalizers []', expect.stringMatching(/^event Warning ArtifactsNotDeleted: .*no success within 30s.*delete minio:\/\/b\/root\/ns\/r by hand/)]);
  });

  it('adds the finalizer to a run that opted in before anything else', async () => {
    const { gc, calls } = withArtifacts({ metadata: { name: 'r', namespace: 'ns', uid: 'u1' }, spec: { pipelineRef: { name: 'p' }, ttlStrategy: { deleteArtifacts: true } } }, async () => 0);
    await gc.reconcile('ns/r');
    expect(calls).toEqual(['finalizers [pipewright.dev/artifacts]']);
  });
});
