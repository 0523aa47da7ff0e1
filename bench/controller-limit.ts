// The API server's own pod-create throughput, measured on the bench cluster before the scenarios: the controller's
// own task pods (built by buildTaskPod for a run of N independent tasks, owner reference dropped, simulate mode),
// created directly through the controller's client (kubeOps: pooled keep-alive connections, the process's QPS
// bucket at PIPEWRIGHT_KUBE_QPS / _BURST) with the controller's launch concurrency, and at other concurrencies for
// the best the server can do. Every scenario's pods/s is then reported as a ratio to these.
import * as k8s from '@kubernetes/client-node';
import type { ControllerConfig } from '../src/controller/config.js';
import { kubeOps } from '../src/controller/kube-ops.js';
import { buildTaskPod } from '../src/controller/pod-spec.js';
import { pipelineFromSource } from '../src/controller/pipeline-source.js';
import { RateLimiter } from '../src/controller/rate-limit.js';
import { runContext } from '../src/controller/reconcile-plan.js';
import { plan } from '../src/engine/plan.js';
import { eachLimited } from '../src/util/each-limited.js';
import { independent } from './controller-shapes.js';

export interface LimitSample {
  concurrency: number;
  /** With the controller's QPS bucket (true) or none (false). */
  limited: boolean;
  podsPerSec: number;
  /** The controller's setting only: n / (last pod seen Succeeded − first create sent): pods created and run. */
  completedPerSec?: number;
}

/** Resolves with the time (performance.now) every pod named was first seen Succeeded, or undefined at the timeout. */
function allSucceeded(kc: k8s.KubeConfig, ns: string, names: Set<string>, timeoutMs: number): { ready: Promise<void>; done: Promise<number | undefined> } {
  const left = new Set(names);
  let finish: (t: number | undefined) => void = () => undefined;
  const done = new Promise<number | undefined>((r) => (finish = r));
  let ctl: AbortController | undefined;
  let over = false;
  let rv: string | undefined;
  const timer = setTimeout(() => finish(undefined), timeoutMs);
  // A busy API server ends watches often: each restart goes on from the last version seen.
  const begin = (): Promise<void> => new k8s.Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, { allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) }, (type, pod: k8s.V1Pod) => {
    if (type === 'ERROR') { rv = undefined; return; }
    rv = pod.metadata?.resourceVersion ?? rv;
    if (pod.status?.phase === 'Succeeded' && left.delete(pod.metadata?.name ?? '') && left.size === 0) finish(performance.now());
  }, () => {
    if (!over) setTimeout(() => void begin().catch(() => undefined), 100);
  }).then((c) => { ctl = c; });
  void done.then(() => { over = true; clearTimeout(timer); ctl?.abort(); });
  return { ready: begin(), done };
}

/** N task pods as the controller builds them, for namespace `ns`. */
function taskPods(ns: string, n: number, config: ControllerConfig, durationMs: number, tag: string): k8s.V1Pod[] {
  // Every task independent: one plan launches them all.
  const shape = independent(`limit-${tag}`, n, durationMs);
  const run = { ...shape.body, metadata: { name: `limit-${tag}`, namespace: ns, uid: `00000000-0000-4000-8000-${tag.padStart(12, '0')}`, creationTimestamp: new Date() } };
  const spec = run.spec!;
  const pipeline = pipelineFromSource(spec, 'spec', run.metadata.name);
  const ctx = runContext(run, config.pipelineRoot);
  const p = plan({ pipeline, arguments: {}, facts: {}, run: ctx, now: new Date().toISOString(), enableCaching: false, maxLaunches: n });
  return p.launch.map((launch) => {
    const comp = pipeline.components[launch.componentName]!;
    const executor = pipeline.executors[launch.executorLabel]!;
    if (executor.kind !== 'container') throw new Error('not a container task');
    const pod = buildTaskPod({ run: ctx, launch, component: comp, executor, config, grant: { key: Buffer.alloc(32, 1), nowSec: Math.floor(Date.now() / 1000) }, podDefaults: spec.podDefaults! });
    delete pod.metadata!.ownerReferences; // no such run: the garbage collector would delete them under us
    return pod;
  });
}

async function waitNoPods(core: k8s.CoreV1Api, ns: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = await core.listNamespacedPod({ namespace: ns, limit: 1 });
    if (left.items.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Creates `n` pods per setting in namespace `ns` (deleting them between settings); pods/s = n / (last create
 * answered − first create sent).
 */
export interface LimitOptions {
  ns: string;
  config: ControllerConfig;
  /** Pods per setting. */
  n: number;
  /** Concurrencies tried besides the controller's own. */
  concurrencies: number[];
  durationMs: number;
  log: (m: string) => void;
  /**
   * Starts what watches the scenarios from outside (bench/observer.ts) on `ns`: the limit is measured with the same
   * watcher on the API server and the same thread parsing its events as every scenario's pods/s it is divided into.
   */
  observe?: (ns: string) => Promise<{ stop(): Promise<void> }>;
}

export async function measureCreateLimit(kc: k8s.KubeConfig, { ns, config, n, concurrencies, durationMs, log, observe }: LimitOptions): Promise<LimitSample[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const settings = [{ concurrency: config.client.launchConcurrency, limited: true }, ...concurrencies.filter((c) => c !== config.client.launchConcurrency).map((c) => ({ concurrency: c, limited: false }))];
  const out: LimitSample[] = [];
  for (const [i, s] of settings.entries()) {
    const pods = taskPods(ns, n, config, durationMs, String(i + 1)); // names differ per setting
    // A fresh bucket per setting (full burst), as a freshly started controller has.
    const ops = s.limited ? kubeOps(kc, new RateLimiter(config.client)) : kubeOps(kc);
    // At the controller's setting, also until every pod ran: the same work a fan-out's leaves make the cluster do.
    const run = s.limited ? allSucceeded(kc, ns, new Set(pods.map((p) => p.metadata!.name!)), 300_000) : undefined;
    await run?.ready;
    const observer = await observe?.(ns);
    const t0 = performance.now();
    await eachLimited(pods, s.concurrency, async (pod) => {
      await ops.createPod(pod);
    });
    const podsPerSec = n / ((performance.now() - t0) / 1000);
    const ranAt = await run?.done;
    await observer?.stop();
    const completedPerSec = ranAt === undefined ? undefined : n / ((ranAt - t0) / 1000);
    out.push({ ...s, podsPerSec, ...(completedPerSec === undefined ? {} : { completedPerSec }) });
    log(`limit: ${n} pods at concurrency ${s.concurrency}${s.limited ? ` with QPS ${config.client.qps}/burst ${config.client.burst}` : ', no QPS bucket'}: ${podsPerSec.toFixed(1)} pods/s${completedPerSec === undefined ? '' : `; all Succeeded at ${completedPerSec.toFixed(1)} pods/s`}`);
    // A loaded API server may time out a delete of 1,000 pods (504): the next setting then starts beside them.
    try {
      await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
      await waitNoPods(core, ns, 120_000);
    } catch (err) {
      log(`limit: deleting the pods failed (${String(err).split('\n')[0]}); going on`);
    }
  }
  return out;
}
