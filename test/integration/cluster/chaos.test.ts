// Chaos: seeded PipelineRuns (chains, fan-outs, a condition, a failing task with retries, a loop, artifacts passed
// between tasks) while the controller (SIGKILL), kube-apiserver, the S3 server and the node agent (with its
// containers: a node crash) are killed and restarted at seeded instants. Every run must reach the phase and outputs
// its description gives, with one pod per task attempt (a finished task never runs again), and the controller must
// never exit but by our kills. The suite runs 6 runs and 8 kills; `npm run chaos -- --seed S --runs N --kills K`
// (scripts/chaos.sh) the long mode. CHAOS_SEED replays a run's runs and fault order (printed first).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ANNOTATION_ATTEMPT, ANNOTATION_NODE } from '../../../src/controller/names.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import type { StatusNode } from '../../../src/controller/status.js';
import { rng } from '../../support/rng.js';
import { expectedOf, faultPlan, makeRun, nativeSpec, type ExpectedNode, type RunDesc } from './chaos-runs.js';
import { componentReady, killComponent, RESTARTABLE, startComponent, type Component } from './components.js';
import { ControllerProcess } from './controller-process.js';
import { clusterState, createNamespace, kubectlOk, sleep } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, readS3, waitForRun } from './operator.js';

const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.CHAOS_RUNS ?? 6);
const KILLS = Number(process.env.CHAOS_KILLS ?? 8);
jest.setTimeout(300_000 + KILLS * 20_000 + RUNS * 10_000);

type Target = 'controller' | Component;
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerProcess;

beforeAll(async () => {
  process.stdout.write(`chaos: seed ${SEED}, ${RUNS} runs, ${KILLS} kills (replay: CHAOS_SEED=${SEED} CHAOS_RUNS=${RUNS} CHAOS_KILLS=${KILLS})\n`);
  await installCrds();
  ns = await createNamespace('chaos');
  await prepareNamespaceForRuns(ns.name);
  // Resync often: a run whose reconcile backed off during an outage is looked at again soon after.
  controller = new ControllerProcess({ namespaces: ns.name, name: 'chaos', env: { PIPEWRIGHT_RESYNC_SECONDS: '10' } });
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  // Whatever happened above, later test files get a whole cluster.
  for (const c of RESTARTABLE) if (!(await componentReady(c))) await startComponent(c);
  await ns?.remove();
});

interface SeenPod { name: string; uids: Set<string>; nodeId: string; attempt: number; runUid: string }

/** Every pod of the namespace as often as the API server answers: a pod made twice under one name shows two uids. */
function trackPods(namespace: string): { pods: Map<string, SeenPod>; stop: () => Promise<void> } {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const pods = new Map<string, SeenPod>();
  let stopped = false;
  const poll = async (): Promise<void> => {
    const list = await api.listNamespacedPod({ namespace }).catch(() => undefined);
    for (const p of list?.items ?? []) {
      const m = p.metadata!;
      const seen = pods.get(m.name!) ?? { name: m.name!, uids: new Set<string>(), nodeId: m.annotations?.[ANNOTATION_NODE] ?? '', attempt: Number(m.annotations?.[ANNOTATION_ATTEMPT]), runUid: m.labels?.['pipewright.dev/run-uid'] ?? '' };
      seen.uids.add(m.uid!);
      pods.set(m.name!, seen);
    }
  };
  const loop = (async () => { while (!stopped) { await poll(); await sleep(500); } })();
  return { pods, stop: async () => { stopped = true; await loop; await poll(); } };
}

async function crash(target: Target, downMs: number): Promise<void> {
  if (target === 'controller') {
    await controller.kill();
    await sleep(downMs);
    await controller.start();
    return;
  }
  await killComponent(target);
  await sleep(downMs);
  await startComponent(target);
}

/** What differs between one node and its expectation, pods included; empty when it is right. */
function checkNode(where: string, n: StatusNode | undefined, e: ExpectedNode, pods: SeenPod[]): string[] {
  if (n?.phase !== e.phase) return [`${where}: phase ${n?.phase} (${n?.message ?? ''}), expected ${e.phase}`];
  const bad: string[] = [];
  if (e.value !== undefined && Number(n.outputs?.parameters?.v) !== e.value) bad.push(`${where}: v=${JSON.stringify(n.outputs?.parameters?.v)}, expected ${e.value}`);
  if (e.attempts !== undefined && (n.attempt ?? 1) !== e.attempts) bad.push(`${where}: attempt ${n.attempt}, expected ${e.attempts}`);
  // One pod per attempt, each made once: a task that finished never ran again after a restart.
  const attempts = pods.map((p) => p.attempt).sort((a, b) => a - b);
  const want = Array.from({ length: e.attempts ?? 0 }, (_, i) => i + 1);
  if (JSON.stringify(attempts) !== JSON.stringify(want)) bad.push(`${where}: pods for attempts ${JSON.stringify(attempts)}, expected ${JSON.stringify(want)}`);
  return bad;
}

