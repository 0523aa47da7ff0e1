// Where the test cluster keeps its binaries, certificates, data and state, and which loopback ports it uses.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Versions { k8s: string; etcd: string; versitygw: string }

export interface Ports {
  etcd: number; etcdPeer: number; apiserver: number; kubelet: number;
  s3: number; controllerManager: number; scheduler: number;
}

export interface ClusterConfig {
  readonly cache: string;
  readonly dir: string; // this cluster's certs, data, logs and state
  readonly binDir: { k8s: string; etcd: string; versitygw: string };
  readonly ports: Ports;
  readonly nodeName: string;
  readonly s3: { accessKey: string; secretKey: string };
  readonly repoRoot: string;
}

/** Written by `up` to <dir>/state.json; tests and `down` read it. */
export interface ClusterState {
  kubeconfig: string;
  /** The kubectl to use: the machine's, else the one build.sh made. */
  kubectl: string;
  apiserverUrl: string;
  s3: { endpoint: string; host: string; port: number; accessKey: string; secretKey: string };
  pids: Record<string, number>;
  /** How each process was started, so tests can stop and start one (e.g. kube-apiserver) again. */
  commands: Record<string, { name: string; bin: string; args: string[]; env?: Record<string, string> }>;
  dir: string;
  nodeName: string;
}

export const repoRoot = findRepo(dirname(fileURLToPath(import.meta.url)));

function findRepo(from: string): string {
  // Compiled code runs from node_modules/.cache/...; source from test/cluster: both find the repo by package.json.
  for (let d = from; d !== dirname(d); d = dirname(d)) {
    try {
      const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'pipewright') return d;
    } catch { /* keep looking */ }
  }
  throw new Error(`pipewright repository not found above ${from}`);
}

export function readVersions(root = repoRoot): Versions {
  const text = readFileSync(join(root, 'test/cluster/versions.env'), 'utf8');
  const get = (k: string): string => {
    const m = new RegExp(`^${k}=(\\S+)`, 'm').exec(text);
    if (!m?.[1]) throw new Error(`versions.env has no ${k}`);
    return m[1];
  };
  return { k8s: get('K8S_VERSION'), etcd: get('ETCD_VERSION'), versitygw: get('VERSITYGW_VERSION') };
}

export function clusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const cache = env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright');
  const v = readVersions();
  const base = Number(env.PIPEWRIGHT_CLUSTER_PORT_BASE ?? 16400);
  return Object.freeze({
    cache,
    dir: env.PIPEWRIGHT_CLUSTER_DIR ?? join(cache, 'cluster'),
    binDir: {
      k8s: join(cache, 'bin', `k8s-${v.k8s}`),
      etcd: join(cache, 'bin', `etcd-${v.etcd}`),
      versitygw: join(cache, 'bin', `versitygw-${v.versitygw}`),
    },
    ports: {
      etcd: base, etcdPeer: base + 1, apiserver: base + 2, kubelet: base + 3,
      s3: base + 4, controllerManager: base + 5, scheduler: base + 6,
    },
    nodeName: env.PIPEWRIGHT_NODE_NAME ?? 'pw-node',
    // Random per start (recorded in state.json): distinctive values that the secret scan after the suite can look for.
    s3: { accessKey: `pwak${randomBytes(8).toString('hex')}`, secretKey: `pwsk${randomBytes(20).toString('hex')}` },
    repoRoot,
  });
}

export const stateFile = (dir: string): string => join(dir, 'state.json');
