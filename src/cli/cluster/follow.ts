// Following a run as it changes (a watch on the one object, re-established when it ends) and reading task pods'
// logs, whole or followed.
import type { IncomingMessage } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { code } from '../../controller/kube-ops.js';
import { openPodLog } from '../../controller/pod-log.js';
import { isRunFinished } from '../../controller/status.js';
import type { PipelineRunObject } from '../../controller/types.js';
import type { Cluster } from './connect.js';
import { CliError, EXIT } from './errors.js';

/** The container of a task pod that runs the user's command (pod-spec.ts). */
export const MAIN_CONTAINER = 'main';

/** Server-side watch timeout: each watch ends this often and is re-opened after a fresh GET (a resync). */
const WATCH_SECONDS = 60;

export const finished = (run: PipelineRunObject): boolean => isRunFinished(run.status?.phase);

/**
 * Calls onUpdate with the run now and with every change until `until(run)` holds (default: the run finished);
 * returns that version. Rejects with a CliError when the run is deleted meanwhile.
 */
export async function followRun(cluster: Cluster, namespace: string, name: string, onUpdate: (run: PipelineRunObject) => void,
  opts: { until?: (run: PipelineRunObject) => boolean; signal?: AbortSignal } = {}): Promise<PipelineRunObject> {
  const until = opts.until ?? finished;
  const watch = new k8s.Watch(cluster.kc);
  for (;;) {
    let run = await cluster.getRun(name, namespace);
    onUpdate(run);
    if (until(run) || opts.signal?.aborted) return run;
    const outcome = await new Promise<PipelineRunObject | 'restart'>((resolve, reject) => {
      let abort: AbortController | undefined;
      let settled = false;
      const settle = (v: PipelineRunObject | 'restart' | Error): void => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        abort?.abort();
        if (v instanceof Error) reject(v);
        else resolve(v);
      };
      const onAbort = (): void => settle(run);
      opts.signal?.addEventListener('abort', onAbort);
      watch.watch(cluster.runsPath(namespace), {
        fieldSelector: `metadata.name=${name}`, resourceVersion: run.metadata?.resourceVersion, timeoutSeconds: WATCH_SECONDS, allowWatchBookmarks: true,
      }, (type, obj: PipelineRunObject) => {
        if (settled) return;
        if (type === 'DELETED') settle(new CliError(`PipelineRun ${namespace}/${name} was deleted`, EXIT.failed));
        else if (type === 'ADDED' || type === 'MODIFIED') {
          run = obj;
          onUpdate(run);
          if (until(run)) settle(run);
        }
      }, () => settle('restart')).then((a) => {
        abort = a;
        if (settled) a.abort();
      }, () => settle('restart'));
    });
    if (outcome !== 'restart') return outcome;
    // A watch that cannot be opened (e.g. RBAC without `watch`) degrades to a GET per second.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Streams one container's log, calling onLine per complete line; resolves when the stream ends (at once without
 * follow; with follow when the container exits) or is aborted. Rejects with a PodLogError (e.g. 400 while it is
 * not started).
 */
export async function streamLog(cluster: Cluster, namespace: string, pod: string, onLine: (line: string) => void,
  opts: { follow?: boolean; signal?: AbortSignal; container?: string } = {}): Promise<void> {
  let res: IncomingMessage;
  try {
    res = await openPodLog(cluster.kc, namespace, pod, { container: opts.container ?? MAIN_CONTAINER, follow: opts.follow, signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) return;
    throw err;
  }
  await new Promise<void>((resolve) => {
    let rest = '';
    res.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    const done = (): void => {
      if (rest) onLine(rest);
      rest = '';
      resolve();
    };
    res.on('end', done);
    res.on('close', done);
    res.on('error', done);
  });
}

/** True for the errors a log read gives while the pod is being created or scheduled: try again shortly. */
export function notReadyYet(err: unknown): boolean {
  const c = code(err);
  return c === 400 || c === 404;
}
