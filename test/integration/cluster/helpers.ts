// What cluster tests use: the running test cluster (started by jest globalSetup), the real kubectl, a namespace
// per test file, waiting on pods, the machine-wide default-install lock (components.ts stops and restarts the
// cluster's processes).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterState } from '../../cluster/config.js';

export function clusterState(): ClusterState {
  const file = process.env.PIPEWRIGHT_TEST_CLUSTER_STATE;
  if (!file) throw new Error('PIPEWRIGHT_TEST_CLUSTER_STATE unset: run through the jest `cluster` project');
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

export interface Run { code: number; stdout: string; stderr: string }

/** The real kubectl against the test cluster. */
export function kubectl(args: string[], input?: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const s = clusterState();
    const child = execFile(s.kubectl ?? 'kubectl', args, { env: { ...process.env, KUBECONFIG: s.kubeconfig },
      timeout: timeoutMs, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh namespace for one test file; deleted (without waiting) by the returned function. */
export async function createNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectlOk(['create', 'namespace', name]);
  // The ServiceAccount admission plugin rejects pods until the controller has made the default account.
  await waitUntil(`default ServiceAccount in ${name}`, async () =>
    (await kubectl(['get', 'serviceaccount', 'default', '-n', name])).code === 0, 30_000);
  return { name, remove: async () => { await kubectl(['delete', 'namespace', name, '--wait=false']); } };
}

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function getPod(ns: string, name: string): Promise<V1Pod | undefined> {
  const r = await kubectl(['get', 'pod', name, '-n', ns, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as V1Pod) : undefined;
}

/** Waits until the pod's phase is one of phases; returns the pod. */
export async function waitForPhase(ns: string, name: string, phases: string[], timeoutMs = 60_000): Promise<V1Pod> {
  let pod: V1Pod | undefined;
  await waitUntil(`pod ${ns}/${name} in ${phases.join('|')} (last: ${pod?.status?.phase})`, async () => {
    pod = await getPod(ns, name);
    return phases.includes(pod?.status?.phase ?? '');
  }, timeoutMs, 300);
  return pod!;
}

/** Processes whose command line mentions the given text (to check nothing is left running). */
export function processesMatching(text: string): string[] {
  const r = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

/**
 * A machine-wide lock for the test files that install with the documented defaults (namespace pipewright-system,
 * release pipewright, the controller's port 8080, the bundled S3's 7070). Pods share the host's network on the
 * node agent, so those ports are the machine's: two test clusters on one machine (several checkouts) must not run
 * such an install at once, and in one cluster these files reuse the same names. Held by a `flock` child: released
 * by the returned function, or by the kernel when this process dies. Waits up to timeoutMs.
 */
export async function lockDefaultInstall(timeoutMs = 1_200_000): Promise<() => void> {
  const cache = process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright');
  mkdirSync(join(cache, 'locks'), { recursive: true });
  const child = spawn('flock', ['-x', '-w', String(Math.ceil(timeoutMs / 1000)), join(cache, 'locks', 'default-install.lock'), '-c', 'echo locked; exec cat'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`could not take the default-install lock (flock exited ${code})`)));
  });
  return () => { child.stdin!.end(); child.kill(); };
}
