// Hostile runs while healthy ones proceed: a YAML alias bomb, 3,000-deep nesting, nested CEL comprehensions over a
// big list, a 50,000-item loop, a task named `constructor`, a status patched to `nodes: {a: null}`, a non-string
// timeout and `spec.timeout: 720h`. Each hostile run must end with a reason, a message naming the field and a
// Warning event (or be refused at admission; `constructor`, a valid name, must simply run), and the healthy runs in another namespace must succeed meanwhile.
// Prints, without asserting them, each hostile run's time to Failed and the healthy runs' step transitions.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { Reason } from '../../../src/controller/errors.js';
import type { KubeOps } from '../../../src/controller/kube-ops.js';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { own } from '../../../src/util/own.js';
import { clusterState, createNamespace, kubectl, kubectlOk, sleep, waitUntil } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';

jest.setTimeout(300_000);

const SIM = (ms: number) => ({ annotations: { 'pipewright.io/simulate': 'true', 'pipewright.io/simulate-duration-ms': String(ms) } });
const step = (name: string, after?: string) => ({ name, image: 'busybox', command: ['true'], ...(after ? { dependsOn: [after] } : {}) });
const chainSpec = (n: number, ms = 200) => ({ caching: false, podDefaults: SIM(ms), pipelineSpec: { tasks: Array.from({ length: n }, (_, i) => step(`s${i}`, i ? `s${i - 1}` : undefined)) } });

/** A 2.9 KB billion-laughs document: 9^9 values if expanded. */
function aliasBomb(): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 9; i++) {
    const [p, c] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
    text += `${c}: &${c} [${Array(9).fill(`*${p}`).join(',')}]\n`;
  }
  return `${text}pipelineInfo: {name: bomb}\nroot: {dag: {tasks: {}}}\n${'# padding to the size of the one reported\n'.repeat(50)}`;
}

interface Hostile { name: string; spec: Record<string, unknown>; reason: string; message: RegExp; phase?: string; patchStatus?: unknown }
const BIG_LIST = Array.from({ length: 2000 }, (_, i) => i);
const HOSTILE: Hostile[] = [
  { name: 'alias-bomb', spec: { pipelineYAML: aliasBomb() }, reason: Reason.InvalidPipeline, message: /spec\.pipelineYAML.*aliases.*PIPEWRIGHT_MAX_YAML_ALIASES/s },
  { name: 'deep-nesting', spec: { pipelineYAML: `pipelineInfo: ${'['.repeat(3000)}${']'.repeat(3000)}\n` }, reason: Reason.InvalidPipeline, message: /spec\.pipelineYAML.*nests too deeply.*PIPEWRIGHT_MAX_YAML_DEPTH/s },
  {
    name: 'cel-comprehensions',
    spec: { pipelineSpec: { params: [{ name: 'xs', type: 'list', default: BIG_LIST }], tasks: [{ name: 'gate', image: 'busybox', command: ['true'], inputs: { parameters: [{ name: 'xs', from: 'params.xs' }] }, when: 'inputs.xs.all(a, inputs.xs.all(b, inputs.xs.all(c, a + b + c >= 0)))' }] } },
    reason: Reason.InvalidPipeline, message: /spec\.tasks\[gate\]\.when.*PIPEWRIGHT_MAX_CEL_NESTING/s,
  },
  {
    name: 'loop-50000',
    spec: { podDefaults: SIM(10), pipelineSpec: { params: [{ name: 'xs', type: 'list', default: Array.from({ length: 50_000 }, (_, i) => i) }], tasks: [{ name: 'each', image: 'busybox', command: ['true'], loop: { from: 'params.xs', as: 'item' } }] } },
    // A root loop over a parameter's default (or argument): its length is known at admission, so the run is
    // refused before anything runs, as `pipewright validate` refuses it.
    reason: Reason.InvalidPipeline, message: /task "each" iterates over parameter "xs", whose default has 50000 items.*PIPEWRIGHT_MAX_LOOP_ITEMS/s,
  },
  {
    name: 'null-node', spec: chainSpec(2), reason: Reason.InvalidRun, message: /status\.nodes\.a must be an object \(got null\)/,
    patchStatus: { phase: 'Running', nodes: { a: null } },
  },
];

let hostileNs: { name: string; remove: () => Promise<void> };
let healthyNs: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle | undefined;
const reconciles = new Map<string, number>();
const created = new Map<string, number>(); // pod name -> ms
const largestStatus = new Map<string, number>();
const statusWrites = new Map<string, number>();

