// The KFP v2 compatibility pipelines (test/pipelines/compat, compiled by the real SDK) run by the operator on
// the test cluster, checked with the same expectations as the local runner: loops and fan-in, conditions,
// exit handlers, nested pipelines, caching across runs, placeholders, task settings, kfp-kubernetes settings.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { checkCompatRun, loadCompatCases, type AttemptTimes, type CompatCase, type CompatRunOutput } from '../../pipelines/compat/expectations.js';
import type { V1Pod } from '@kubernetes/client-node';
import { chainsBy, runInLanes } from '../../support/lanes.js';
import { clusterState, createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { asRunOutput, getRun, installCrds, prepareNamespaceForRuns, readS3, runName, s3Client, startTestController, waitForRun } from './operator.js';

jest.setTimeout(900_000);

// Cases marked `modes: ["local"]` need the runner's host (docs/kfp-compatibility.md); retries and timeouts on
// the cluster are also covered natively in controller.test.ts.
const cases = await loadCompatCases('cluster');
// The cases run side by side in LANES namespaces, one controller watching them all: a case and its reruns
// (caching) stay in order in one lane. On the cluster the cache is shared by every run of a pipeline in a
// namespace, so a lane's cache is emptied before each case that is not a rerun.
const LANES = 3;
interface Lane { name: string; remove: () => Promise<void> }
let lanes: Lane[] = [];
let controller: ControllerHandle;
let outcome = new Map<CompatCase, Promise<() => Promise<void>>>();

async function clearCache(ns: string): Promise<void> {
  const mc = s3Client();
  const names: string[] = [];
  for await (const o of mc.listObjectsV2('pipewright', `v2/artifacts/${ns}/.cache/`, true)) if (o.name) names.push(o.name);
  if (names.length) await mc.removeObjects('pipewright', names);
}

/** What each namespace holds for kubernetes_platform.py. */
async function prepareLane(ns: string): Promise<void> {
  await prepareNamespaceForRuns(ns);
  await kubectlOk(['create', 'secret', 'generic', 'compat-secret', '-n', ns, '--from-literal=password=s3cret']);
  await kubectlOk(['create', 'secret', 'docker-registry', 'compat-registry', '-n', ns, '--docker-server=registry.local', '--docker-username=u', '--docker-password=p']);
  await kubectlOk(['create', 'configmap', 'compat-config', '-n', ns, '--from-literal=mode=fast']);
  await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'compat-pvc' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'pipewright-local', resources: { requests: { storage: '10Mi' } } } }));
}

beforeAll(async () => {
  await installCrds();
  lanes = await Promise.all(Array.from({ length: LANES }, () => createNamespace('compat')));
  await Promise.all(lanes.map((l) => prepareLane(l.name)));
  await kubectlOk(['label', 'node', clusterState().nodeName, 'disktype=ssd', 'pool=batch', 'arch=amd64', '--overwrite']);
  controller = await startTestController(lanes.map((l) => l.name).join(','));
  const done = new Map<string, CompatRunOutput>();
  outcome = runInLanes(chainsBy(cases, (c) => c.rerunOf ?? c.name), LANES, (c, lane) => runCase(lanes[lane]!.name, c, done));
});

afterAll(async () => {
  await controller?.stop();
  await Promise.all(lanes.map((l) => l.remove()));
});

/**
 * The test node has no GPU: the task that set_accelerator_type/limit asks for nvidia.com/gpu must stay Pending
 * with the scheduler's reason in the run's message (locally the accelerator is ignored and it succeeds); the
 * other tasks of the case run as locally. The run is then cancelled.
 */
