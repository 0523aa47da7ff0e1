/**
 * Benchmark: the Reconciler alone (no cluster) on one run with a large loop, against an in-memory API server and
 * S3: every pod it creates shows up Succeeded in the next pass. Reports the passes until the run Succeeded, the
 * longest pass, the longest time the event loop was blocked (perf_hooks.monitorEventLoopDelay, 10 ms
 * resolution, and a 5 ms ticker's longest gap: what a busy pass costs every other run and the Lease renewals), the largest status written, and
 * how many bytes of node detail went to S3.
 *
 * --finish-per-pass N: pods come up Running and only N of them finish between two passes (as on a cluster, where
 * a big run sees many passes, each for a few pod events): the cost of a pass over a large run where little changed.
 *
 * Run:  npx tsc -p bench/tsconfig.reconcile.json && node dist/bench-build/bench/reconcile-pass.js
 *         [--items 50000] [--shape loop|fanout|nested] [--launches-per-pass 1000] [--budget-ms 2000] [--node-limit 2000] [--max-passes N]
 *         [--finish-per-pass N]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { ArtifactStore } from '../src/artifacts/s3.js';
import { configFromEnv } from '../src/controller/config.js';
import type { KubeOps } from '../src/controller/kube-ops.js';
import { slimPod } from '../src/controller/informers.js';
import { Reconciler } from '../src/controller/reconcile.js';
import { fanout, loopOfLoops } from './controller-shapes.js';
import type { RunStatus } from '../src/controller/status.js';
import type { PipelineRunObject } from '../src/controller/types.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const ITEMS = Number(arg('items', '50000'));
/** loop: one loop of --items; fanout: root + --items leaves; nested: a KFP IR loop of √items loops of √items. */
const SHAPE = arg('shape', 'loop');
/** Stop after this many passes (a profile of the first passes of a huge run). */
const MAX_PASSES = Number(arg('max-passes', '100000'));
/** 0: every pod created shows up Succeeded in the next pass; N: pods run, and N of them finish between passes. */
const FINISH_PER_PASS = Number(arg('finish-per-pass', '0'));
const env = {
  PIPEWRIGHT_IMAGE: 'pipewright:dev',
  PIPEWRIGHT_S3_ENDPOINT: 's3.local',
  PIPEWRIGHT_PIPELINE_ROOT: 'minio://bench/root',
  PIPEWRIGHT_LAUNCHES_PER_PASS: arg('launches-per-pass', '1000'),
  PIPEWRIGHT_PASS_BUDGET_MS: arg('budget-ms', '2000'),
  PIPEWRIGHT_STATUS_NODE_LIMIT: arg('node-limit', '2000'),
};

const running = (): V1Pod['status'] => ({ phase: 'Running', containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: new Date() } } }] });

/** N running pods finish: each replaced by a new object, as the pod cache does on a change. */
function finishSome(pods: Map<string, V1Pod>, n: number): void {
  let left = n;
  for (const [name, pod] of pods) {
    if (left <= 0) return;
    if (pod.status?.phase !== 'Running') continue;
    pods.set(name, { ...pod, status: { phase: 'Succeeded' } });
    left--;
  }
}

