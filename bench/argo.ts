/**
 * Benchmark: Pipewright and Argo Workflows side by side on one test cluster (real kube-apiserver, etcd, scheduler,
 * controller-manager, our node agent), the same shapes through both, one controller at a time:
 *
 *   chain       one run, a 100-task chain
 *   fanout      one run, root + 1,000 leaves
 *   concurrent  200 runs of 10-task chains submitted at once
 *
 * (--scale 0.1 makes each 10× smaller: a quick run.) Each controller first runs a one-task warm-up run (not measured). Controllers, each its own process in a fresh namespace:
 *   Pipewright      `pipewright controller` from dist/ (npm run build), its defaults, task pods in the node agent's
 *                   simulate mode (no process runs; the pod "runs" --duration-ms and exits 0), as bench:controller.
 *   Argo (defaults) workflow-controller v4.0.5 (bash test/cluster/build-argo.sh), no flags but namespacing.
 *   Argo (tuned)    --qps 200 --burst 400 --workflow-workers 64, DEFAULT_REQUEUE_TIME=1s, resourceRateLimit 200/400
 *                   (bench/argo-controllers.ts).
 * Argo's pods run for real: the node agent maps the argoexec image to the built argoexec binary
 * (PW_AGENT_IMAGE_MAP), so the `init` container copies it into /var/run/argo, the main container runs
 * `argoexec emissary -- true` (busybox's `true` is the host's) and the `wait` container writes the pod's
 * WorkflowTaskResult through the pod's ServiceAccount token, which is what the controller waits for.
 *
 * Printed per shape and controller: step transition p50/p99 (upstream pod Succeeded seen → downstream pod seen, by
 * a pod watch in this process), makespan (first run created → last run finished, run watch), pods/s (pods /
 * (last pod seen − first run created)), pod run time p50 (pod seen → Succeeded seen), controller CPU seconds
 * (from the runs' creation to the last run's end) and peak RSS (VmHWM, the whole process life), status writes and
 * the largest run status seen (JSON bytes of .status); then Pipewright/Argo ratios.
 *
 * Run:  npm run build && npm run bench:argo [-- --scale 0.1 --shapes chain,fanout,concurrent,loops --argo default,tuned
 *                                              --duration-ms 50 --timeout-min 60 --controller-heap-mb 160
 *                                              --controller-node-flags --max-semi-space-size=2]
 *   Cluster in ~/.cache/pipewright/cluster-bench-argo, ports 26500+ (PIPEWRIGHT_CLUSTER_DIR /
 *   PIPEWRIGHT_CLUSTER_PORT_BASE override); stopped at the end, on failure, Ctrl-C and the global timeout.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client as MinioClient } from 'minio';
import { ANNOTATION_NODE, LABEL_MANAGED_BY } from '../src/controller/names.js';
import { ARGO_TUNINGS, argoNamespaceSetup, startArgo, startPipewright, type Proc } from './argo-controllers.js';
import { shapes, warmup, type Plan, type Shape } from './argo-shapes.js';
import { compare, type Side, type Sample } from './argo-report.js';
import { benchCluster, type ClusterState } from './bench-cluster.js';

const repo = process.cwd();
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const SCALE = Number(arg('scale', '1'));
const SHAPES = arg('shapes', 'chain,fanout,concurrent').split(',').filter(Boolean);
const ARGOS = arg('argo', 'default,tuned').split(',').filter(Boolean);
const DURATION_MS = Number(arg('duration-ms', '50'));
const TIMEOUT_MS = Number(arg('timeout-min', '60')) * 60_000;
const WORKERS = arg('workers', process.env.PIPEWRIGHT_WORKERS ?? '4');
/** The Pipewright controller's V8 old-space limit (MiB; --max-old-space-size); 0: Node's default. The chart's by default. */
const CONTROLLER_HEAP_MB = Number(arg('controller-heap-mb', '160'));
/** More Node.js flags for the Pipewright controller alone; the chart's semi-space by default ('' for Node's). */
const CONTROLLER_NODE_FLAGS = arg('controller-node-flags', '--max-semi-space-size=2');
const cache = process.env.PIPEWRIGHT_CACHE ?? path.join(homedir(), '.cache/pipewright');
const ARGO_VERSION = /ARGO_VERSION=(\S+)/.exec(readFileSync(path.join(repo, 'test/cluster/versions.env'), 'utf8'))![1]!;
const ARGO_DIR = path.join(cache, 'bin', `argo-${ARGO_VERSION}`);
const BUCKET = 'pipewright';
// Argo's executor image runs the argoexec binary build-argo.sh made, bound where PATH finds it.
const cluster = benchCluster(repo, 'cluster-bench-argo', 26500, {
  PW_AGENT_IMAGE_MAP: JSON.stringify([{ pattern: '*argoexec*', pathPrepend: ['/opt/argo/bin'], binds: [{ host: path.join(ARGO_DIR, 'argoexec'), path: '/opt/argo/bin/argoexec', readOnly: true }] }]),
});