/** What differs between a finished run and its description; empty when it is right. */
async function check(desc: RunDesc, run: PipelineRunObject, pods: SeenPod[]): Promise<string[]> {
  const exp = expectedOf(desc);
  const bad: string[] = [];
  if (run.status?.phase !== exp.phase) bad.push(`${desc.name}: phase ${run.status?.phase} (${run.status?.message ?? ''}), expected ${exp.phase}`);
  const nodes = run.status?.nodes ?? {};
  const mine = pods.filter((p) => p.runUid === run.metadata?.uid);
  for (const [id, e] of Object.entries(exp.nodes)) {
    // DAG and loop nodes have no pod of their own; every container node has one per attempt.
    const nodePods = e.attempts === undefined && e.phase !== 'Skipped' ? [] : mine.filter((p) => p.nodeId === id);
    bad.push(...checkNode(`${desc.name}/${id}`, Object.hasOwn(nodes, id) ? nodes[id] : undefined, e, nodePods));
  }
  for (const p of mine) if (p.uids.size !== 1) bad.push(`${desc.name}: pod ${p.name} was created ${p.uids.size} times`);
  for (const [task, value] of Object.entries(exp.artifacts)) {
    const uri = nodes[task]?.outputs?.artifacts?.d?.[0]?.uri;
    const text = uri ? await readS3(uri).catch((e: Error) => `unreadable: ${e.message}`) : 'no uri';
    if (text !== String(value)) bad.push(`${desc.name}/${task}: artifact d holds ${JSON.stringify(text)}, expected ${value}`);
  }
  return bad;
}

describe('chaos', () => {
  it(`${RUNS} runs reach their expected phase and outputs through ${KILLS} kills of the controller, kube-apiserver, S3 and the node agent`, async () => {
    const r = rng(SEED);
    const runs = Array.from({ length: RUNS }, (_, i) => makeRun(r, i));
    const plan = faultPlan<Target>(r, ['controller', ...RESTARTABLE], KILLS);
    const tracker = trackPods(ns.name);
    const t0 = Date.now();
    const submit = async (d: RunDesc): Promise<void> => {
      await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: d.name }, spec: { caching: false, pipelineSpec: nativeSpec(d) } }));
    };
    // Runs are spread over the faults, so every fault lands while some runs are in flight.
    let submitted = 0;
    const downtime: Record<string, number[]> = {};
    for (const [j, f] of plan.entries()) {
      while (submitted < RUNS && submitted * KILLS <= j * RUNS) await submit(runs[submitted++]!);
      await sleep(f.afterMs);
      const t = Date.now();
      await crash(f.component, f.downMs);
      (downtime[f.component] ??= []).push(Date.now() - t);
    }
    while (submitted < RUNS) await submit(runs[submitted++]!);
    const faultsDone = Date.now();
    const finished: PipelineRunObject[] = [];
    for (const d of runs) finished.push(await waitForRun(ns.name, d.name, 240_000));
    const settled = Date.now();
    await tracker.stop();

    const pods = [...tracker.pods.values()];
    const problems: string[] = [];
    for (const [i, d] of runs.entries()) problems.push(...await check(d, finished[i]!, pods));
    const kinds = runs.reduce<Record<string, number>>((m, d) => ({ ...m, [d.kind]: (m[d.kind] ?? 0) + 1 }), {});
    const perComponent = Object.entries(downtime).map(([c, ms]) => `${c} ${ms.length} (restart ${Math.round(ms.reduce((a, b) => a + b, 0) / ms.length)} ms avg)`).join(', ');
    process.stdout.write([
      `chaos: seed ${SEED}: ${RUNS} runs (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')}), ${KILLS} kills: ${perComponent}`,
      `chaos: faults over ${((faultsDone - t0) / 1000).toFixed(1)} s, all runs finished ${((settled - faultsDone) / 1000).toFixed(1)} s later (${((settled - t0) / 1000).toFixed(1)} s in all); ${pods.length} pods; controller started ${controller.starts} times`,
      `chaos: ${problems.length ? `${problems.length} problems (replay with CHAOS_SEED=${SEED})` : 'every run right'}`, '',
    ].join('\n'));
    expect(problems).toEqual([]);
    // The controller only ever stopped when we killed it, and runs now.
    expect(controller.unexpectedExits).toEqual([]);
    expect(controller.running).toBe(true);
    const left = (JSON.parse(await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-o', 'json'])) as { items: PipelineRunObject[] }).items
      .filter((x) => !['Succeeded', 'Failed'].includes(x.status?.phase ?? ''));
    expect(left.map((x) => x.metadata?.name)).toEqual([]);
  });
});