async function main(): Promise<void> {
  const pods = new Map<string, V1Pod>();
  let rv = 1;
  let written: RunStatus | undefined;
  let largestStatus = 0;
  let writes = 0;
  const kube: KubeOps = {
    async createPod(pod) {
      // Kept as the controller's pod cache keeps them (informers.ts: no spec, no managedFields).
      pods.set(pod.metadata!.name!, slimPod({ ...pod, status: FINISH_PER_PASS > 0 ? running() : { phase: 'Succeeded' } }));
      return 'created';
    },
    async deletePod() {},
    async podExists() {
      return true;
    },
    async writeRunStatus(_run, status) {
      writes++;
      largestStatus = Math.max(largestStatus, Buffer.byteLength(JSON.stringify(status)));
      written = status;
      return String(++rv);
    },
    async getPipeline() {
      return undefined;
    },
    async event() {},
    async createPvc() {
      return { result: 'created' as const };
    },
    async deletePvc() {
      return 'deleted' as const;
    },
    async readPvc() {
      return undefined;
    },
    async claimEvents() {
      return [];
    },
  };
  const objects = new Map<string, string>();
  let s3Bytes = 0;
  const store = {
    async putJson(uri: string, v: unknown) {
      const body = JSON.stringify(v);
      s3Bytes += body.length;
      objects.set(uri, body);
    },
    async getJson(uri: string) {
      return JSON.parse(objects.get(uri)!) as unknown;
    },
  } as unknown as ArtifactStore;
  const side = Math.round(Math.sqrt(ITEMS));
  const spec = SHAPE === 'fanout' ? fanout('big', ITEMS, 0).body.spec! : SHAPE === 'nested' ? loopOfLoops('big', side, side, 0).body.spec! : {
    caching: false,
    pipelineSpec: { params: [{ name: 'xs', type: 'list', default: [...Array(ITEMS).keys()] }], tasks: [{ name: 'work', image: 'busybox', command: ['true'], loop: { from: 'params.xs', as: 'item' } }] },
  };
  let run: PipelineRunObject = {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'big', namespace: 'bench', uid: 'uid-bench', resourceVersion: '1', creationTimestamp: new Date() },
    spec,
  };
  const rec = new Reconciler({ config: configFromEnv(env), logger: pino({ level: 'silent' }), kube, getRun: () => run, podsOfRun: () => [...pods.values()], store, grantKey: Buffer.alloc(32, 7) });
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // A 5 ms ticker: the longest gap between its ticks is the longest time nothing else could run.
  let last = performance.now();
  let maxGap = 0;
  let peakRss = process.memoryUsage.rss();
  const ticker = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const t = performance.now();
    maxGap = Math.max(maxGap, t - last);
    last = t;
  }, 5);
  const passes: number[] = [];
  const t0 = Date.now();
  while (!['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(run.status?.phase ?? '') && passes.length < MAX_PASSES) {
    const t = Date.now();
    await rec.reconcile('bench/big');
    passes.push(Date.now() - t);
    if (written) {
      run = { ...run, metadata: { ...run.metadata, resourceVersion: String(rv) }, status: written };
      rec.runSeen(run);
      written = undefined;
    }
    if (FINISH_PER_PASS > 0) finishSome(pods, FINISH_PER_PASS);
    // Let timers and I/O in: what a real process would do between passes.
    await new Promise((r) => setImmediate(r));
  }
  h.disable();
  clearInterval(ticker);
  const total = Date.now() - t0;
  const sorted = [...passes].sort((a, b) => a - b);
  const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  process.stdout.write(
    `${SHAPE} of ${ITEMS} items${FINISH_PER_PASS > 0 ? `, ${FINISH_PER_PASS} pods finishing between passes` : ''}, launches/pass ${env.PIPEWRIGHT_LAUNCHES_PER_PASS}, budget ${env.PIPEWRIGHT_PASS_BUDGET_MS} ms, node limit ${env.PIPEWRIGHT_STATUS_NODE_LIMIT}\n` +
      `  run ${run.status?.phase}${run.status?.phase === "Succeeded" ? "" : ` (${run.status?.message ?? ""})`} after ${passes.length} passes in ${(total / 1000).toFixed(1)} s; pods ${pods.size}\n` +
      `  pass p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${sorted.at(-1)} ms\n` +
      `  event loop blocked at most ${maxGap.toFixed(0)} ms (5 ms ticker; monitorEventLoopDelay max ${(h.max / 1e6).toFixed(0)} ms)\n` +
      `  status writes ${writes}, largest ${largestStatus} bytes; node detail to S3 ${(s3Bytes / 1e6).toFixed(1)} MB in all\n` +
      `  peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (the reconciler, its in-memory API server and S3)\n`,
  );
}

await main();
