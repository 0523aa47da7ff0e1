import { readFileSync } from 'node:fs';
import { parseKfpIr } from '../model/kfp-ir.js';
import { plan } from '../engine/plan.js';
import { RUN } from '../engine/testing/builders.js';
import { verifyGrant } from '../artifacts/grant.js';
import { configFromEnv } from './config.js';
import { buildTaskPod, resourceRequirements } from './pod-spec.js';
import { factFromPod } from './observe.js';
import { boundedOutputs, buildStatus, rootOutputs } from './status.js';
import type { PlanResult } from '../engine/state.js';
import { taskPodName } from './names.js';
import { WorkQueue } from './queue.js';
import type { V1Pod } from '@kubernetes/client-node';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000' });
const pipeline = parseKfpIr(readFileSync('examples/training/pipeline.yaml', 'utf8'));
const run = { ...RUN, pipelineRoot: 'minio://pipewright/v2/artifacts' };
const grant = { key: Buffer.alloc(32, 1), nowSec: 1_700_000_000 };

describe('task pods', () => {
  const first = plan({ pipeline, arguments: {}, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch[0]!;
  const comp = pipeline.components[first.componentName]!;
  const ex = pipeline.executors[first.executorLabel];
  const pod = buildTaskPod({ run, launch: first, component: comp, executor: ex as never, config, grant });

  it('gives no container an S3 credential; the helpers get a grant for this task only, the user step nothing', () => {
    const main = pod.spec!.initContainers!.find((c) => c.name === 'main')!;
    expect(main.env ?? []).toEqual([]);
    expect(main.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(JSON.stringify(pod)).not.toMatch(/AWS_|secretKeyRef|PIPEWRIGHT_S3_/);
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    for (const c of [pod.spec!.initContainers![0]!, pod.spec!.containers[0]!]) {
      expect(c.env?.find((e) => e.name === 'PIPEWRIGHT_GATEWAY_URL')?.value).toBe('http://pipewright-controller.pipewright-system.svc:8080');
      const claims = verifyGrant(c.env!.find((e) => e.name === 'PIPEWRIGHT_GRANT')!.value!, grant.key, grant.nowSec);
      expect(claims).toMatchObject({ ns: run.namespace, run: run.uid, pod: pod.metadata!.name, read: [], write: [first.taskRoot] });
      expect(claims.exp).toBe(grant.nowSec + 7 * 24 * 3600 + 3600);
    }
  });

  it('grants reading exactly the launch\'s object-store inputs, until its timeout plus an hour', () => {
    const launch = { ...first, timeoutSeconds: 60, inputs: { ...first.inputs, artifacts: {
      data: [{ name: 'data', metadata: {}, uri: 'minio://pipewright/v2/artifacts/default/run-1/load/data', type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } }],
      local: [{ name: 'local', metadata: {}, uri: '/tmp/not-an-object', type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } }],
    } } };
    const p = buildTaskPod({ run, launch, component: comp, executor: ex as never, config, grant, serviceAccountName: 'runner' });
    const claims = verifyGrant(p.spec!.initContainers![0]!.env!.find((e) => e.name === 'PIPEWRIGHT_GRANT')!.value!, grant.key, grant.nowSec);
    expect(claims.read).toEqual(['minio://pipewright/v2/artifacts/default/run-1/load/data']);
    expect(claims.exp).toBe(grant.nowSec + 60 + 3600);
    expect(p.spec!.automountServiceAccountToken).toBeUndefined();
    expect(p.spec!.serviceAccountName).toBe('runner');
  });

  it('substitutes the ExecutorInput with cluster paths and names the pod deterministically', () => {
    const main = pod.spec!.initContainers!.find((c) => c.name === 'main')!;
    const argv = [...(main.command ?? []), ...(main.args ?? [])];
    const ei = JSON.parse(argv[argv.indexOf('--executor_input') + 1]!) as { outputs: { outputFile: string } };
    expect(ei.outputs.outputFile).toMatch(/^\/minio\/pipewright\/v2\/artifacts\/default\/run-1\//);
    expect(argv.join(' ')).not.toContain('{{$');
    expect(pod.metadata!.name).toBe(taskPodName(run.name, run.uid, first.nodeId, 1));
    expect(pod.metadata!.name!.length).toBeLessThanOrEqual(63);
    expect(pod.metadata!.ownerReferences![0]).toMatchObject({ kind: 'PipelineRun', uid: run.uid, controller: true });
  });

  it('maps resources and accelerators', () => {
    const id = (s: string) => s;
    expect(resourceRequirements({ cpuRequest: '2', memoryLimit: '8Gi', accelerator: { type: 'nvidia.com/gpu', count: '1' } }, id)).toEqual({
      resources: { requests: { cpu: '2' }, limits: { memory: '8Gi', 'nvidia.com/gpu': '1' } },
    });
    expect(resourceRequirements({ accelerator: { type: 'NVIDIA_TESLA_T4', count: '2' } }, id).nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4' });
  });
});

describe('observing pods', () => {
  const base = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'p', annotations: { 'pipewright.dev/node-id': 'train', 'pipewright.dev/attempt': '2' } }, status });

  it('reads a user failure with exit code and log tail, apart from infrastructure errors', () => {
    const f = factFromPod(base({ phase: 'Failed', initContainerStatuses: [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 3, message: 'a\nValueError: bad', finishedAt: new Date('2026-01-01T00:00:05Z') } } }] }));
    expect(f?.fact).toMatchObject({ phase: 'Failed', exitCode: 3, attempt: 2 });
    expect(f?.fact.message).toBe('container main failed with exit code 3: ValueError: bad');
    const e = factFromPod(base({ phase: 'Failed', initContainerStatuses: [{ name: 'inputs', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, message: 'no such key' } } }] }));
    expect(e?.fact.phase).toBe('Error');
  });

  it('names the step that failed a pod, and whose failure it is (the user\'s Failed, the infrastructure\'s Error)', () => {
    const term = (name: string, exitCode: number, message = '') => ({ name, image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, message } } });
    const failed = (s: Partial<NonNullable<V1Pod['status']>>) => factFromPod(base({ phase: 'Failed', ...s }))!.fact;
    expect(failed({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' })).toMatchObject({ phase: 'Failed', message: 'timed out: Pod was active on the node longer than the specified deadline' });
    expect(failed({ initContainerStatuses: [term('inputs', 2, 'fetch\nNoSuchKey: x')] })).toMatchObject({ phase: 'Error', message: 'downloading input artifacts failed: fetch | NoSuchKey: x' });
    expect(failed({ initContainerStatuses: [term('main', 0)], containerStatuses: [term('outputs', 1, 'metrics.json: not JSON')] })).toMatchObject({ phase: 'Failed', message: "the task's outputs are invalid: metrics.json: not JSON" });
    expect(failed({ initContainerStatuses: [term('main', 0)], containerStatuses: [term('outputs', 2, 'S3: connection refused')] })).toMatchObject({ phase: 'Error', message: 'uploading outputs failed: S3: connection refused' });
    expect(failed({ reason: 'Evicted', message: 'The node was low on resource: memory.' })).toMatchObject({ phase: 'Error', message: 'pod failed: Evicted The node was low on resource: memory.' });
    expect(failed({}).finishedAt).toBe(new Date(0).toISOString());
  });

  it('reads a Succeeded pod\'s outputs by reference or inline, an unreadable report as Error, and a started pod as Running', () => {
    const out = (message: string) => factFromPod(base({ phase: 'Succeeded', containerStatuses: [{ name: 'outputs', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, message, finishedAt: new Date('2026-01-01T00:00:09Z') } } }] }))!;
    expect(out('{"ref":"minio://b/x/outputs.json"}')).toMatchObject({ nodeId: 'train', attempt: 2, podName: 'p', outputsRef: 'minio://b/x/outputs.json', fact: { phase: 'Succeeded', finishedAt: '2026-01-01T00:00:09.000Z' } });
    expect(out('').fact).toMatchObject({ phase: 'Succeeded', outputs: { parameters: {}, artifacts: {} } });
    expect(out('{"parameters": ').fact.phase).toBe('Error');
    const running = factFromPod(base({ phase: 'Running', initContainerStatuses: [{ name: 'main', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: new Date('2026-01-01T00:00:01Z') } } }] }))!;
    expect(running.fact).toEqual({ attempt: 2, phase: 'Running', startedAt: '2026-01-01T00:00:01.000Z' });
  });

  it('reads outputs from the outputs container and says why a pod is pending', () => {
    const ok = factFromPod(base({ phase: 'Succeeded', containerStatuses: [{ name: 'outputs', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, message: '{"parameters":{"Output":"yes"},"artifacts":{}}' } } }] }));
    expect(ok?.fact.outputs?.parameters.Output).toBe('yes');
    const pending = factFromPod(base({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }] }));
    expect(pending?.fact.message).toBe('unschedulable: 0/1 nodes are available: 1 Insufficient memory.');
  });
});

