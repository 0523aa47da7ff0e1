// Clean-up of runs, on a queue of its own beside the run reconciler: deletes the task pods the run's pod GC
// strategy lets go, writes a finished run's history to the artifact store (status.historyRef says it is there),
// and deletes the run once its TTL is over (its pods and run-owned claims follow through their owner references).
// Every step is idempotent and decided again from the cluster each time (run-gc.ts), so it may stop at any point.
import type { V1Pod } from '@kubernetes/client-node';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ArtifactStore } from '../artifacts/store.js';
import { eachLimited } from '../util/each-limited.js';
import { pooledApiClient } from './api-client.js';
import { code, ConflictError, type KubeOps } from './kube-ops.js';
import { GROUP, RUN_PLURAL, VERSION } from './names.js';
import type { ReconcileOutcome } from './queue.js';
import { planGc, type GcDefaults } from './run-gc.js';
import { writeHistory } from './run-history.js';
import { ANNOTATION_SKIP_ARTIFACT_DELETION, DEFAULT_ARTIFACT_DELETE_TIMEOUT_SECONDS, FINALIZER_ARTIFACTS, artifactPrefixes, planArtifactGc } from './run-artifact-gc.js';
import { isRunFinished } from './status.js';
import type { PipelineRunObject } from './types.js';

/** Pod deletions in flight per run. */
const DELETE_CONCURRENCY = 8;

export interface RunGcDeps {
  logger: Logger;
  kube: Pick<KubeOps, 'deletePod' | 'writeRunStatus' | 'event'> & {
    deleteRun(run: PipelineRunObject): Promise<'deleted' | 'absent'>;
    /** Sets the run's finalizers, only if it is still at its resourceVersion (ConflictError otherwise). */
    setFinalizers(run: PipelineRunObject, finalizers: string[]): Promise<void>;
  };
  getRun: (namespace: string, name: string) => PipelineRunObject | undefined;
  podsOfRun: (namespace: string, uid: string) => V1Pod[];
  defaults: GcDefaults;
  /** Where history goes; without S3 no history is written and runs are deleted without one. */
  history?: { store: ArtifactStore; pipelineRoot: string };
  /** Where a run's artifacts are, to delete them with it (opt-in); `own` is the namespace's tenancy check. */
  artifacts?: { store: { removePrefix(uri: string): Promise<number> }; pipelineRoot: string; own: (uri: string, namespace: string) => boolean };
  now?: () => number;
}

/** Deletes a run by name, only if it is still the object with this uid (a run re-created under its name stays). */
export function deleteRunOp(kc: k8s.KubeConfig): (run: PipelineRunObject) => Promise<'deleted' | 'absent'> {
  const custom = pooledApiClient(kc, k8s.CustomObjectsApi);
  return async (run) => {
    try {
      await custom.deleteNamespacedCustomObject({
        group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace: run.metadata!.namespace!, name: run.metadata!.name!,
        propagationPolicy: 'Background', body: { preconditions: { uid: run.metadata!.uid! } },
      });
      return 'deleted';
    } catch (err) {
      // 404: gone already; 409: the name now belongs to another run.
      if (code(err) === 404 || code(err) === 409) return 'absent';
      throw err;
    }
  };
}