beforeAll(async () => {
  await installCrds();
  hostileNs = await createNamespace('hostile');
  healthyNs = await createNamespace('healthy');
  await prepareNamespaceForRuns(hostileNs.name);
});
afterAll(async () => {
  await controller?.stop();
  await Promise.all([hostileNs?.remove(), healthyNs?.remove()]);
});

// `create`, not `apply`: a client-side apply would copy the 50,000 items into an annotation (256 KiB at most).
const apply = (ns: string, name: string, spec: Record<string, unknown>): Promise<string> =>
  kubectlOk(['create', '-n', ns, '-f', '-'], stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec }));

async function warnings(ns: string, run: string): Promise<{ reason: string; message: string }[]> {
  const out = await kubectlOk(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${run},type=Warning`, '-o', 'json']);
  return (JSON.parse(out) as { items: { reason: string; message: string }[] }).items;
}

/** Pod name -> first time (ms) the test saw it Succeeded, through a watch of the healthy namespace. */
async function watchSucceeded(ns: string): Promise<{ seen: Map<string, number>; stop: () => void }> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  const seen = new Map<string, number>();
  const req = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, {}, (_type, pod: k8s.V1Pod) => {
    if (pod.status?.phase === 'Succeeded' && !seen.has(pod.metadata!.name!)) seen.set(pod.metadata!.name!, Date.now());
  }, () => undefined);
  return { seen, stop: () => req.abort() };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

/** A controller in this process whose reconciles, pod creations and status writes the test counts. */
function startMeasuredController(): Promise<ControllerHandle> {
  return startTestController(`${hostileNs.name},${healthyNs.name}`, {}, {
    onReconciled: (_ms, key) => void reconciles.set(key, (reconciles.get(key) ?? 0) + 1),
    wrapKubeOps: (ops: KubeOps): KubeOps => ({
      ...ops,
      async createPod(pod) {
        created.set(pod.metadata!.name!, Date.now());
        return ops.createPod(pod);
      },
      async writeRunStatus(run, status) {
        const key = `${run.metadata!.namespace}/${run.metadata!.name}`;
        largestStatus.set(key, Math.max(largestStatus.get(key) ?? 0, Buffer.byteLength(JSON.stringify(status))));
        statusWrites.set(key, (statusWrites.get(key) ?? 0) + 1);
        return ops.writeRunStatus(run, status);
      },
    }),
  });
}

/** Step transitions of the healthy chains: a pod seen Succeeded to the next task's pod created, in ms. */
async function stepTransitions(runs: string[], succeededAt: Map<string, number>): Promise<number[]> {
  const transitions: number[] = [];
  for (const name of runs) {
    const nodes = (await getRun(healthyNs.name, name)).status!.nodes!;
    for (let i = 1; i < 5; i++) {
      const [prev, next] = [nodes[`s${i - 1}`]?.pod, nodes[`s${i}`]?.pod];
      const done = prev && succeededAt.get(prev);
      const made = next && created.get(next);
      if (done && made) transitions.push(made - done);
    }
  }
  return transitions;
}

describe('hostile runs beside healthy ones', () => {
  it('each hostile run fails with a reason, a message naming the field and an event; the healthy runs succeed meanwhile', async () => {
    // Runs with a forged status are made and patched before a controller sees them, as no CRD check does.
    for (const h of HOSTILE.filter((x) => x.patchStatus)) {
      await apply(hostileNs.name, h.name, h.spec);
      await kubectlOk(['patch', 'pipelinerun', h.name, '-n', hostileNs.name, '--subresource=status', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/status', value: h.patchStatus }])]);
    }
    const pods = await watchSucceeded(healthyNs.name);
    controller = await startMeasuredController();
    const healthy = ['h1', 'h2', 'h3'];
    for (const h of healthy) await apply(healthyNs.name, h, chainSpec(5));
    await apply(healthyNs.name, 'long-timeout', { ...chainSpec(3), timeout: '720h' });
    await apply(hostileNs.name, 'constructor', { ...chainSpec(1), pipelineSpec: { tasks: [step('constructor'), step('after', 'constructor')] } });
    const submitted = new Map<string, number>();
    for (const h of HOSTILE.filter((x) => !x.patchStatus)) {
      submitted.set(h.name, Date.now());
      await apply(hostileNs.name, h.name, h.spec);
    }
    const start = Date.now();

    // A non-string timeout never reaches the controller: the CRD schema refuses it, whatever the client skips.
    const numeric = JSON.stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'numeric-timeout' }, spec: { ...chainSpec(1), timeout: 3600 } });
    for (const how of [['apply', '--server-side'], ['create']]) {
      const r = await kubectl([...how, '--validate=false', '-n', hostileNs.name, '-f', '-'], numeric);
      expect({ how, code: r.code }).toEqual({ how, code: 1 });
      expect(r.stderr).toMatch(/spec\.timeout.*(must be of type string|expected string)/);
    }

    const timeToFailed = new Map<string, number>();
    await waitUntil('every hostile run Failed', async () => {
      for (const h of HOSTILE) {
        if (timeToFailed.has(h.name)) continue;
        if (['Failed', 'Error'].includes((await getRun(hostileNs.name, h.name)).status?.phase ?? '')) timeToFailed.set(h.name, Date.now() - (submitted.get(h.name) ?? start));
      }
      return timeToFailed.size === HOSTILE.length;
    }, 120_000, 200);
    for (const h of HOSTILE) {
      const run = await getRun(hostileNs.name, h.name);
      const cond = run.status?.conditions?.find((c) => c.type === 'Succeeded');
      expect({ run: h.name, phase: run.status?.phase, reason: cond?.reason }).toEqual({ run: h.name, phase: h.phase ?? 'Failed', reason: h.reason });
      expect(run.status?.message).toMatch(h.message);
    }
    await waitUntil('a Warning event per hostile run', async () => {
      for (const h of HOSTILE) if ((await warnings(hostileNs.name, h.name)).length === 0) return false;
      return true;
    }, 30_000);
    const eventReasons = await Promise.all(HOSTILE.map(async (h) => `${h.name}: ${(await warnings(hostileNs.name, h.name)).map((e) => e.reason).join('+')}`));

    const finished = async (ns: string, name: string): Promise<PipelineRunObject> => {
      let run: PipelineRunObject | undefined;
      await waitUntil(`${name} finished`, async () => ['Succeeded', 'Failed', 'Error'].includes((run = await getRun(ns, name)).status?.phase ?? ''), 180_000, 300);
      return run!;
    };
    for (const name of [...healthy, 'long-timeout']) expect({ name, phase: (await finished(healthyNs.name, name)).status?.phase }).toEqual({ name, phase: 'Succeeded' });
    // `constructor` is a valid task name: it runs like any other (it used to find Object.prototype's constructor).
    const ctor = await finished(hostileNs.name, 'constructor');
    expect({ phase: ctor.status?.phase, first: own(ctor.status?.nodes, 'constructor')?.phase, then: ctor.status?.nodes?.after?.phase }).toEqual({ phase: 'Succeeded', first: 'Succeeded', then: 'Succeeded' });
    pods.stop();

    const transitions = await stepTransitions(healthy, pods.seen);
    const longKey = `${healthyNs.name}/long-timeout`;
    process.stdout.write([
      `hostile: time to Failed ${[...timeToFailed].map(([n, ms]) => `${n} ${ms} ms`).join(', ')}`,
      `hostile: Warning events ${eventReasons.join(', ')}`,
      `hostile: healthy step transitions (n=${transitions.length}) p50 ${pct(transitions, 0.5)} ms, p90 ${pct(transitions, 0.9)} ms, max ${Math.max(...transitions)} ms`,
      `hostile: 720h timeout run: ${reconciles.get(longKey) ?? 0} reconciles; largest status writes: ${[...largestStatus].filter(([k]) => k.startsWith(hostileNs.name)).map(([k, b]) => `${k.split('/')[1]} ${b} B`).join(', ')}`, '',
    ].join('\n'));
    expect(transitions.length).toBe(healthy.length * 4);
    // 720h must not turn into a timer that fires at once: a handful of reconciles, not a loop.
    expect(reconciles.get(longKey) ?? 0).toBeLessThan(40);
    // Nothing hostile is retried once it ended: no more status writes to it; and what it wrote stayed small.
    const key = (h: Hostile): string => `${hostileNs.name}/${h.name}`;
    const before = HOSTILE.map((h) => statusWrites.get(key(h)) ?? 0);
    await sleep(2000);
    expect(HOSTILE.map((h) => statusWrites.get(key(h)) ?? 0)).toEqual(before);
    expect(HOSTILE.filter((h) => (largestStatus.get(key(h)) ?? 0) > 64 * 1024).map((h) => h.name)).toEqual([]);
  });
});