async function acceleratorOnNodeWithout(ns: string, name: string): Promise<void> {
  await waitUntil('the GPU task reported unschedulable', async () => /Insufficient nvidia\.com\/gpu/.test((await getRun(ns, name)).status?.message ?? ''), 120_000, 500);
  await waitUntil('the other tasks done', async () => {
    const nodes = (await getRun(ns, name)).status?.nodes ?? {};
    return nodes['read-env']?.phase === 'Succeeded' && nodes['read-env-3']?.phase === 'Succeeded';
  }, 120_000, 500);
  const run = await getRun(ns, name);
  expect(run.status?.nodes?.['read-env']?.outputs?.parameters).toEqual({ Output: 'hello from env' });
  expect(run.status?.nodes?.['read-env-2']).toMatchObject({ phase: 'Pending', task: 'Accelerated' });
  await kubectlOk(['patch', 'pipelinerun', name, '-n', ns, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
  expect((await waitForRun(ns, name, 60_000)).status?.phase).toBe('Cancelled');
}

/** When each attempt's user container ran, from the run's pods (one pod per attempt; times to the second). */
async function addAttemptTimes(ns: string, run: CompatRunOutput, uid: string): Promise<void> {
  const pods = (JSON.parse(await kubectlOk(['get', 'pods', '-n', ns, '-l', `pipewright.dev/run-uid=${uid}`, '-o', 'json'])) as { items: V1Pod[] }).items;
  for (const pod of pods) {
    const node = pod.metadata?.annotations?.['pipewright.dev/node-id'];
    const attempt = Number(pod.metadata?.annotations?.['pipewright.dev/attempt']);
    const main = pod.status?.initContainerStatuses?.find((s) => s.name === 'main')?.state?.terminated;
    const task = node ? run.tasks[node] : undefined;
    if (!task || !main) continue;
    const times: AttemptTimes = (task.attemptTimes ??= {});
    times[attempt] = { started: Date.parse(String(main.startedAt)), finished: Date.parse(String(main.finishedAt)) };
  }
}

/** Deleted: gone, or Terminating — Kubernetes keeps a claim that pods still name (the run's finished pods,
 * kept for their logs) until those pods go, as it would under KFP. */
async function claimDeleted(ns: string, name: string): Promise<boolean> {
  const r = await kubectl(['get', 'pvc', name, '-n', ns, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
  return /NotFound/.test(r.stderr) || (r.code === 0 && r.stdout.trim() !== '');
}

/** Claims the run made: CreatePVC's (deleted by DeletePVC) and the run's workspace (deleted when the run ended). */
async function checkClaims(ns: string, c: CompatCase, name: string, run: CompatRunOutput): Promise<void> {
  if (c.name === 'volumes/defaults') {
    expect(run.tasks.createpvc?.outputs?.parameters).toEqual({ name: `${name}-shared` });
    await waitUntil(`claim ${name}-shared deleted`, () => claimDeleted(ns, `${name}-shared`), 60_000, 500);
  }
  if (c.name === 'workspace/defaults' || c.name === 'retry_timeout/defaults') {
    await waitUntil(`workspace claim of ${name} deleted`, () => claimDeleted(ns, `${name}-kfp-workspace`), 60_000, 500);
  }
}

/**
 * Runs one case in namespace `ns` and returns its check (what the case's test runs): the run is awaited here,
 * so the lanes go on side by side while the tests report in file order.
 */
async function runCase(ns: string, c: CompatCase, done: Map<string, CompatRunOutput>): Promise<() => Promise<void>> {
  const run = {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: runName(c.name) },
    spec: { pipelineYAML: readFileSync(c.ir, 'utf8'), ...(c.args ? { arguments: c.args } : {}), ...(c.noCache ? { caching: false } : {}) } as Record<string, unknown>,
  };
  if (!c.rerunOf) await clearCache(ns);
  // Files a case imports (locally temp files) are uploaded to S3, into the namespace's prefix (the only place
  // besides the shared read-only URIs a run may import from), and passed by their minio:// URI.
  for (const [arg, contents] of Object.entries(c.tempFiles ?? {})) {
    const key = `v2/artifacts/${ns}/imports/${arg}.txt`;
    await s3Client().putObject('pipewright', key, Buffer.from(contents));
    run.spec.arguments = { ...(run.spec.arguments as object | undefined), [arg]: `minio://pipewright/${key}` };
  }
  await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify(run));
  if (c.name === 'task_settings/defaults') {
    await acceleratorOnNodeWithout(ns, run.metadata.name);
    return async () => undefined;
  }
  const object = await waitForRun(ns, run.metadata.name, 600_000);
  const finished = asRunOutput(object);
  if (Object.values(c.tasks).some((t) => t.retryDelaysAtLeast)) await addAttemptTimes(ns, finished, object.metadata!.uid!);
  done.set(c.name, finished);
  const problems = await checkCompatRun(c, finished, done, readS3);
  const claims = checkClaims(ns, c, run.metadata.name, finished).then(() => undefined, (err: unknown) => err);
  return async () => {
    expect(problems).toEqual([]);
    const err = await claims;
    if (err) throw err;
  };
}

describe('KFP v2 features on the cluster', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const check = await outcome.get(c)!;
    await check();
  });
});
