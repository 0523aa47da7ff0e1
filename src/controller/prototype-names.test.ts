// Found by the hostile-runs cluster test. A task may be named `constructor` (a valid DNS label): lookups by node id
// must read own properties only, or Object.prototype's constructor answers for a node with no fact, pod or stop yet.
// A loop over the item limit names its task in the run's message.
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { configFromEnv } from './config.js';
import type { KubeOps } from './kube-ops.js';
import { Reconciler } from './reconcile.js';
import type { RunStatus } from './status.js';
import type { PipelineRunObject } from './types.js';
import { own } from '../util/own.js';
import { nativeFromObject } from '../model/native.js';
import { plan } from '../engine/plan.js';
import { RUN } from '../engine/testing/builders.js';

// Status writes not coalesced: each pass is checked through the status it writes.
const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000', PIPEWRIGHT_STATUS_INTERVAL_MS: '0' });

function harness() {
  const created: V1Pod[] = [];
  const writes: RunStatus[] = [];
  let run: PipelineRunObject = {
    apiVersion: 'pipewright.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r', namespace: 'ns', uid: 'uid-1', resourceVersion: '1', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
    spec: { pipelineSpec: { tasks: [{ name: 'constructor', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'], dependsOn: ['constructor'] }] } },
  };
  let rv = 1;
  const kube: KubeOps = {
    async createPod(pod) { created.push(structuredClone(pod)); return 'created'; },
    async deletePod() {},
    async podExists() { return true; },
    async writeRunStatus(_r, status) {
      writes.push(structuredClone(status));
      run = { ...run, metadata: { ...run.metadata, resourceVersion: String(++rv) }, status: structuredClone(status) };
      return String(rv);
    },
    async getPipeline() { return undefined; },
    async event() {},
    async createPvc() { return { result: 'created' as const }; },
    async deletePvc() { return 'deleted' as const; },
    async readPvc() { return undefined; },
    async claimEvents() { return []; },
  };
  const pods: V1Pod[] = [];
  const reconciler = new Reconciler({ config, logger: pino({ level: 'silent' }), kube, getRun: () => run, podsOfRun: () => pods, grantKey: Buffer.alloc(32, 3) });
  return { reconciler, created, writes, pods };
}

const succeeded = (pod: V1Pod): V1Pod => ({
  ...pod,
  status: { phase: 'Succeeded', containerStatuses: [{ name: 'outputs', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, message: '{"parameters":{},"artifacts":{}}' } } }] },
});

describe('a task named constructor', () => {
  it('is launched, recorded without a stray stop or pod, and its successor runs once it succeeds', async () => {
    const h = harness();
    await h.reconciler.reconcile('ns/r');
    expect(h.created.map((p) => p.metadata?.annotations?.['pipewright.dev/node-id'])).toEqual(['constructor']);
    const first = h.writes.at(-1)!.nodes!;
    expect(own(first, 'constructor')).toMatchObject({ phase: 'Pending', kind: 'container', attempt: 1 });
    expect(own(first, 'constructor')!.stopped).toBeUndefined();
    expect(Object.hasOwn(first, 'b') && first.b!.pod).toBeFalsy();

    h.pods.push(succeeded(h.created[0]!));
    await h.reconciler.reconcile('ns/r');
    expect(h.created.map((p) => p.metadata?.annotations?.['pipewright.dev/node-id'])).toEqual(['constructor', 'b']);
    expect(own(h.writes.at(-1)!.nodes, 'constructor')).toMatchObject({ phase: 'Succeeded', attempt: 1 });
    expect(own(h.writes.at(-1)!.nodes, 'constructor')!.stopped).toBeUndefined();
  });
});

describe('a loop over the item limit', () => {
  it('fails the run with a message naming the task and the limit', () => {
    const pipeline = nativeFromObject({
      apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec', metadata: { name: 'big' },
      spec: { params: [{ name: 'xs', type: 'list', default: Array.from({ length: 10_001 }, (_, i) => i) }], tasks: [{ name: 'each', image: 'busybox', command: ['true'], loop: { from: 'params.xs', as: 'item' } }] },
    });
    const r = plan({ pipeline, arguments: {}, run: RUN, facts: {}, now: '2026-01-01T00:00:00Z' });
    expect(r.phase).toBe('Error');
    expect(r.message).toMatch(/^task each: the loop has 10001 items; the limit is 10000; raise it with PIPEWRIGHT_MAX_LOOP_ITEMS/);
    expect(r.launch).toEqual([]);
  });
});
