/**
 * Benchmark: the Pipewright controller on the test cluster (real kube-apiserver, etcd, kube-scheduler,
 * kube-controller-manager, our node agent, versitygw), with every task pod in the agent's simulate mode
 * (`pipewright.io/simulate: "true"` via the run's spec.podDefaults.annotations): each pod "runs" for
 * --duration-ms (default 50) and exits 0, and no process is started. Scenarios (bench/controller-shapes.ts):
 *
 *   chain          one run, 100 tasks t1 → t2 → … → t100
 *   fanout         one run, a root task then 1,000 independent tasks that each depend on the root (1,001 pods)
 *   concurrent     50 runs submitted at once, each a chain of 10 tasks (500 pods)
 *   fanout10k      one run, root + 10,000 leaves                                    } npm run bench:big
 *   loops          one run, KFP IR: a 100-item loop of 100-item loops (10,000 pods) }
 *   concurrent200  200 runs of 10-task chains at once (2,000 pods)                 }
 *
 * First (unless --limit-pods 0) the API server's own pod-create throughput (bench/controller-limit.ts): --limit-pods
 * (1,000) of the controller's task pods created directly through the controller's client, QPS bucket and launch
 * concurrency, then at each --limit-concurrency (16,64) without the bucket; every scenario's pods/s is reported as
 * a ratio to the first ("same client") and to the best of them. The scenarios' watcher (bench/observer.ts) watches
 * the limit's pods too: the API server serves it and this process parses its events in both. The controller's settings PIPEWRIGHT_KUBE_QPS,
 * _KUBE_BURST, _LAUNCH_CONCURRENCY, _LAUNCH_WAIT_MS, _STATUS_INTERVAL_MS, _PASS_BUDGET_MS, _PASS_SPACING, _LAUNCHES_PER_PASS, _STATUS_NODE_LIMIT
 * are taken from the environment.
 *
 * Each scenario gets a fresh namespace and a fresh controller, started in this process with
 * startController(…, hooks: { onReconciled }). Printed per scenario:
 *   step transition p50/p99  upstream pod's completion visible (first pod watch event with phase Succeeded) →
 *                            downstream pod's creation visible (first watch event of that pod), both seen by a pod
 *                            watch in a worker thread of this process (bench/observer.ts); one sample per (task, its
 *                            last-finishing upstream)
 *   total                    first PipelineRun created → last run Succeeded (run watch)
 *   pods/s                   pods created / (last pod's first watch event − first run created)
 *   leaves' creations/s      fan-outs: leaves created / (last leaf's create answered − first leaf's create called),
 *                            timed in the controller's client (startController's wrapKubeOps hook) exactly as the
 *                            limit's creations are; the root's own run is not creation throughput
 *   leaves seen created/s    the same as a watcher sees it: leaves / (last leaf's first watch event − root seen
 *                            Succeeded); it carries the API server's watch delay (seconds on a saturated machine)
 *   leaves Succeeded/s       fan-outs: leaves / (last leaf seen Succeeded − root seen Succeeded), against the
 *                            limit's pods at the controller's setting, created and watched until all Succeeded
 *   reconciles, p50/p99      count and duration of reconcile() calls that did work (the onReconciled hook; calls
 *                            that only wait for the run cache to show the controller's own last write are not timed)
 *   CPU                      process.cpuUsage() over the scenario: the controller AND this benchmark
 *   status writes            MODIFIED events of the PipelineRuns (each is one status write by the controller)
 *   peak RSS                 process RSS sampled every 100 ms: the controller AND this benchmark (same process)
 *   largest status           largest JSON of a run's .status seen on the run watch, in bytes
 *
 * Watch timestamps are taken in a worker thread: a watcher in the controller's event loop read its events seconds
 * late in a busy scenario, and the API server closed it as unresponsive again and again. The machine's other load
 * is not controlled.
 *
 * Run:  npm run build && npm run bench:controller [-- --scenarios chain,fanout,concurrent --duration-ms 50
 *                                                     --timeout-min 25 --workers 4 --rounds 1]
 *   --rounds N repeats (limit, scenarios) N times and prints each fan-out's ratio to the limit measured just before
 *   it, and their median: the machine's other load moves the limit by ±30% from one minute to the next.
 *   Needs the cluster binaries (bash test/cluster/build.sh, as for npm run cluster:up). Starts its own cluster in
 *   ~/.cache/pipewright/cluster-bench on ports 26400-26406 (PIPEWRIGHT_CLUSTER_DIR / PIPEWRIGHT_CLUSTER_PORT_BASE
 *   override), with node agent capacity for thousands of pods, and stops it at the end, on failure, on Ctrl-C
 *   and when the global timeout (--timeout-min, default 25) expires. Exit code 0 only if every run succeeded.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Client as MinioClient } from 'minio';
import { pino } from 'pino';
import { configFromEnv } from '../src/controller/config.js';
import { startController, type ControllerHandle } from '../src/controller/main.js';
import { ANNOTATION_NODE, LABEL_MANAGED_BY } from '../src/controller/names.js';
import type { KubeOps } from '../src/controller/kube-ops.js';
import { measureCreateLimit } from './controller-limit.js';
import { printRounds, printSummary, printTable, type Limit, type Result, type RoundRatio, type StepStages } from './controller-report.js';
import { SCENARIOS as SHAPES, type RunPlan } from './controller-shapes.js';
import { NamespaceObserver, toLocal, type PodSeen } from './observer.js';
import { benchCluster, type ClusterState } from './bench-cluster.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Compiled to dist/bench-build/bench/, sources in bench/.
const repo = [path.resolve(here, '..'), path.resolve(here, '../../..')].find((d) => {
  try {
    return (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string }).name === 'pipewright';
  } catch {
    return false;
  }
})!;

// ---- options ---------------------------------------------------------------------------------------------------

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const SCENARIOS = arg('scenarios', 'chain,fanout,concurrent').split(',').map((s) => s.trim()).filter(Boolean);
/** Pods per setting of the API server's create-throughput measurement (0: skip it). */
const LIMIT_PODS = Number(arg('limit-pods', '1000'));
const LIMIT_CONCURRENCIES = arg('limit-concurrency', '16,64').split(',').map(Number).filter((n) => n > 0);
/** The controller's tuning settings, passed through from this process's environment (docs/performance.md). */
const TUNING = ['PIPEWRIGHT_KUBE_QPS', 'PIPEWRIGHT_KUBE_BURST', 'PIPEWRIGHT_LAUNCH_CONCURRENCY', 'PIPEWRIGHT_LAUNCH_WAIT_MS', 'PIPEWRIGHT_STATUS_INTERVAL_MS', 'PIPEWRIGHT_STATUS_WRITES_PER_SEC', 'PIPEWRIGHT_PASS_BUDGET_MS', 'PIPEWRIGHT_PASS_SPACING', 'PIPEWRIGHT_LAUNCHES_PER_PASS', 'PIPEWRIGHT_STATUS_NODE_LIMIT'];
const tuning: NodeJS.ProcessEnv = Object.fromEntries(TUNING.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
const DURATION_MS = Number(arg('duration-ms', '50'));
const TIMEOUT_MS = Number(arg('timeout-min', '25')) * 60_000;
const WORKERS = arg('workers', process.env.PIPEWRIGHT_WORKERS ?? '4');
/** Rounds of (limit, scenarios): on a shared machine the limit moves from minute to minute, so each round's scenarios
 * are compared with the limit measured just before them, and the median of the rounds' ratios is printed. */
const ROUNDS = Math.max(1, Number(arg('rounds', '1')));
const BUCKET = 'pipewright';
const cluster = benchCluster(repo, 'cluster-bench', 26400);

const log = (m: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${m}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- cluster ---------------------------------------------------------------------------------------------------


function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', args, { cwd: repo, env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---- measurement ------------------------------------------------------------------------------------------------

interface PodTimes { created: number; succeeded?: number; failed?: number }


let activeController: ControllerHandle | undefined;

/** The controller's environment for namespace `ns`: the bench cluster's S3, the tuning settings given to the bench. */
function controllerEnv(state: ClusterState, ns: string): NodeJS.ProcessEnv {
  return {
    ...tuning,
    PIPEWRIGHT_NAMESPACES: ns,
    PIPEWRIGHT_WORKERS: WORKERS,
    PIPEWRIGHT_IMAGE: 'pipewright:dev',
    PIPEWRIGHT_S3_ENDPOINT: state.s3.host,
    PIPEWRIGHT_S3_PORT: String(state.s3.port),
    PIPEWRIGHT_S3_BUCKET: BUCKET,
    PIPEWRIGHT_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: state.s3.accessKey,
    AWS_SECRET_ACCESS_KEY: state.s3.secretKey,
    PIPEWRIGHT_HTTP_PORT: '0',
  };
}

/** A fresh namespace whose default ServiceAccount exists (task pods need one). */
async function freshNamespace(core: k8s.CoreV1Api, prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await waitUntil(`default ServiceAccount in ${ns}`, async () => Boolean(await core.readNamespacedServiceAccount({ namespace: ns, name: 'default' })), 30_000);
  return ns;
}

/** Task pods and runs of `ns` as a watcher sees them (bench/observer.ts), ready once its watches are. */
async function startObserver(state: ClusterState, ns: string): Promise<NamespaceObserver> {
  const observer = new NamespaceObserver({ kubeconfig: state.kubeconfig, namespace: ns, labelSelector: `${LABEL_MANAGED_BY}=pipewright`, nodeAnnotation: ANNOTATION_NODE }, log);
  await observer.ready;
  return observer;
}

async function runScenario(kc: k8s.KubeConfig, state: ClusterState, scenario: string, deadline: number): Promise<Result> {
  const def = SHAPES[scenario];
  if (!def) throw new Error(`unknown scenario ${scenario} (${Object.keys(SHAPES).join(', ')})`);
  const plans: RunPlan[] = def.runs(DURATION_MS);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  // A namespace (task pods hold grants, no Secret needed), and the bucket.
  const ns = await freshNamespace(core, `bench-${scenario}`);

  // Pods and runs as a watcher sees them, in a thread of its own (bench/observer.ts); times on this thread's scale.
  const observer = await startObserver(state, ns);
  const localPod = (p: PodSeen): PodTimes & { run: string; node: string } => ({ run: p.run, node: p.node, created: toLocal(p.created), ...(p.succeeded === undefined ? {} : { succeeded: toLocal(p.succeeded) }), ...(p.failed === undefined ? {} : { failed: toLocal(p.failed) }) });
  const { pods: seenPods, runEnds } = observer;
  // The controller's own pod creations, timed as the limit's are (bench/controller-limit.ts): call → answer.
  const creates: { sent: number; answered: number; pod: string }[] = [];
  const wrapKubeOps = (ops: KubeOps): KubeOps => ({
    ...ops,
    createPod: async (pod) => {
      const sent = performance.now();
      const result = await ops.createPod(pod);
      creates.push({ sent, answered: performance.now(), pod: pod.metadata?.name ?? '' });
      return result;
    },
  });

  const reconciles: number[] = [];
  const env = controllerEnv(state, ns);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  activeController = await startController(kc, configFromEnv(env), logger, env, { onReconciled: (ms) => reconciles.push(ms), wrapKubeOps });

  const cpu0 = process.cpuUsage();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);

  const expectedPods = plans.reduce((n, p) => n + p.pods, 0);
  log(`${scenario}: ${plans.length} run(s), ${expectedPods} task pods, namespace ${ns}`);
  const t0 = performance.now();
  await Promise.all(plans.map((p) => custom.createNamespacedCustomObject({ group: 'pipewright.dev', version: 'v1alpha1', namespace: ns, plural: 'pipelineruns', body: p.body })));
  let note = '';
  let lastReport = Date.now();
  while (runEnds.size < plans.length) {
    if (Date.now() > deadline) {
      note = `timed out with ${runEnds.size}/${plans.length} runs finished, ${seenPods.size}/${expectedPods} pods created`;
      break;
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const succeeded = [...seenPods.values()].filter((p) => p.succeeded).length;
      log(`${scenario}: ${((performance.now() - t0) / 1000).toFixed(0)}s, runs finished ${runEnds.size}/${plans.length}, pods created ${seenPods.size}, succeeded ${succeeded}, reconciles ${reconciles.length}, RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB peak, largest status ${observer.maxStatusBytes} bytes`);
    }
    await sleep(50);
  }
  const tEnd = Math.max(...[...runEnds.values()].map((d) => toLocal(d.at)), t0);
  // Let reconciles in flight finish (bounded), so the numbers below are final.
  await Promise.race([activeController.queue?.idle() ?? Promise.resolve(), sleep(30_000)]);
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  await activeController.stop();
  activeController = undefined;
  await observer.stop();
  const pods = new Map([...seenPods].map(([name, p]) => [name, localPod(p)]));

  // Step transitions: each pod against its last-finishing upstream pod of the same run.
  const byTask = new Map<string, PodTimes & { name: string }>();
  for (const [name, p] of pods) byTask.set(`${p.run}/${p.node}`, { ...p, name });
  const transitions: number[] = [];
  // Where a step's time goes, from the controller's create calls: reaction (upstream seen Succeeded → create
  // called), the API server's answer, and the watch's delivery of the new pod.
  const createOf = new Map(creates.map((c) => [c.pod, c]));
  const stages: StepStages = { reaction: [], answer: [], delivery: [] };
  let firstReady = Infinity;
  let lastDownstream = -Infinity;
  let lastDownstreamDone = -Infinity;
  let downstream = 0;
  for (const plan of plans) {
    for (const [t, ups] of plan.upstream) {
      const down = byTask.get(`${plan.name}/${t}`);
      if (!down || ups.length === 0) continue;
      const upTimes = ups.map((u) => byTask.get(`${plan.name}/${u}`)?.succeeded);
      if (upTimes.some((x) => x === undefined)) continue;
      const ready = Math.max(...(upTimes as number[]));
      transitions.push(down.created - ready);
      const c = createOf.get(down.name);
      if (c) {
        stages.reaction.push(c.sent - ready);
        stages.answer.push(c.answered - c.sent);
        stages.delivery.push(down.created - c.answered);
      }
      firstReady = Math.min(firstReady, ready);
      lastDownstream = Math.max(lastDownstream, down.created);
      lastDownstreamDone = Math.max(lastDownstreamDone, down.succeeded ?? Infinity);
      downstream++;
    }
  }
  transitions.sort((a, b) => a - b);
  for (const v of Object.values(stages) as number[][]) v.sort((a, b) => a - b);
  const reconcileMs = [...reconciles].sort((a, b) => a - b);
  const bad = [...runEnds.entries()].filter(([, d]) => d.phase !== 'Succeeded');
  if (bad.length) note = [note, `${bad.length} run(s) did not succeed, e.g. ${bad[0]![0]}: ${bad[0]![1].phase} ${bad[0]![1].message ?? ''}`].filter(Boolean).join('; ');
  const lastCreated = Math.max(...[...pods.values()].map((p) => p.created), t0);
  // The leaves' creations (all but the root's, the first), timed as the limit's are.
  const leafCreates = [...creates].sort((a, b) => a.sent - b.sent).slice(1);
  return {
    scenario,
    title: def.title,
    ok: runEnds.size === plans.length && bad.length === 0 && pods.size === expectedPods,
    note,
    runs: plans.length,
    pods: pods.size,
    transitions,
    stages,
    totalMs: tEnd - t0,
    podsPerSec: pods.size / Math.max(0.001, (lastCreated - t0) / 1000),
    ...(scenario.startsWith('fanout') && downstream > 0 ? {
      readyPodsPerSec: downstream / Math.max(0.001, (lastDownstream - firstReady) / 1000),
      ...(leafCreates.length > 1 ? { leafCreatesPerSec: leafCreates.length / Math.max(0.001, (Math.max(...leafCreates.map((c) => c.answered)) - leafCreates[0]!.sent) / 1000) } : {}),
      ...(Number.isFinite(lastDownstreamDone) ? { readyCompletedPerSec: downstream / Math.max(0.001, (lastDownstreamDone - firstReady) / 1000) } : {}),
    } : {}),
    reconciles: reconcileMs,
    statusWrites: observer.statusWrites,
    peakRssMb: peakRss / 2 ** 20,
    maxStatusBytes: observer.maxStatusBytes,
    cpuSec: (cpu.user + cpu.system) / 1e6,
  };
}

/** The API server's create throughput measured in this round (bench/controller-limit.ts). */
let limit: Limit = {};

// ---- main ----------------------------------------------------------------------------------------------------------

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await activeController?.stop().catch(() => undefined);
    log(`stopping the bench cluster (${cluster.dir})`);
    await cluster.down().catch((e: unknown) => log(`cluster down failed: ${String(e)}`));
  })();
  return cleaning;
}

