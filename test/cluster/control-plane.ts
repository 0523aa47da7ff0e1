// Brings up etcd, kube-apiserver, kube-controller-manager, kube-scheduler, versitygw and the node agent on loopback.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig, ClusterState } from './config.js';
import { stateFile } from './config.js';
import { ensureCerts, writeKubeconfig, type Certs } from './certs.js';
import { start, stop, waitFor, type Command } from './processes.js';

// Order matters for shutdown: the node agent first (it stops its pods), the store last.
export const COMPONENTS = ['node-agent', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd', 's3'];

const CONTROLLERS = [
  'garbage-collector-controller', 'namespace-controller', 'serviceaccount-controller',
  'serviceaccount-token-controller', 'root-ca-certificate-publisher-controller', 'node-lifecycle-controller',
  'job-controller', 'ttl-after-finished-controller', 'pod-garbage-collector-controller',
  // The chart's and deploy/'s controller is a Deployment (install tests), with a PodDisruptionBudget when HA.
  'deployment-controller', 'replicaset-controller', 'disruption-controller',
  'persistentvolume-binder-controller', 'ephemeral-volume-controller',
  // Remove the in-use finalizers that admission puts on every claim and volume; without them a deleted claim
  // stays Terminating for ever.
  'persistentvolumeclaim-protection-controller', 'persistentvolume-protection-controller',
];

function get(url: string, certs?: Certs, client?: { cert: string; key: string }, insecure = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = url.startsWith('https:')
      ? httpsRequest(url, {
        ca: certs ? readFileSync(certs.ca) : undefined,
        cert: client ? readFileSync(client.cert) : undefined, key: client ? readFileSync(client.key) : undefined,
        timeout: 2000, rejectUnauthorized: !insecure,
      })
      : httpRequest(url, { timeout: 2000 });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/**
 * Audit: requests by service accounts of AUDITED_NAMESPACE (the controller's identity in the RBAC tests) at
 * Metadata level, nothing else, so every other test pays nothing. The RBAC audit test reads AUDIT_LOG.
 */
export const AUDITED_NAMESPACE = 'pipewright-system';
export const AUDIT_LOG = 'audit.log';
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts:${AUDITED_NAMESPACE}"]
  - level: None
`;

export function commands(cfg: ClusterConfig, certs: Certs): Record<string, Command> {
  const { ports, dir } = cfg;
  const kc = (n: string): string => join(dir, `${n}.kubeconfig`);
  const k8s = (n: string): string => join(cfg.binDir.k8s, n);
  const agentMain = fileURLToPath(new URL('./agent/main.js', import.meta.url));
  return {
    etcd: {
      name: 'etcd', bin: join(cfg.binDir.etcd, 'etcd'), args: [
        '--name=default', `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${ports.etcd}`, `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${ports.etcdPeer}`,
        // A throwaway test store: durability buys nothing and fsync costs seconds on small disks.
        '--unsafe-no-fsync', '--quota-backend-bytes=4294967296', '--log-level=warn',
      ],
    },
    'kube-apiserver': {
      name: 'kube-apiserver', bin: k8s('kube-apiserver'), args: [
        `--etcd-servers=http://127.0.0.1:${ports.etcd}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`, `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${certs.apiserverCert}`, `--tls-private-key-file=${certs.apiserverKey}`,
        `--client-ca-file=${certs.ca}`, '--service-cluster-ip-range=10.96.0.0/16', '--allow-privileged=true',
        '--authorization-mode=Node,RBAC',
        // OwnerReferencesPermissionEnforcement as hardened clusters (OpenShift) run it: setting blockOwnerDeletion
        // needs update on the owner's finalizers, which the RBAC tests check the controller's Role grants.
        '--enable-admission-plugins=NodeRestriction,OwnerReferencesPermissionEnforcement', // + defaults (PodSecurity among them)
        `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${join(dir, 'logs', AUDIT_LOG)}`,
        '--audit-log-maxbackup=1', '--audit-log-maxsize=200',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${certs.saPub}`, `--service-account-signing-key-file=${certs.saKey}`,
        `--kubelet-client-certificate=${certs.client('apiserver-kubelet-client').cert}`,
        `--kubelet-client-key=${certs.client('apiserver-kubelet-client').key}`,
        `--kubelet-certificate-authority=${certs.ca}`, '--kubelet-preferred-address-types=InternalIP',
        // The "kubernetes" Service would point at a loopback address, which Endpoints validation rejects.
        '--endpoint-reconciler-type=none', '--v=1',
      ],
    },
    'kube-controller-manager': {
      name: 'kube-controller-manager', bin: k8s('kube-controller-manager'), args: [
        `--kubeconfig=${kc('controller-manager')}`, `--authentication-kubeconfig=${kc('controller-manager')}`,
        `--authorization-kubeconfig=${kc('controller-manager')}`,
        '--bind-address=127.0.0.1', `--secure-port=${ports.controllerManager}`, '--leader-elect=false',
        `--controllers=${CONTROLLERS.join(',')}`, '--use-service-account-credentials=true',
        `--service-account-private-key-file=${certs.saKey}`, `--root-ca-file=${certs.ca}`,
        '--concurrent-gc-syncs=5', '--v=1',
      ],
    },
    'kube-scheduler': {
      name: 'kube-scheduler', bin: k8s('kube-scheduler'), args: [
        `--kubeconfig=${kc('scheduler')}`, `--authentication-kubeconfig=${kc('scheduler')}`,
        `--authorization-kubeconfig=${kc('scheduler')}`,
        '--bind-address=127.0.0.1', `--secure-port=${ports.scheduler}`, '--leader-elect=false', '--v=1',
      ],
    },
    s3: {
      name: 's3', bin: join(cfg.binDir.versitygw, 'versitygw'),
      // Object metadata in a sidecar directory: works whether or not the filesystem has user xattrs.
      args: ['--port', `127.0.0.1:${ports.s3}`, 'posix', '--sidecar', join(dir, 's3-meta'), join(dir, 's3-data')],
      env: { ROOT_ACCESS_KEY: cfg.s3.accessKey, ROOT_SECRET_KEY: cfg.s3.secretKey },
    },
    'node-agent': {
      name: 'node-agent', bin: process.execPath, args: [agentMain],
      env: {
        PW_AGENT_KUBECONFIG: kc('node'), PW_AGENT_NODE_NAME: cfg.nodeName, PW_AGENT_PORT: String(ports.kubelet),
        PW_AGENT_TLS_CERT: certs.kubeletCert, PW_AGENT_TLS_KEY: certs.kubeletKey, PW_AGENT_CA: certs.ca,
        PW_AGENT_ROOT: join(dir, 'node'), PW_AGENT_REPO: cfg.repoRoot, PIPEWRIGHT_CACHE: cfg.cache,
        PW_AGENT_PROVISIONER_KUBECONFIG: kc('admin'),
      },
    },
  };
}

function findKubectl(cfg: ClusterConfig): string {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, 'kubectl'))) return join(d, 'kubectl');
  return join(cfg.binDir.k8s, 'kubectl');
}

export function readState(dir: string): ClusterState | undefined {
  const f = stateFile(dir);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ClusterState) : undefined;
}

export function writeState(dir: string, s: ClusterState): void {
  writeFileSync(stateFile(dir), `${JSON.stringify(s, null, 2)}\n`);
}

const binHint: Record<string, string> = { 'node-agent': 'agent/main.js', s3: 'versitygw' };
const hint = (name: string): string => binHint[name] ?? name;

export async function down(dir: string): Promise<void> {
  const state = readState(dir);
  if (!state) return;
  for (const name of COMPONENTS) {
    const pid = state.pids[name];
    if (pid) await stop(pid, name === 'node-agent' ? 35_000 : 10_000, hint(name));
  }
  rmSync(stateFile(dir), { force: true });
}

/** What the node agent reads from its environment besides commands()'s: PW_AGENT_*, and PATH and LANG for pods. */
export function inheritedAgentEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] =>
    (e[0].startsWith('PW_AGENT_') || e[0] === 'PATH' || e[0] === 'LANG') && e[1] !== undefined));
}

export interface UpOptions { agentEnv?: Record<string, string>; log?: (msg: string) => void }

export async function up(cfg: ClusterConfig, opts: UpOptions = {}): Promise<ClusterState> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const t0 = Date.now();
  const since = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  await down(cfg.dir); // a cluster left behind by a killed run
  for (const [name, bin] of Object.entries({ etcd: cfg.binDir.etcd, k8s: cfg.binDir.k8s, s3: cfg.binDir.versitygw })) {
    if (!existsSync(bin)) throw new Error(`${name} binaries missing at ${bin}: run bash test/cluster/build.sh`);
  }
  // A fresh store and node each time; certificates are kept (they only cost time).
  for (const d of ['etcd', 'node', 's3-data', 's3-meta', 'logs']) rmSync(join(cfg.dir, d), { recursive: true, force: true });
  for (const d of ['s3-data', 's3-meta']) mkdirSync(join(cfg.dir, d), { recursive: true });
  const certs = ensureCerts(join(cfg.dir, 'pki'), [
    { name: 'admin', cn: 'pipewright-admin', org: 'system:masters' },
    { name: 'controller-manager', cn: 'system:kube-controller-manager' },
    { name: 'scheduler', cn: 'system:kube-scheduler' },
    { name: 'node', cn: `system:node:${cfg.nodeName}`, org: 'system:nodes' },
    { name: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', org: 'system:masters' },
  ], cfg.nodeName);
  const server = `https://127.0.0.1:${cfg.ports.apiserver}`;
  for (const n of ['admin', 'controller-manager', 'scheduler', 'node']) {
    const c = certs.client(n);
    writeKubeconfig(join(cfg.dir, `${n}.kubeconfig`), { server, ca: certs.ca, user: n, cert: c.cert, key: c.key });
  }
  copyFileSync(join(cfg.dir, 'admin.kubeconfig'), join(cfg.dir, 'kubeconfig')); // the one users are pointed at
  log(`certificates ready (${since()})`);
  writeFileSync(join(cfg.dir, 'audit-policy.yaml'), AUDIT_POLICY);
  const cmds = commands(cfg, certs);
  const agent = cmds['node-agent']!;
  // The agent's settings inherited from this process (image map and layout, back-off, capacity) are recorded with
  // its command: a node agent restarted from state.json by another process (a test) must keep them.
  agent.env = { ...inheritedAgentEnv(process.env), ...agent.env, ...opts.agentEnv };
  const state: ClusterState = {
    kubeconfig: join(cfg.dir, 'kubeconfig'), apiserverUrl: server, kubectl: findKubectl(cfg), dir: cfg.dir, nodeName: cfg.nodeName,
    s3: {
      endpoint: `http://127.0.0.1:${cfg.ports.s3}`, host: '127.0.0.1', port: cfg.ports.s3,
      accessKey: cfg.s3.accessKey, secretKey: cfg.s3.secretKey,
    },
    pids: {}, commands: cmds,
  };
  const launch = (name: string): number => {
    const pid = start(cfg.dir, cmds[name]!);
    state.pids[name] = pid;
    writeState(cfg.dir, state); // written as we go so `down` can clean up a half-started cluster
    return pid;
  };
  const logOf = (n: string): string => join(cfg.dir, 'logs', `${n}.log`);
  const admin = certs.client('admin');
  const etcdPid = launch('etcd');
  const s3Pid = launch('s3');
  await waitFor('etcd', async () => (await get(`http://127.0.0.1:${cfg.ports.etcd}/health`)).includes('true'),
    30_000, etcdPid, logOf('etcd'));
  log(`etcd ready (${since()})`);
  const apiPid = launch('kube-apiserver');
  await waitFor('kube-apiserver', async () => (await get(`${server}/readyz`, certs, admin)) === 'ok',
    60_000, apiPid, logOf('kube-apiserver'));
  log(`kube-apiserver ready (${since()})`);
  const kcmPid = launch('kube-controller-manager');
  const schedPid = launch('kube-scheduler');
  const agentPid = launch('node-agent');
  await waitFor('s3', async () => { await get(`http://127.0.0.1:${cfg.ports.s3}/health`).catch((e: Error) => {
    if (!/^\d{3} /.test(e.message)) throw e; // any HTTP answer means it listens
  }); return true; }, 30_000, s3Pid, logOf('s3'));
  // Both serve /healthz on their own self-signed certificate; being up is what matters here.
  for (const [name, port, pid] of [['kube-controller-manager', cfg.ports.controllerManager, kcmPid],
    ['kube-scheduler', cfg.ports.scheduler, schedPid]] as const) {
    await waitFor(name, async () => (await get(`https://127.0.0.1:${port}/healthz`, undefined, undefined, true)) === 'ok',
      60_000, pid, logOf(name));
  }
  await waitFor('node Ready and default ServiceAccount', async () => {
    const node = JSON.parse(await get(`${server}/api/v1/nodes/${cfg.nodeName}`, certs, admin)) as {
      spec?: { taints?: unknown[] }; status?: { conditions?: { type: string; status: string }[] };
    };
    const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, certs, admin);
    return Boolean(ready) && !(node.spec?.taints?.length);
  }, 60_000, agentPid, logOf('node-agent'));
  log(`cluster ready in ${since()}`);
  return state;
}
