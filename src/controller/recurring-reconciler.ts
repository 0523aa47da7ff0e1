// RecurringRuns on the cluster: a watch of RecurringRuns and a queue of their own. Each pass plans from the spec,
// the runs it owns (from the run cache) and the clock (recurring.ts), creates runs by deterministic name
// (AlreadyExists is success), cancels runs for Replace, and writes the status; it comes back at the next slot.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isDeepStrictEqual } from 'node:util';
import { pooledApiClient } from './api-client.js';
import { resilient, type ResilientCache } from './informers.js';
import { apiMessage, code } from './kube-ops.js';
import { API_VERSION, GROUP, RECURRING_PLURAL, RUN_PLURAL, VERSION } from './names.js';
import { WorkQueue } from './queue.js';
import type { ReconcileOutcome } from './queue.js';
import { ANNOTATION_SCHEDULED_TIME, LABEL_RECURRING_RUN, planRecurring, type OwnedRun } from './recurring.js';
import type { RecurringRunObject } from './recurring-types.js';
import type { PipelineRunObject } from './types.js';

export { RECURRING_PLURAL };
/** How long a run this process created counts as existing before the run cache shows it. */
const EXPECTATION_MS = 30_000;

export interface RecurringDeps {
  kc: k8s.KubeConfig;
  namespaces: readonly string[];
  logger: Logger;
  runs: () => ReadonlyArray<PipelineRunObject>;
  event: (obj: RecurringRunObject, type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;
  now?: () => number;
}

export class RecurringRuns {
  readonly queue: WorkQueue;
  private readonly cache: ResilientCache<RecurringRunObject>;
  private readonly custom: k8s.CustomObjectsApi;
  /** By RecurringRun uid: runs created (name → when) until the run cache shows them. */
  private readonly created = new Map<string, Map<string, number>>();