async function main(): Promise<number> {
  const started = Date.now();
  const deadline = started + TIMEOUT_MS;
  log(`starting the bench cluster in ${cluster.dir} (ports ${cluster.portBase}+)`);
  // One retry: a cluster stopped moments ago can still hold its ports for a few seconds.
  await cluster.up().catch(async (e: unknown) => {
    log(`cluster up failed (${String(e)}); retrying once in 10 s`);
    await sleep(10_000);
    await cluster.up();
  });
  const state = cluster.state();
  await kubectl(state.kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', path.join(repo, 'crds/')]);
  await kubectl(state.kubeconfig, ['wait', '--for=condition=established', '--timeout=60s', 'crd/pipelineruns.pipewright.dev', 'crd/pipelines.pipewright.dev']);
  const mc = new MinioClient({ endPoint: state.s3.host, port: state.s3.port, useSSL: false, accessKey: state.s3.accessKey, secretKey: state.s3.secretKey, region: 'us-east-1', pathStyle: true });
  if (!(await mc.bucketExists(BUCKET))) await mc.makeBucket(BUCKET);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);

  const results: Result[] = [];
  const ratios: RoundRatio[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) log(`round ${round} of ${ROUNDS}`);
    if (LIMIT_PODS > 0) {
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const ns = await freshNamespace(core, 'bench-limit');
      const observe = (namespace: string): Promise<NamespaceObserver> => startObserver(state, namespace);
      const samples = await measureCreateLimit(kc, { ns, config: configFromEnv({ ...controllerEnv(state, ns), PIPEWRIGHT_GATEWAY_URL: 'http://127.0.0.1:9' }), n: LIMIT_PODS, concurrencies: LIMIT_CONCURRENCIES, durationMs: DURATION_MS, log, observe });
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
      limit = { own: samples.find((x) => x.limited), best: [...samples].sort((a, b) => b.podsPerSec - a.podsPerSec)[0] };
      const lines = samples.map((x) => `  concurrency ${String(x.concurrency).padStart(3)}${x.limited ? ' (the controller\'s, its QPS bucket)' : ''}: ${x.podsPerSec.toFixed(1)} pods/s`);
      process.stdout.write(`\nAPI server pod-create throughput (${LIMIT_PODS} task pods per setting, created directly)\n${lines.join('\n')}\n`);
    }
    for (const s of SCENARIOS) {
      // Each scenario gets at most an even share of what is left, keeping time to stop the cluster.
      const left = deadline - Date.now() - 60_000;
      const share = left / (SCENARIOS.length * ROUNDS - results.length);
      if (share < 10_000) {
        log(`skipping ${s}: global timeout near`);
        continue;
      }
      const r = await runScenario(kc, state, s, Date.now() + share);
      printTable(r, limit);
      results.push(r);
      if (r.leafCreatesPerSec !== undefined) ratios.push({ scenario: s, ...(limit.own ? { own: r.leafCreatesPerSec / limit.own.podsPerSec } : {}), ...(limit.best ? { best: r.leafCreatesPerSec / limit.best.podsPerSec } : {}) });
    }
  }
  if (ROUNDS > 1) printRounds(ratios, ROUNDS);
  if (ROUNDS === 1) printSummary(results, limit, DURATION_MS, WORKERS);
  return results.length === SCENARIOS.length * ROUNDS && results.every((r) => r.ok) ? 0 : 1;
}

let exiting = false;
const exitAfterCleanup = (code: number, why?: string): void => {
  if (exiting) return;
  exiting = true;
  if (why) log(why);
  setTimeout(() => process.exit(code), 120_000).unref(); // even if stopping the cluster hangs
  void cleanup().finally(() => process.exit(code));
};
process.on('SIGINT', () => exitAfterCleanup(130, 'interrupted'));
process.on('SIGTERM', () => exitAfterCleanup(143, 'terminated'));
// The global bound: stop whatever runs, stop the cluster, exit.
setTimeout(() => exitAfterCleanup(124, `global timeout of ${TIMEOUT_MS / 60_000} min reached`), TIMEOUT_MS).unref();

main().then(
  (code) => exitAfterCleanup(code),
  (err: unknown) => exitAfterCleanup(1, `benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
);
