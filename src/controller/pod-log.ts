// Opening one container's log on the API server as a byte stream (GET .../pods/{name}/log), whole or followed.
// Shared by `pipewright logs` (line by line) and the server's UI endpoint (piped on to the browser as it comes).
// Plain http(s) with identity encoding rather than client-node's typed call, which buffers the whole body: a
// followed log must be handed on as the API server flushes it.
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { apiMessage } from './kube-ops.js';

/** A log read the API server refused: its HTTP status as `code` (as client-node's errors carry it). */
export class PodLogError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface PodLogOptions {
  container: string;
  follow?: boolean;
  /** The API server stops after this many bytes (the kubelet's limitBytes). */
  limitBytes?: number;
  signal?: AbortSignal;
}

/**
 * Resolves with the API server's 200 response (the log's bytes, ending when the log does: at once without follow,
 * with follow when the container exits); rejects with a PodLogError for any other status (400 while the container
 * is waiting to start, 404 for a pod gone) and with the request's error otherwise (an AbortError once aborted).
 */
export async function openPodLog(kc: k8s.KubeConfig, namespace: string, pod: string, opts: PodLogOptions): Promise<IncomingMessage> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no cluster in the kubeconfig');
  const url = new URL(`${server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`);
  url.searchParams.set('container', opts.container);
  if (opts.follow) url.searchParams.set('follow', 'true');
  if (opts.limitBytes !== undefined) url.searchParams.set('limitBytes', String(opts.limitBytes));
  const options: https.RequestOptions = { method: 'GET', headers: { 'Accept-Encoding': 'identity' } };
  await kc.applyToHTTPSOptions(options);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { ...options, signal: opts.signal }, (res) => {
      if (res.statusCode === 200) {
        resolve(res);
        return;
      }
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(new PodLogError(res.statusCode ?? 0, apiMessage({ body }))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