describe('status', () => {
  it('keeps large values out of the status', () => {
    const b = boundedOutputs({ parameters: { small: 1, big: 'x'.repeat(5000) }, artifacts: {} }, 1024);
    expect(b.outputs.parameters).toEqual({ small: 1 });
    expect(b.complete).toBe(false);
  });

  it('reports progress and a Succeeded condition', () => {
    const r = plan({ pipeline, arguments: {}, facts: {}, run, now: '2026-01-01T00:00:00Z' });
    const s = buildStatus({ previous: {}, plan: r, now: '2026-01-01T00:00:00Z', pods: {}, outputsRefs: {}, stopped: {}, valueLimit: 1024 });
    expect(s.progress).toBe('0/4');
    expect(s.conditions?.[0]).toMatchObject({ type: 'Succeeded', status: 'Unknown', reason: 'Running' });
  });

  it('gives the conditions a reason (TaskFailed, Timeout, Cancelled) a Finished condition for any ending, and the kstatus conditions Reconciling and Stalled', () => {
    const base = { now: '2026-01-01T00:01:00Z', pods: {}, outputsRefs: {}, stopped: {}, valueLimit: 1024 };
    const conds = (p: PlanResult, override?: { phase: 'Failed'; message: string; reason: string }) =>
      Object.fromEntries((buildStatus({ ...base, previous: {}, plan: p, ...(override ? { override } : {}) }).conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
    const failedTask = { id: 'a', task: 'a', phase: 'Failed' as const, kind: 'container' as const, displayName: 'a', message: 'exit code 3' };
    expect(conds({ phase: 'Failed', nodes: { a: failedTask }, launch: [], stop: [] })).toEqual({ Succeeded: 'False/TaskFailed', Finished: 'True/TaskFailed', Reconciling: 'False/TaskFailed', Stalled: 'True/TaskFailed' });
    expect(conds({ phase: 'Cancelled', nodes: {}, launch: [], stop: [] }, { phase: 'Failed', message: 'run exceeded its timeout of 1s', reason: 'Timeout' })).toEqual({ Succeeded: 'False/Timeout', Finished: 'True/Timeout', Reconciling: 'False/Timeout', Stalled: 'True/Timeout' });
    expect(conds({ phase: 'Cancelled', nodes: {}, launch: [], stop: [] })).toEqual({ Succeeded: 'False/Cancelled', Finished: 'True/Cancelled', Reconciling: 'False/Cancelled', Stalled: 'True/Cancelled' });
    expect(conds({ phase: 'Running', nodes: {}, launch: [], stop: [] })).toEqual({ Succeeded: 'Unknown/Running', Finished: 'False/Running', Reconciling: 'True/Running', Stalled: 'False/Running' });
    expect(conds({ phase: 'Succeeded', nodes: {}, launch: [], stop: [] })).toEqual({ Succeeded: 'True/Succeeded', Finished: 'True/Succeeded', Reconciling: 'False/Succeeded', Stalled: 'False/Succeeded' });
  });

  it('keeps the root pipeline outputs of a succeeded run, bounded like a node\'s', () => {
    const art = { name: 'chosen', uri: 'minio://b/r/chosen', type: { schemaTitle: 'system.Artifact', schemaVersion: '0.0.1' }, metadata: { chars: 7 } };
    const outputs = { parameters: { labels: ['alpha:3', 'beta:30'], big: 'x'.repeat(2000) }, artifacts: { chosen: [art], fat: [{ ...art, name: 'fat', metadata: { blob: 'y'.repeat(2000) } }] } };
    const done: PlanResult = { phase: 'Succeeded', nodes: {}, launch: [], stop: [], outputs };
    const s = buildStatus({ previous: {}, plan: done, now: '2026-01-01T00:00:00Z', pods: {}, outputsRefs: {}, stopped: {}, valueLimit: 1024 });
    expect(s.outputs).toEqual({
      parameters: { labels: ['alpha:3', 'beta:30'] },
      artifacts: { chosen: [{ uri: 'minio://b/r/chosen', type: 'system.Artifact', metadata: { chars: 7 } }], fat: [{ uri: 'minio://b/r/chosen', type: 'system.Artifact' }] },
      omitted: ['big', 'fat.metadata'],
    });
    expect(rootOutputs({ parameters: { a: 1 }, artifacts: {} }, 1024)).toEqual({ parameters: { a: 1 } });
    // Not before the run succeeded, and not when the pipeline returns nothing.
    expect(buildStatus({ previous: {}, plan: { ...done, phase: 'Failed' }, now: '2026-01-01T00:00:00Z', pods: {}, outputsRefs: {}, stopped: {}, valueLimit: 1024 }).outputs).toBeUndefined();
    expect(buildStatus({ previous: {}, plan: { ...done, outputs: { parameters: {}, artifacts: {} } }, now: '2026-01-01T00:00:00Z', pods: {}, outputsRefs: {}, stopped: {}, valueLimit: 1024 }).outputs).toBeUndefined();
  });
});

describe('work queue', () => {
  it('never runs one key twice at once, coalesces adds, and backs off on errors', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const q = new WorkQueue(
      async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        if (calls === 1) throw new Error('boom');
      },
      { workers: 4, baseBackoffMs: 5 },
    );
    q.add('ns/a');
    q.add('ns/a');
    await new Promise((r) => setTimeout(r, 5));
    q.add('ns/a');
    await new Promise((r) => setTimeout(r, 150));
    await q.idle();
    expect(maxActive).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(3);
  });
});

describe('configFromEnv: workspace claim settings', () => {
  const base = { PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local' };
  it('reads the class and access modes, defaulting to ReadWriteOnce and the cluster default class', () => {
    expect(configFromEnv(base).workspace).toEqual({ accessModes: ['ReadWriteOnce'] });
    expect(configFromEnv({ ...base, PIPEWRIGHT_WORKSPACE_ACCESS_MODES: 'ReadWriteMany, ReadOnlyMany', PIPEWRIGHT_WORKSPACE_STORAGE_CLASS: 'nfs' }).workspace)
      .toEqual({ accessModes: ['ReadWriteMany', 'ReadOnlyMany'], storageClassName: 'nfs' });
  });

  it('refuses an unknown access mode at start, naming the variable and the valid modes', () => {
    expect(() => configFromEnv({ ...base, PIPEWRIGHT_WORKSPACE_ACCESS_MODES: 'RWX' })).toThrow(/^PIPEWRIGHT_WORKSPACE_ACCESS_MODES: \["RWX"\] is not a list of access modes; use one or more of ReadWriteOnce/);
  });
});