/** Sets a run's finalizers by merge patch, guarded by its resourceVersion (409 → ConflictError; 404: gone, done). */
export function setFinalizersOp(kc: k8s.KubeConfig): (run: PipelineRunObject, finalizers: string[]) => Promise<void> {
  const custom = pooledApiClient(kc, k8s.CustomObjectsApi);
  return async (run, finalizers) => {
    try {
      await custom.patchNamespacedCustomObject({
        group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace: run.metadata!.namespace!, name: run.metadata!.name!,
        body: { metadata: { finalizers, resourceVersion: run.metadata!.resourceVersion } },
      }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    } catch (err) {
      if (code(err) === 409) throw new ConflictError(`run ${run.metadata!.name} changed`);
      if (code(err) !== 404) throw err;
    }
  };
}

export class RunGc {
  /** Pods this process asked to delete (name → when), so a lagging cache does not repeat the request every pass. */
  private readonly deleting = new Map<string, number>();

  constructor(private readonly deps: RunGcDeps) {}

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const run = this.deps.getRun(namespace, name);
    if (!run?.metadata?.uid) return;
    const now = (this.deps.now ?? Date.now)();
    const log = this.deps.logger.child({ run: key, component: 'gc' });
    const artifacts = await this.artifactGc(run, now, log);
    if (artifacts !== 'continue') return artifacts;
    const pods = this.deps.podsOfRun(namespace, run.metadata.uid);
    const plan = planGc(run, pods, now, this.deps.defaults);
    for (const [pod, at] of this.deleting) if (now - at > 60_000) this.deleting.delete(pod);
    const toDelete = plan.deletePods.filter((p) => !this.deleting.has(`${namespace}/${p}`));
    await eachLimited(toDelete, DELETE_CONCURRENCY, async (pod) => {
      await this.deps.kube.deletePod(namespace, pod);
      this.deleting.set(`${namespace}/${pod}`, now);
    });
    if (toDelete.length) log.info({ pods: toDelete.length, strategy: run.spec?.podGC?.strategy ?? this.deps.defaults.podGC }, 'pod GC: deleted task pods');
    if (!isRunFinished(run.status?.phase)) return;
    // History first: a run deleted by its TTL is still listed from here.
    const h = this.deps.history;
    if (h && !run.status?.historyRef) {
      const uri = await writeHistory(h.store, h.pipelineRoot, run);
      try {
        await this.deps.kube.writeRunStatus(run, { ...run.status, historyRef: uri });
      } catch (err) {
        // The run changed (a retry, say): decide again from the newer object.
        if (err instanceof ConflictError) return { requeueAfterMs: 100 };
        // Deleted by hand (KFP's delete_run) while the summary was on its way: a deleted run is gone for good, and the
        // API server already dropped the summary it did not find yet, so drop the one written just now.
        if (code(err) === 404) {
          await h.store.removeObject(uri);
          log.info({ history: uri }, 'run deleted before its history was recorded: summary removed');
          return;
        }
        throw err;
      }
      log.info({ history: uri }, 'run history written');
      // The status write re-queues the run; the TTL is looked at on that pass, from the object that has historyRef.
      return;
    }
    if (plan.deleteRun) {
      const r = await this.deps.kube.deleteRun(run);
      log.info({ result: r, phase: run.status?.phase, finishedAt: run.status?.finishedAt }, 'TTL over: run deleted');
      return;
    }
    return plan.deleteAt !== undefined ? { requeueAfterMs: Math.max(0, plan.deleteAt - now) } : undefined;
  }

  /** The artifact finalizer's step; 'continue' when the rest of the clean-up may go on (the run is not being deleted). */
  private async artifactGc(run: PipelineRunObject, now: number, log: Logger): Promise<ReconcileOutcome | 'continue'> {
    const a = this.deps.artifacts;
    const ns = run.metadata!.namespace!;
    const step = planArtifactGc(run, now, this.deps.defaults, () => (a ? artifactPrefixes(run, a.pipelineRoot, (uri) => a.own(uri, ns)) : []));
    const finalizers = run.metadata?.finalizers ?? [];
    const setFinalizers = async (list: string[]): Promise<ReconcileOutcome | 'done'> => {
      try {
        await this.deps.kube.setFinalizers(run, list);
        return 'done';
      } catch (err) {
        if (err instanceof ConflictError) return { requeueAfterMs: 100 }; // a newer object: decide again from it
        throw err;
      }
    };
    switch (step.kind) {
      case 'none':
        return run.metadata?.deletionTimestamp ? undefined : 'continue';
      case 'addFinalizer': {
        // Without S3 settings there is nothing to delete: no finalizer to hold the run.
        if (!a) return 'continue';
        const r = await setFinalizers([...finalizers, FINALIZER_ARTIFACTS]);
        return r === 'done' ? undefined : r; // the update re-queues the run
      }
      case 'removeFinalizer': {
        const r = await setFinalizers(finalizers.filter((f) => f !== FINALIZER_ARTIFACTS));
        if (r !== 'done') return r;
        if (step.why === 'timedOut' || step.why === 'forced') {
          const why = step.why === 'forced' ? `annotation ${ANNOTATION_SKIP_ARTIFACT_DELETION}` : `no success within ${this.deps.defaults.artifactDeleteTimeoutSeconds ?? DEFAULT_ARTIFACT_DELETE_TIMEOUT_SECONDS}s (PIPEWRIGHT_ARTIFACT_DELETE_TIMEOUT_SECONDS)`;
          const where = a ? artifactPrefixes(run, a.pipelineRoot, (uri) => a.own(uri, ns)).join(', ') : 'its artifact prefix';
          log.warn({ why: step.why }, 'run deleted without its artifacts');
          await this.deps.kube.event(run, 'Warning', 'ArtifactsNotDeleted', `the run was deleted, its artifacts were not (${why}): delete ${where} by hand`).catch(() => undefined);
        }
        return undefined;
      }
      case 'delete': {
        if (!a) return setFinalizers(finalizers.filter((f) => f !== FINALIZER_ARTIFACTS)).then((r) => (r === 'done' ? undefined : r));
        try {
          let count = 0;
          for (const p of step.prefixes) count += await a.store.removePrefix(p);
          log.info({ objects: count, prefixes: step.prefixes }, 'run deleted: its artifacts deleted');
        } catch (err) {
          // S3 down or refusing: again later, but never past the deadline (then the finalizer goes with a Warning).
          const left = step.deadline - (this.deps.now ?? Date.now)();
          log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: left }, 'cannot delete the run\'s artifacts yet');
          return { requeueAfterMs: Math.max(0, Math.min(5_000, left)) };
        }
        const r = await setFinalizers(finalizers.filter((f) => f !== FINALIZER_ARTIFACTS));
        return r === 'done' ? undefined : r;
      }
    }
  }
}
