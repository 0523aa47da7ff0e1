// The reconciler refuses what a tenant may not do, against a fake apiserver: the run (or the importer) fails
// with the message naming the field and the fix, a Warning event says so, and no pod is created.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { configFromEnv } from './config.js';
import { fakeKube } from './testing/fake-kube.js';
import { Reconciler } from './reconcile.js';
import type { PipelineRunObject } from './types.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000' });

const run = (spec: Record<string, unknown>, ns = 'a'): PipelineRunObject => ({
  apiVersion: 'pipewright.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r', namespace: ns, uid: 'uid-1', resourceVersion: '1', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  spec,
});

async function reconcileOnce(obj: PipelineRunObject) {
  const { kube, calls } = fakeKube();
  const r = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, getRun: () => obj, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7) });
  await r.reconcile(`${obj.metadata!.namespace}/r`);
  await r.events.idle();
  return calls;
}

const READER = { name: 'read', image: 'busybox', command: ['cat', '{{inputs.artifacts.ds.path}}'], inputs: { artifacts: [{ name: 'ds', type: 'Dataset', from: 'tasks.imp.outputs.artifacts.artifact' }] } };

describe('Reconciler tenancy', () => {
  it('fails a run rooted in another namespace prefix, with a Warning event and no pod', async () => {
    const calls = await reconcileOnce(run({ pipelineSpec: { pipelineRoot: 'minio://pipewright/v2/artifacts/b', tasks: [{ name: 't', image: 'busybox', command: ['true'] }] } }));
    expect(calls.pods).toEqual([]);
    expect(calls.writes[0]).toMatchObject({ phase: 'Failed', conditions: [{ type: 'Succeeded', status: 'False', reason: 'Forbidden' }, { type: 'Finished', status: 'True', reason: 'Forbidden' }, { type: 'Reconciling', status: 'False' }, { type: 'Stalled', status: 'True' }] });
    expect(calls.writes[0]!.message).toMatch(/^pipelineRoot: pipeline root "minio:\/\/pipewright\/v2\/artifacts\/b" is outside namespace a's artifact prefixes; .*\(fix: compile without pipeline_root/);
    expect(calls.events).toEqual([{ type: 'Warning', reason: 'Forbidden', message: calls.writes[0]!.message }]);
  });

  it('fails the importer when its URI, from a parameter, is another namespace artifact; the reader never starts', async () => {
    const calls = await reconcileOnce(run({
      pipelineSpec: { params: [{ name: 'src', type: 'string' }], tasks: [{ name: 'imp', importer: { uri: '{{params.src}}', type: 'Dataset' } }, READER] },
      arguments: { src: 'minio://pipewright/v2/artifacts/b/run/t/out' },
    }));
    expect(calls.pods).toEqual([]);
    const status = calls.writes.at(-1)!;
    expect(status.phase).toBe('Failed');
    expect(status.nodes?.imp).toMatchObject({ phase: 'Failed' });
    expect(status.nodes?.imp?.message).toMatch(/^importer \(from input 'uri'\): artifact URI minio:\/\/pipewright\/v2\/artifacts\/b\/run\/t\/out is outside namespace a's artifacts.*; fix: import from minio:\/\/pipewright\/v2\/artifacts\/a\//);
    expect(status.nodes?.read?.phase).toBe('Skipped');
    expect(calls.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Warning', reason: 'TaskFailed', message: expect.stringContaining('imp: importer') })]));
  });

  it('lets the same importer read its own namespace artifact', async () => {
    const calls = await reconcileOnce(run({
      pipelineSpec: { params: [{ name: 'src', type: 'string' }], tasks: [{ name: 'imp', importer: { uri: '{{params.src}}', type: 'Dataset' } }, READER] },
      arguments: { src: 'minio://pipewright/v2/artifacts/a/run/t/out' },
    }));
    expect(calls.pods.map((p) => p.metadata?.annotations?.['pipewright.dev/node-id'])).toEqual(['read']);
  });

  it('fails the run whose use_secret_as_env names the controller S3 Secret by a constant; no pod', async () => {
    const calls = await reconcileOnce(run({ pipelineYAML: readFileSync('test/fixtures/ir/compat/tenancy_secret.yaml', 'utf8') }));
    expect(calls.pods).toEqual([]);
    expect(calls.writes[0]).toMatchObject({ phase: 'Failed', conditions: [{ reason: 'Forbidden' }, { type: 'Finished', status: 'True' }, { type: 'Reconciling' }, { type: 'Stalled' }] });
    expect(calls.writes[0]!.message).toMatch(/^platformSpec kubernetes executors\.exec-leak\.secretAsEnv\[0\]: Secret "pipewright-s3" is one of the controller's own Secrets; a pipeline may not mount or reference it \(fix: create a Secret of your own in namespace a/);
    expect(calls.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Forbidden' })]);
  });

  it('fails the task whose Secret name comes from a parameter naming the controller S3 Secret; no pod', async () => {
    const ir = readFileSync('test/fixtures/ir/compat/tenancy_secret_param.yaml', 'utf8');
    const ok = await reconcileOnce(run({ pipelineYAML: ir, arguments: { secret: 'my-secret' } }));
    expect(ok.pods[0]!.spec!.initContainers!.find((c) => c.name === 'main')!.env).toEqual([expect.objectContaining({ name: 'STOLEN', valueFrom: { secretKeyRef: expect.objectContaining({ name: 'my-secret' }) } })]);
    const calls = await reconcileOnce(run({ pipelineYAML: ir, arguments: { secret: 'pipewright-s3' } }));
    expect(calls.pods).toEqual([]);
    const status = calls.writes.at(-1)!;
    expect(status.phase).toBe('Failed');
    expect(status.nodes?.leak?.message).toMatch(/task pod container main env STOLEN: Secret "pipewright-s3" is one of the controller's own Secrets/);
    expect(calls.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Warning', reason: 'TaskFailed', message: expect.stringContaining('pipewright-s3') })]));
  });

  it('refuses the controller service account for a run in the controller namespace', async () => {
    const cfg = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', POD_NAMESPACE: 'pipewright-system', POD_SERVICE_ACCOUNT: 'pipewright-controller' });
    const obj = run({ pipelineSpec: { tasks: [{ name: 't', image: 'busybox', command: ['true'] }] }, serviceAccountName: 'pipewright-controller' }, 'pipewright-system');
    const { kube, calls } = fakeKube();
    await new Reconciler({ config: cfg, logger: pino({ level: 'silent' }), kube, getRun: () => obj, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7) }).reconcile('pipewright-system/r');
    expect(calls.pods).toEqual([]);
    expect(calls.writes[0]!.message).toMatch(/^spec\.serviceAccountName: service account "pipewright-controller" is the controller's own/);
  });
});

describe('Reconciler and names that are Object.prototype members', () => {
  it('runs a task named constructor: one pod, recorded in the status, not created again on the next pass', async () => {
    const obj = run({ pipelineSpec: { tasks: [{ name: 'constructor', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'], dependsOn: ['constructor'] }] } });
    const { kube, calls } = fakeKube();
    const r = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, getRun: () => obj, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7), now: () => new Date('2026-01-01T00:00:01Z') });
    await r.reconcile('a/r');
    expect(calls.pods.map((p) => p.metadata?.annotations?.['pipewright.dev/node-id'])).toEqual(['constructor']);
    const status = calls.writes.at(-1)!;
    expect(status.phase).toBe('Running');
    expect(status.nodes?.constructor).toMatchObject({ phase: 'Pending', attempt: 1, pod: calls.pods[0]!.metadata!.name });
    expect(status.nodes?.b?.phase).toBe('Pending');
    // The next pass reads that status (the pod not yet in the cache, but it exists): no second pod.
    obj.status = status;
    obj.metadata!.resourceVersion = String(calls.writes.length + 1);
    r.runSeen(obj);
    await r.reconcile('a/r');
    await r.events.idle();
    expect(calls.pods).toHaveLength(1);
  });

});

describe('Reconciler admission', () => {
  it('admits a run again when its spec changes (a new generation): arguments made invalid fail the run', async () => {
    const { kube, calls } = fakeKube();
    const spec = { pipelineSpec: { params: [{ name: 'n', type: 'integer' }], tasks: [{ name: 't', image: 'busybox', command: ['echo', '{{params.n}}'] }] } };
    let obj: PipelineRunObject = { ...run({ ...spec, arguments: { n: 1 } }), metadata: { ...run({}).metadata, generation: 1 } };
    const r = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, getRun: () => obj, podsOfRun: () => [], grantKey: Buffer.alloc(32, 7) });
    await r.reconcile('a/r');
    expect(calls.writes.at(-1)?.phase).toBe('Running');
    obj = { ...obj, metadata: { ...obj.metadata, generation: 2, resourceVersion: '2' }, spec: { ...spec, arguments: { n: 'many' } }, status: calls.writes.at(-1)! };
    await r.reconcile('a/r');
    expect(calls.writes.at(-1)).toMatchObject({ phase: 'Failed', message: expect.stringMatching(/spec\.arguments\.n/) });
  });
});
