// Killing and restarting the test cluster's own processes (kube-apiserver, the S3 server, the node agent) from a
// test, with the command lines `up` recorded in state.json; the new pid goes back into state.json so teardown
// stops the process that runs now.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ClusterState } from '../../cluster/config.js';
import { running, start, stop } from '../../cluster/processes.js';
import { clusterState, waitUntil } from './helpers.js';

export type Component = 'kube-apiserver' | 's3' | 'node-agent';
export const RESTARTABLE: readonly Component[] = ['kube-apiserver', 's3', 'node-agent'];

const BIN_HINT: Record<Component, string> = { 'kube-apiserver': 'kube-apiserver', s3: 'versitygw', 'node-agent': 'agent/main.js' };

function stateFile(): string {
  const file = process.env.PIPEWRIGHT_TEST_CLUSTER_STATE;
  if (!file) throw new Error('PIPEWRIGHT_TEST_CLUSTER_STATE unset: run through the jest `cluster` project');
  return file;
}

function probe(url: string, s: ClusterState): Promise<number> {
  return new Promise((resolve) => {
    const pki = join(s.dir, 'pki');
    const opts = url.startsWith('https:')
      ? { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')), timeout: 2000 }
      : { timeout: 2000 };
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, opts, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
}

function kubeletPort(s: ClusterState): number {
  return Number(s.commands['node-agent']!.env!.PW_AGENT_PORT);
}

/**
 * Lists from the API server's watch cache (resourceVersion=0): after a restart /readyz passes while the caches of
 * custom resources still answer 429 "storage is (re)initializing", and a test starting then had its controller's
 * watches back off for seconds (claims.test.ts, right after apiserver-restart.test.ts, missed its deadline).
 */
const CACHED_LISTS = ['/api/v1/pods', '/apis/pipewright.dev/v1alpha1/pipelineruns', '/apis/pipewright.dev/v1alpha1/pipelines',
  '/apis/pipewright.dev/v1alpha1/recurringruns'].map((p) => `${p}?limit=1&resourceVersion=0`);

/** True once the component serves again: apiserver ready with its caches filled, S3 answering HTTP, the node agent's log server up. */
export async function componentReady(c: Component, s = clusterState()): Promise<boolean> {
  if (c === 'kube-apiserver') {
    if ((await probe(`${s.apiserverUrl}/readyz`, s)) !== 200) return false;
    // 404: that CRD is not installed in this cluster (yet); anything else but 200 is not ready.
    const codes = await Promise.all(CACHED_LISTS.map((p) => probe(`${s.apiserverUrl}${p}`, s)));
    return codes.every((code) => code === 200 || code === 404);
  }
  if (c === 's3') return (await probe(`${s.s3.endpoint}/`, s)) > 0;
  return listening(kubeletPort(s));
}

/** Every descendant of pid (children first found through `ps`), so a crash can take a process tree at once. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  for (let frontier = [pid]; frontier.length;) {
    frontier = rows.filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
    out.push(...frontier);
  }
  return out;
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* gone */ } }
};

/**
 * Kills a component with SIGKILL, as a crash would. The node agent's crash takes its containers too (a node that
 * goes down): it is stopped first so it can start no more, then its process tree goes, so no pod status is written
 * by the dying agent and no container outlives it.
 */
export async function killComponent(c: Component): Promise<void> {
  const s = clusterState();
  const pid = s.pids[c];
  if (pid === undefined || !running(pid, BIN_HINT[c])) return;
  if (c === 'node-agent') {
    signal(pid, 'SIGSTOP');
    const tree = descendants(pid);
    signal(pid, 'SIGKILL');
    for (const p of tree) signal(p, 'SIGKILL');
  } else {
    signal(pid, 'SIGKILL');
  }
  await waitUntil(`${c} (pid ${pid}) gone`, async () => !running(pid, BIN_HINT[c]), 10_000, 20);
}

/** Stops a component gracefully (SIGTERM, then SIGKILL). */
export async function stopComponent(c: Component): Promise<void> {
  const s = clusterState();
  const pid = s.pids[c];
  if (pid !== undefined) await stop(pid, c === 'node-agent' ? 35_000 : 10_000, BIN_HINT[c]);
}

/** Starts a component again with its recorded command line and waits until it serves. */
export async function startComponent(c: Component, timeoutMs = 60_000): Promise<void> {
  const s = clusterState();
  s.pids[c] = start(s.dir, s.commands[c]!);
  writeFileSync(stateFile(), `${JSON.stringify(s, null, 2)}\n`); // so teardown stops the new process
  await waitUntil(`${c} ready`, async () => {
    if (!running(s.pids[c]!, BIN_HINT[c])) throw new Error(`${c} exited while starting; see ${s.dir}/logs/${c}.log`);
    return componentReady(c, s);
  }, timeoutMs, 100);
}

/** A crash and restart: SIGKILL, downMs of absence, the recorded command again; resolves once it serves. */
export async function crashAndRestart(c: Component, downMs: number): Promise<void> {
  await killComponent(c);
  await new Promise((r) => setTimeout(r, downMs));
  await startComponent(c);
}
