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
import { isRunFinished } from './status.js';
import type { PipelineRunObject } from './types.js';

/** Pod deletions in flight per run. */
const DELETE_CONCURRENCY = 8;

export interface RunGcDeps {
  logger: Logger;
  kube: Pick<KubeOps, 'deletePod' | 'writeRunStatus'> & { deleteRun(run: PipelineRunObject): Promise<'deleted' | 'absent'> };
  getRun: (namespace: string, name: string) => PipelineRunObject | undefined;
  podsOfRun: (namespace: string, uid: string) => V1Pod[];
  defaults: GcDefaults;
  /** Where history goes; without S3 no history is written and runs are deleted without one. */
  history?: { store: ArtifactStore; pipelineRoot: string };
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

export class RunGc {
  /** Pods this process asked to delete (name → when), so a lagging cache does not repeat the request every pass. */
  private readonly deleting = new Map<string, number>();

  constructor(private readonly deps: RunGcDeps) {}

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const run = this.deps.getRun(namespace, name);
    if (!run?.metadata?.uid || run.metadata.deletionTimestamp) return;
    const now = (this.deps.now ?? Date.now)();
    const log = this.deps.logger.child({ run: key, component: 'gc' });
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
}
