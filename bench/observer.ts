// What bench/controller.ts measures from the outside: a namespace's task pods and PipelineRuns as a watcher sees
// them, in a worker thread of its own. The controller runs in the bench's main thread; a watcher sharing that event
// loop read its events seconds late (the API server closed it as unresponsive dozens of times in a 200-run scenario,
// and each first-seen time then carried the controller's busy spells), so the timings measured the bench, not the
// controller. Times are epoch milliseconds (performance.timeOrigin + performance.now()), the same clock in both
// threads.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as k8s from '@kubernetes/client-node';

/** First-seen times of one task pod (epoch ms). */
export interface PodSeen {
  run: string;
  /** The task's node id (pod annotation). */
  node: string;
  created: number;
  succeeded?: number;
  failed?: number;
}

export interface RunEnd {
  at: number;
  phase: string;
  message?: string;
}

type Message =
  | { t: 'pod'; name: string; pod: PodSeen }
  | { t: 'run'; name: string; modified: boolean; statusBytes: number; end?: RunEnd }
  | { t: 'ready' }
  | { t: 'log'; message: string };

interface Options {
  kubeconfig: string;
  namespace: string;
  /** The pod label selector (the controller's task pods). */
  labelSelector: string;
  /** The annotation naming a pod's node id. */
  nodeAnnotation: string;
}

/** The observer as the main thread sees it: filled from the worker's messages. */
export class NamespaceObserver {
  readonly pods = new Map<string, PodSeen>();
  readonly runEnds = new Map<string, RunEnd>();
  /** MODIFIED events of the runs: one per status write. */
  statusWrites = 0;
  maxStatusBytes = 0;
  readonly ready: Promise<void>;
  private readonly worker: Worker;

  constructor(opts: Options, log: (m: string) => void) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: opts });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (m: Message) => {
        if (m.t === 'ready') resolve();
        else if (m.t === 'log') log(m.message);
        else if (m.t === 'pod') this.pods.set(m.name, m.pod);
        else {
          if (m.modified) this.statusWrites++;
          this.maxStatusBytes = Math.max(this.maxStatusBytes, m.statusBytes);
          if (m.end && !this.runEnds.has(m.name)) this.runEnds.set(m.name, m.end);
        }
      });
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Epoch ms of an epoch-ms time on this thread's performance.now() scale. */
export const toLocal = (epochMs: number): number => epochMs - performance.timeOrigin;

const now = (): number => performance.timeOrigin + performance.now();

/** A watch restarted from the last resourceVersion seen whenever the server ends it. */
function watchAll<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, apiPath: string, query: Record<string, string>, onEvent: (type: string, obj: T, at: number) => void, log: (m: string) => void): Promise<void> {
  const w = new k8s.Watch(kc);
  let rv: string | undefined;
  let restarts = 0;
  const begin = async (): Promise<void> => {
    await w.watch(apiPath, { ...query, allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) }, (type, obj: T) => {
      const at = now();
      if (type === 'ERROR') {
        rv = undefined; // 410 Gone or worse: start over (first-seen times already recorded are kept)
        return;
      }
      rv = obj.metadata?.resourceVersion ?? rv;
      onEvent(type, obj, at);
    }, (err: unknown) => {
      if (++restarts % 10 === 1) log(`watch ${apiPath} ended (${err ? String(err) : 'closed'}); restarting (${restarts} so far)`);
      void begin().catch((e: unknown) => log(`watch restart failed: ${String(e)}`));
    });
  };
  return begin();
}

function observe(opts: Options): void {
  const port = parentPort!;
  const post = (m: Message): void => port.postMessage(m);
  const log = (message: string): void => post({ t: 'log', message });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(opts.kubeconfig);
  const pods = new Map<string, PodSeen>();
  const ended = new Set<string>();
  const podWatch = watchAll<k8s.V1Pod>(kc, `/api/v1/namespaces/${opts.namespace}/pods`, { labelSelector: opts.labelSelector }, (type, pod, at) => {
    const name = pod.metadata?.name;
    if (!name || type === 'BOOKMARK' || type === 'DELETED') return;
    let p = pods.get(name);
    let changed = false;
    if (!p) {
      const run = pod.metadata?.ownerReferences?.find((o) => o.kind === 'PipelineRun')?.name ?? '';
      pods.set(name, (p = { created: at, run, node: pod.metadata?.annotations?.[opts.nodeAnnotation] ?? '' }));
      changed = true;
    }
    if (pod.status?.phase === 'Succeeded' && p.succeeded === undefined) {
      p.succeeded = at;
      changed = true;
    }
    if (pod.status?.phase === 'Failed' && p.failed === undefined) {
      p.failed = at;
      changed = true;
    }
    if (changed) post({ t: 'pod', name, pod: p });
  }, log);
  const runWatch = watchAll<k8s.KubernetesObject & { status?: { phase?: string; message?: string } }>(kc, `/apis/pipewright.dev/v1alpha1/namespaces/${opts.namespace}/pipelineruns`, {}, (type, run, at) => {
    const name = run.metadata?.name;
    if (type === 'BOOKMARK' || !name) return;
    const phase = run.status?.phase;
    const end = phase && ['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(phase) && !ended.has(name) ? { at, phase, ...(run.status?.message ? { message: run.status.message } : {}) } : undefined;
    if (end) ended.add(name);
    post({ t: 'run', name, modified: type === 'MODIFIED', statusBytes: run.status ? Buffer.byteLength(JSON.stringify(run.status)) : 0, ...(end ? { end } : {}) });
  }, log);
  // A watch that cannot start rejects here, unhandled: the worker dies and the main thread's `ready` rejects.
  void Promise.all([podWatch, runWatch]).then(() => post({ t: 'ready' }));
}

if (!isMainThread && (workerData as Options | undefined)?.kubeconfig) observe(workerData as Options);
