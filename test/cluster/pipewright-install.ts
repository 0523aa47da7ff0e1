// Pipewright installed on the test cluster as a user installs it (`npm run cluster:up`): what the node agent needs
// before it starts (the project's image as its Dockerfile builds it, a Python environment for `python:*` images),
// then the chart with the cluster's S3 server, its Secret and the bucket. Ports come from the cluster's port base,
// so a dev cluster, test clusters and installs on the chart's default ports coexist on one machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClusterConfig, ClusterState } from './config.js';

export const RELEASE = 'pipewright';
export const SYSTEM_NAMESPACE = 'pipewright-system';
export const BUCKET = 'pipewright';
export const S3_SECRET = 'pipewright-s3';

/** The controller's and the KFP API server's ports: after the 7 the cluster's own processes use. */
export function installPorts(cfg: ClusterConfig): { controller: number; server: number } {
  return { controller: cfg.ports.etcd + 7, server: cfg.ports.etcd + 8 };
}

export function helmBin(cfg: ClusterConfig): string {
  const text = readFileSync(join(cfg.repoRoot, 'test/cluster/versions.env'), 'utf8');
  const v = /^HELM_VERSION=(\S+)$/m.exec(text)?.[1];
  if (!v) throw new Error('versions.env has no HELM_VERSION');
  return join(cfg.cache, 'bin', `helm-${v}`, 'helm');
}

export interface Prepared { layout: string; python: string; packages: string[] }

/**
 * Before the node agent starts (it reads both at start): the image layout (PW_AGENT_IMAGE_LAYOUT, so the chart's
 * pipewright image runs what the Dockerfile builds) and `<cache>/python`, the environment the agent's default rule
 * puts first on PATH for `python:*` images, with the packages the examples' components install.
 */
export async function prepare(cfg: ClusterConfig, log: (m: string) => void): Promise<Prepared> {
  const t0 = Date.now();
  const layout = execFileSync(process.execPath, [join(cfg.repoRoot, 'scripts/image-layout.mjs')],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, PIPEWRIGHT_CACHE: cfg.cache } })
    .trim().split('\n').pop()!;
  log(`image layout ${layout} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  // The layout holds the built project: its own code reads the examples, without a second build of the checkout.
  const dist = (p: string): Promise<unknown> => import(pathToFileURL(join(layout, 'root/app/dist', p)).href);
  const { ensurePythonEnv } = await dist('local/python-env.js') as {
    ensurePythonEnv: (pk: string[], o: { logger: unknown; cacheDir?: string }) => Promise<{ dir: string; binDir: string }>;
  };
  const { lightweightComponentPackages } = await dist('local/component-command.js') as {
    lightweightComponentPackages: (command: readonly string[]) => string[] | undefined;
  };
  const { parseKfpIr } = await dist('model/kfp-ir.js') as {
    parseKfpIr: (text: string) => { executors: Record<string, { kind: string; command?: string[] }> };
  };
  const { pino } = await import('pino');
  const packages = new Set<string>();
  const example = parseKfpIr(readFileSync(join(cfg.repoRoot, 'examples/training/pipeline.yaml'), 'utf8'));
  for (const e of Object.values(example.executors)) {
    if (e.kind === 'container' && e.command) for (const p of lightweightComponentPackages(e.command) ?? []) packages.add(p);
  }
  const t1 = Date.now();
  const env = await ensurePythonEnv([...packages], { logger: pino({ level: 'warn' }) });
  // A symlink swapped in by rename: a cluster already running keeps a valid path throughout.
  const python = join(cfg.cache, 'python');
  const tmp = `${python}.${process.pid}`;
  rmSync(tmp, { force: true });
  mkdirSync(cfg.cache, { recursive: true });
  symlinkSync(env.dir, tmp);
  renameSync(tmp, python);
  log(`python environment ${python} -> ${env.dir} (${[...packages].join(', ') || 'kfp only'}; ${((Date.now() - t1) / 1000).toFixed(1)}s)`);
  return { layout, python, packages: [...packages] };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv, input?: string): string {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', env, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin.split('/').pop()} ${args.slice(0, 3).join(' ')} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
  }
}

/**
 * The chart into pipewright-system of a running cluster: the S3 Secret (from stdin, so the keys never show in a
 * process list), `helm install --wait` (the controller and the KFP API server as pods the node agent runs), then
 * the bucket checked. Re-running upgrades the release in place.
 */
export function install(cfg: ClusterConfig, state: ClusterState, log: (m: string) => void): void {
  const t0 = Date.now();
  const helm = helmBin(cfg);
  if (!existsSync(helm)) throw new Error(`helm missing at ${helm}: run bash test/cluster/build.sh`);
  const env = {
    ...process.env, KUBECONFIG: state.kubeconfig,
    HELM_CACHE_HOME: join(cfg.dir, 'helm', 'cache'), HELM_CONFIG_HOME: join(cfg.dir, 'helm', 'config'), HELM_DATA_HOME: join(cfg.dir, 'helm', 'data'),
  };
  const kubectl = (args: string[], input?: string): string => run(state.kubectl, args, env, input);
  const ports = installPorts(cfg);
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE } }));
  kubectl(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: S3_SECRET, namespace: SYSTEM_NAMESPACE },
    stringData: { accesskey: state.s3.accessKey, secretkey: state.s3.secretKey },
  }));
  log(`Secret ${SYSTEM_NAMESPACE}/${S3_SECRET} with the S3 server's keys`);
  run(helm, ['upgrade', '--install', RELEASE, join(cfg.repoRoot, 'charts/pipewright'), '-n', SYSTEM_NAMESPACE, '--wait', '--timeout', '5m',
    // CRDs applied before without Helm (crds/, deploy/) are taken over instead of refused.
    '--take-ownership', '--force-conflicts',
    '--set', `s3.endpoint=${state.s3.host}`, '--set', `s3.port=${state.s3.port}`, '--set', `s3.bucket=${BUCKET}`,
    '--set', `controller.httpPort=${ports.controller}`, '--set', `server.port=${ports.server}`], env);
  log(`helm release ${RELEASE} in ${SYSTEM_NAMESPACE}: controller (port ${ports.controller}) and KFP API server (port ${ports.server}) running as pods (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  // Ready (helm --wait) means started, and the controller's start makes the bucket or stops.
  const logs = kubectl(['logs', '-n', SYSTEM_NAMESPACE, `deploy/${RELEASE}-controller`]);
  if (!logs.includes('"msg":"S3 bucket ready"')) throw new Error(`the controller did not report the bucket ready: kubectl logs -n ${SYSTEM_NAMESPACE} deploy/${RELEASE}-controller`);
  log(`bucket ${BUCKET} on ${state.s3.endpoint} (made by the controller at start)`);
}