const log = (m: string): void => {
  process.stderr.write(`[bench-argo ${new Date().toISOString().slice(11, 23)}] ${m}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', args, { cwd: repo, env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

function watch<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, apiPath: string, query: Record<string, string>, onEvent: (type: string, obj: T) => void): { stop: () => void; ready: Promise<void> } {
  const w = new k8s.Watch(kc);
  let stopped = false;
  let ctl: AbortController | undefined;
  let rv: string | undefined;
  const begin = async (): Promise<void> => {
    ctl = await w.watch(apiPath, { ...query, allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) }, (type, obj: T) => {
      if (type === 'ERROR') { rv = undefined; return; }
      rv = obj.metadata?.resourceVersion ?? rv;
      if (type !== 'BOOKMARK') onEvent(type, obj);
    }, () => {
      if (!stopped) void sleep(200).then(() => (stopped ? undefined : begin().catch((e: unknown) => log(`watch restart failed: ${String(e)}`))));
    });
  };
  return { ready: begin(), stop: () => { stopped = true; ctl?.abort(); } };
}

async function freshNamespace(core: k8s.CoreV1Api, prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (let i = 0; i < 150; i++) {
    if (await core.readNamespacedServiceAccount({ namespace: ns, name: 'default' }).then(() => true, () => false)) return ns;
    await sleep(200);
  }
  throw new Error(`no default ServiceAccount in ${ns} after 30 s`);
}

interface Kind { side: string; podSelector: string; runPath: (ns: string) => string; runOf: (p: k8s.V1Pod) => string; taskOf: (p: k8s.V1Pod) => string; plural: string; group: string }

const PIPEWRIGHT: Kind = {
  side: 'Pipewright', podSelector: `${LABEL_MANAGED_BY}=pipewright`, group: 'pipewright.dev', plural: 'pipelineruns',
  runPath: (ns) => `/apis/pipewright.dev/v1alpha1/namespaces/${ns}/pipelineruns`,
  runOf: (p) => p.metadata?.ownerReferences?.find((o) => o.kind === 'PipelineRun')?.name ?? '',
  taskOf: (p) => p.metadata?.annotations?.[ANNOTATION_NODE] ?? '',
};
const ARGO: Kind = {
  side: 'Argo', podSelector: 'workflows.argoproj.io/workflow', group: 'argoproj.io', plural: 'workflows',
  runPath: (ns) => `/apis/argoproj.io/v1alpha1/namespaces/${ns}/workflows`,
  runOf: (p) => p.metadata?.labels?.['workflows.argoproj.io/workflow'] ?? '',
  // node-name is "<workflow>.<task>" for a DAG task
  taskOf: (p) => (p.metadata?.annotations?.['workflows.argoproj.io/node-name'] ?? '').split('.').slice(1).join('.'),
};

let activeProc: Proc | undefined;
const WARMUP = 'warmup';

interface PodTimes { created: number; succeeded?: number; run: string; task: string }

async function runSide(kc: k8s.KubeConfig, state: ClusterState, shape: Shape, who: string, deadline: number): Promise<Sample> {
  const kind = who === 'pipewright' ? PIPEWRIGHT : ARGO;
  const tuning = ARGO_TUNINGS[who];
  if (who !== 'pipewright' && !tuning) throw new Error(`--argo: unknown setting ${who} (${Object.keys(ARGO_TUNINGS).join(', ')})`);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = await freshNamespace(core, `${shape.key}-${who}`);
  const pods = new Map<string, PodTimes>();
  const done = new Map<string, { at: number; phase: string; message?: string }>();
  let statusWrites = 0;
  let maxStatusBytes = 0;
  let warm = false;
  const podWatch = watch<k8s.V1Pod>(kc, `/api/v1/namespaces/${ns}/pods`, { labelSelector: kind.podSelector }, (type, pod) => {
    const now = performance.now();
    const name = pod.metadata?.name;
    if (!name || type === 'DELETED' || kind.runOf(pod) === WARMUP) return;
    let p = pods.get(name);
    if (!p) pods.set(name, (p = { created: now, run: kind.runOf(pod), task: kind.taskOf(pod) }));
    if (pod.status?.phase === 'Succeeded') p.succeeded ??= now;
  });
  const runWatch = watch<k8s.KubernetesObject & { status?: { phase?: string; message?: string } }>(kc, kind.runPath(ns), {}, (type, run) => {
    const now = performance.now();
    if (run.metadata?.name === WARMUP) {
      if (run.status?.phase === 'Succeeded') warm = true;
      return;
    }
    if (type === 'MODIFIED') statusWrites++;
    if (run.status) maxStatusBytes = Math.max(maxStatusBytes, Buffer.byteLength(JSON.stringify(run.status)));
    const phase = run.status?.phase;
    if (phase && ['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(phase) && !done.has(run.metadata!.name!)) {
      done.set(run.metadata!.name!, { at: now, phase, ...(run.status?.message ? { message: run.status.message } : {}) });
    }
  });
  await Promise.all([podWatch.ready, runWatch.ready]);

  let proc: Proc;
  if (kind === PIPEWRIGHT) {
    proc = startPipewright({ repo, kubeconfig: state.kubeconfig, ns, workers: WORKERS, env: {
      PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: state.s3.host, PIPEWRIGHT_S3_PORT: String(state.s3.port),
      PIPEWRIGHT_S3_BUCKET: BUCKET, PIPEWRIGHT_S3_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: state.s3.accessKey,
      AWS_SECRET_ACCESS_KEY: state.s3.secretKey, PIPEWRIGHT_HTTP_PORT: '0',
      ...(CONTROLLER_HEAP_MB > 0 || CONTROLLER_NODE_FLAGS ? { NODE_OPTIONS: [CONTROLLER_HEAP_MB > 0 ? `--max-old-space-size=${CONTROLLER_HEAP_MB}` : '', CONTROLLER_NODE_FLAGS].filter(Boolean).join(' ') } : {}),
    } }, log);
  } else {
    await argoNamespaceSetup(kc, ns, tuning!);
    proc = startArgo({ bin: path.join(ARGO_DIR, 'workflow-controller'), kubeconfig: state.kubeconfig, ns, tuning: tuning! }, log);
  }
  activeProc = proc;
  const label = kind === PIPEWRIGHT ? 'Pipewright' : tuning!.name;
  try {
    const create = (p: Plan): Promise<unknown> => custom.createNamespacedCustomObject({
      group: kind.group, version: 'v1alpha1', namespace: ns, plural: kind.plural, body: kind === PIPEWRIGHT ? p.pipewright : p.argo,
    });
    // A one-task run first: the controller's start-up (informers syncing) is neither timed nor counted.
    await create(warmup(DURATION_MS));
    for (const until = Date.now() + 300_000; !warm; await sleep(100)) {
      if (Date.now() > until) throw new Error(`${label}: the warm-up run did not succeed in 5 min (namespace ${ns})`);
    }
    const cpu0 = proc.cpuSec();
    const expected = shape.plans.reduce((n, p) => n + p.pods, 0);
    log(`${shape.key} / ${label}: ${shape.plans.length} run(s), ${expected} pods, namespace ${ns}`);
    const t0 = performance.now();
    await Promise.all(shape.plans.map(create));
    let note = '';
    let lastReport = Date.now();
    while (done.size < shape.plans.length) {
      if (Date.now() > deadline) { note = `timed out: ${done.size}/${shape.plans.length} runs finished, ${pods.size}/${expected} pods`; break; }
      // A controller that died finishes nothing more: its side ends here, with what it did.
      const crash = proc.crashed();
      if (crash) { note = `${crash}: ${done.size}/${shape.plans.length} runs finished, ${pods.size}/${expected} pods`; break; }
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        log(`${shape.key} / ${label}: ${((performance.now() - t0) / 1000).toFixed(0)} s, runs finished ${done.size}/${shape.plans.length}, pods ${pods.size}, succeeded ${[...pods.values()].filter((p) => p.succeeded).length}`);
      }
      proc.peakRssMb();
      await sleep(100);
    }
    const cpuSec = proc.cpuSec() - cpu0;
    const peakRssMb = proc.peakRssMb();
    const tEnd = Math.max(t0, ...[...done.values()].map((d) => d.at));
    const byTask = new Map([...pods.values()].map((p) => [`${p.run}/${p.task}`, p]));
    const transitions: number[] = [];
    for (const plan of shape.plans) {
      for (const [t, ups] of plan.upstream) {
        const down = byTask.get(`${plan.name}/${t}`);
        const upTimes = ups.map((u) => byTask.get(`${plan.name}/${u}`)?.succeeded);
        if (!down || !ups.length || upTimes.some((x) => x === undefined)) continue;
        transitions.push(down.created - Math.max(...(upTimes as number[])));
      }
    }
    const bad = [...done.entries()].filter(([, d]) => d.phase !== 'Succeeded');
    if (bad.length) note = [note, `${bad.length} run(s) not Succeeded, e.g. ${bad[0]![0]}: ${bad[0]![1].phase} ${bad[0]![1].message ?? ''}`].filter(Boolean).join('; ');
    const lastSeen = Math.max(t0, ...[...pods.values()].map((p) => p.created));
    return {
      label, ok: !note && pods.size === expected, note, pods: pods.size, transitions: transitions.sort((a, b) => a - b),
      makespanMs: done.size === shape.plans.length ? tEnd - t0 : NaN, podsPerSec: pods.size / Math.max(0.001, (lastSeen - t0) / 1000),
      podRunMs: [...pods.values()].filter((p) => p.succeeded).map((p) => p.succeeded! - p.created).sort((a, b) => a - b),
      cpuSec, peakRssMb, statusWrites, maxStatusBytes,
    };
  } finally {
    await proc.stop();
    activeProc = undefined;
    podWatch.stop();
    runWatch.stop();
  }
}

let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> => (cleaning ??= (async () => {
  await activeProc?.stop().catch(() => undefined);
  log(`stopping the cluster (${cluster.dir})`);
  await cluster.down().catch((e: unknown) => log(`cluster down failed: ${String(e)}`));
})());

async function main(): Promise<number> {
  for (const b of ARGOS.length ? ['workflow-controller', 'argoexec'] : []) {
    if (!existsSync(path.join(ARGO_DIR, b))) throw new Error(`${path.join(ARGO_DIR, b)} missing: run bash test/cluster/build-argo.sh first`);
  }
  if (!existsSync(path.join(repo, 'dist/cli/main.js'))) throw new Error('dist/ missing: run npm run build first');
  const all = shapes(SCALE, DURATION_MS);
  const chosen = SHAPES.map((s) => all[s] ?? (() => { throw new Error(`--shapes: unknown shape ${s} (${Object.keys(all).join(', ')})`); })());
  const deadline = Date.now() + TIMEOUT_MS;
  log(`starting the cluster in ${cluster.dir} (ports ${cluster.portBase}+); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await cluster.up();
  const state = cluster.state();
  await kubectl(state.kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', path.join(repo, 'crds/'), ...(ARGOS.length ? ['-f', path.join(ARGO_DIR, 'crds/')] : [])]);
  await kubectl(state.kubeconfig, ['wait', '--for=condition=established', '--timeout=60s', 'crd/pipelineruns.pipewright.dev', ...(ARGOS.length ? ['crd/workflows.argoproj.io', 'crd/workflowtaskresults.argoproj.io'] : [])]);
  const mc = new MinioClient({ endPoint: state.s3.host, port: state.s3.port, useSSL: false, accessKey: state.s3.accessKey, secretKey: state.s3.secretKey, region: 'us-east-1', pathStyle: true });
  if (!(await mc.bucketExists(BUCKET))) await mc.makeBucket(BUCKET);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);

  const sides = ['pipewright', ...ARGOS];
  const total = chosen.length * sides.length;
  let ran = 0;
  let ok = true;
  for (const shape of chosen) {
    const results: Side[] = [];
    for (const who of sides) {
      const share = (deadline - Date.now() - 60_000) / (total - ran++);
      const r = await runSide(kc, state, shape, who, Date.now() + share);
      ok &&= r.ok;
      results.push(r);
    }
    process.stdout.write(`${compare(shape.title, results)}\n`);
  }
  process.stdout.write(`\nscale ${SCALE}, Pipewright task pods simulated for ${DURATION_MS} ms, ${WORKERS} Pipewright workers; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  return ok ? 0 : 1;
}

let exiting = false;
const exitAfterCleanup = (code: number, why?: string): void => {
  if (exiting) return;
  exiting = true;
  if (why) log(why);
  setTimeout(() => process.exit(code), 120_000).unref();
  void cleanup().finally(() => process.exit(code));
};
process.on('SIGINT', () => exitAfterCleanup(130, 'interrupted'));
process.on('SIGTERM', () => exitAfterCleanup(143, 'terminated'));
setTimeout(() => exitAfterCleanup(124, `global timeout of ${TIMEOUT_MS / 60_000} min reached`), TIMEOUT_MS).unref();
main().then((code) => exitAfterCleanup(code), (err: unknown) => exitAfterCleanup(1, `benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