  constructor(private readonly deps: RecurringDeps) {
    this.custom = pooledApiClient(deps.kc, k8s.CustomObjectsApi);
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      workers: 2,
      maxBackoffMs: 60_000,
      onError: (key, err, retryInMs) => deps.logger.warn({ recurringRun: key, err: err instanceof Error ? err.message : String(err), retryInMs }, 'recurring run failed'),
    });
    const watch = new k8s.Watch(deps.kc);
    const scopes: (string | undefined)[] = deps.namespaces.length ? [...new Set(deps.namespaces)] : [undefined];
    const caches = scopes.map((ns) => {
      const path = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${RECURRING_PLURAL}` : `/apis/${GROUP}/${VERSION}/${RECURRING_PLURAL}`;
      const list = (): Promise<k8s.KubernetesListObject<RecurringRunObject>> =>
        (ns ? this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: RECURRING_PLURAL })
          : this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: RECURRING_PLURAL })) as Promise<k8s.KubernetesListObject<RecurringRunObject>>;
      const key = (o: RecurringRunObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
      return resilient<RecurringRunObject>(`recurringruns (${ns ?? 'all namespaces'})`, { path, list, watch }, {
        onChange: (o) => this.queue.add(key(o)),
        onDelete: (o) => void this.created.delete(o.metadata?.uid ?? ''),
      }, deps.logger);
    });
    this.cache = {
      list: () => caches.flatMap((c) => c.list()),
      get: (n, ns) => caches.map((c) => c.get(n, ns)).find((x) => x !== undefined),
      start: () => Promise.all(caches.map((c) => c.start())).then(() => undefined),
      stop: () => Promise.all(caches.map((c) => c.stop())).then(() => undefined),
      relist: () => Promise.all(caches.map((c) => c.relist())).then(() => undefined),
    };
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  async stop(drainMs: number): Promise<void> {
    await this.queue.stop(drainMs);
    await this.cache.stop();
  }

  relist(): Promise<void> {
    return this.cache.relist();
  }

  /** A run changed: its RecurringRun (if it has one) looks again (a finished run frees a slot). */
  runChanged(run: PipelineRunObject | undefined): void {
    const owner = run?.metadata?.ownerReferences?.find((o) => o.kind === 'RecurringRun' && o.apiVersion === API_VERSION);
    if (owner) this.queue.add(`${run!.metadata!.namespace}/${owner.name}`);
  }

  private owned(rr: RecurringRunObject, now: number, runs: ReadonlyArray<PipelineRunObject> = this.deps.runs()): OwnedRun[] {
    const uid = rr.metadata!.uid!;
    const out: OwnedRun[] = [];
    const seen = new Set<string>();
    for (const r of runs) {
      if (r.metadata?.namespace !== rr.metadata!.namespace || !r.metadata?.ownerReferences?.some((o) => o.uid === uid)) continue;
      seen.add(r.metadata.name!);
      out.push({
        name: r.metadata.name!,
        ...(r.status?.phase ? { phase: r.status.phase } : {}),
        ...(r.spec?.cancel ? { cancel: true } : {}),
        ...(r.metadata.annotations?.[ANNOTATION_SCHEDULED_TIME] ? { scheduledTime: r.metadata.annotations[ANNOTATION_SCHEDULED_TIME] } : {}),
        ...timesOf(r),
      });
    }
    const mine = this.created.get(uid);
    for (const [name, at] of mine ?? []) {
      if (seen.has(name) || now - at > EXPECTATION_MS) mine!.delete(name);
      else out.push({ name, createdAt: at });
    }
    return out;
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const rr = this.cache.get(name, namespace);
    if (!rr?.metadata?.uid || !rr.spec || rr.metadata.deletionTimestamp) return;
    const now = (this.deps.now ?? Date.now)();
    const log = this.deps.logger.child({ recurringRun: key });
    let plan = planRecurring(rr, this.owned(rr, now), now);
    if (plan.create.length) {
      // About to make runs: decide on the API server's own list of this RecurringRun's runs, not the cache, which
      // can miss a run for a moment (a watch restarting relists) and would let Forbid or maxConcurrency overlap.
      const live = await this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: RUN_PLURAL, labelSelector: `${LABEL_RECURRING_RUN}=${name}` }) as k8s.KubernetesListObject<PipelineRunObject>;
      plan = planRecurring(rr, this.owned(rr, now, live.items), now);
    }
    if (plan.invalid && rr.status?.message !== plan.invalid) {
      log.warn({ err: plan.invalid }, 'cannot schedule');
      void this.deps.event(rr, 'Warning', 'InvalidSchedule', plan.invalid).catch(() => undefined);
    }
    for (const victim of plan.cancel) {
      await this.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace, name: victim, body: { spec: { cancel: true } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)).catch((err: unknown) => {
        if (code(err) !== 404) throw err;
      });
      log.info({ run: victim }, 'concurrencyPolicy Replace: run cancelled');
      void this.deps.event(rr, 'Normal', 'RunReplaced', `cancelled ${victim} for the next slot (concurrencyPolicy Replace)`).catch(() => undefined);
    }
    for (const slot of plan.skipped) {
      void this.deps.event(rr, 'Normal', 'SlotSkipped', `slot ${slot} skipped: a run is still active (concurrencyPolicy Forbid)`).catch(() => undefined);
    }
    for (const c of plan.create) {
      const r = await this.createRun(rr, c.name, c.scheduledTime);
      const mine = this.created.get(rr.metadata.uid) ?? new Map<string, number>();
      this.created.set(rr.metadata.uid, mine.set(c.name, now));
      log.info({ run: c.name, slot: c.scheduledTime, result: r }, 'scheduled run');
      if (r === 'created') void this.deps.event(rr, 'Normal', 'RunCreated', `created PipelineRun ${c.name} for ${c.scheduledTime}`).catch(() => undefined);
    }
    if (!isDeepStrictEqual(plan.status, rr.status ?? {})) {
      try {
        await this.custom.replaceNamespacedCustomObjectStatus({
          group: GROUP, version: VERSION, plural: RECURRING_PLURAL, namespace, name,
          body: { apiVersion: rr.apiVersion, kind: rr.kind, metadata: { name, namespace, resourceVersion: rr.metadata.resourceVersion }, status: plan.status },
        });
      } catch (err) {
        // A newer object (its event re-queues it) or gone: the next pass plans again; created runs are found by name.
        if (code(err) === 409) return { requeueAfterMs: 100 };
        if (code(err) === 404) return;
        throw err;
      }
    }
    return plan.wakeAt !== undefined ? { requeueAfterMs: Math.max(0, plan.wakeAt - now) } : undefined;
  }

  private async createRun(rr: RecurringRunObject, name: string, scheduledTime: string): Promise<'created' | 'exists'> {
    const t = rr.spec!.runTemplate;
    const body: PipelineRunObject = {
      apiVersion: API_VERSION,
      kind: 'PipelineRun',
      metadata: {
        name,
        namespace: rr.metadata!.namespace!,
        labels: { ...(t.metadata?.labels ?? {}), [LABEL_RECURRING_RUN]: rr.metadata!.name! },
        annotations: { ...(t.metadata?.annotations ?? {}), [ANNOTATION_SCHEDULED_TIME]: scheduledTime },
        // No blockOwnerDeletion: that would need update on recurringruns/finalizers; the run goes with its owner either way.
        ownerReferences: [{ apiVersion: API_VERSION, kind: 'RecurringRun', name: rr.metadata!.name!, uid: rr.metadata!.uid!, controller: true }],
      },
      spec: t.spec,
    };
    try {
      await this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace: rr.metadata!.namespace!, body });
      return 'created';
    } catch (err) {
      if (code(err) === 409) return 'exists';
      if (code(err) === 422 || code(err) === 400) {
        const message = `the run template was refused: ${apiMessage(err)}; fix spec.runTemplate`;
        void this.deps.event(rr, 'Warning', 'InvalidRunTemplate', message).catch(() => undefined);
      }
      throw err;
    }
  }
}

/** When a run was made and finished, as epoch ms (Forbid's spans); absent when unknown or unreadable. */
function timesOf(r: PipelineRunObject): { createdAt?: number; finishedAt?: number } {
  const created = Date.parse(String(r.metadata?.creationTimestamp ?? ''));
  const finished = Date.parse(String(r.status?.finishedAt ?? ''));
  return { ...(Number.isNaN(created) ? {} : { createdAt: created }), ...(Number.isNaN(finished) ? {} : { finishedAt: finished }) };
}
