// The operator end to end on the real test cluster: kubectl apply of PipelineRuns, one pod per task,
// parameters and artifacts through S3, conditions, failures, resources, cancel and delete.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

import { jest } from '@jest/globals';

jest.setTimeout(300_000);

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('ctl');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

const NATIVE = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'pipewright.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name },
  spec: {
    arguments: { who: 'cluster' },
    pipelineSpec: {
      params: [{ name: 'who', type: 'string', default: 'world' }],
      tasks: [
        {
          name: 'produce',
          image: 'python:3.11',
          command: ['python3', '-c', "import sys; open(sys.argv[1],'w').write('hello ' + sys.argv[3]); open(sys.argv[2],'w').write('3')"],
          args: ['{{outputs.artifacts.greeting.path}}', '{{outputs.parameters.count.path}}', '{{inputs.parameters.who}}'],
          inputs: { parameters: [{ name: 'who', value: '{{params.who}}' }] },
          outputs: { parameters: [{ name: 'count', type: 'integer' }], artifacts: [{ name: 'greeting', type: 'Dataset' }] },
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        },
        {
          name: 'shout',
          image: 'python:3.11',
          command: ['python3', '-c', "import sys; t=open(sys.argv[1]).read(); open(sys.argv[2],'w').write(t.upper() * int(sys.argv[3]))"],
          args: ['{{inputs.artifacts.text.path}}', '{{outputs.artifacts.loud.path}}', '{{inputs.parameters.times}}'],
          inputs: { parameters: [{ name: 'times', from: 'tasks.produce.outputs.parameters.count' }], artifacts: [{ name: 'text', from: 'tasks.produce.outputs.artifacts.greeting' }] },
          outputs: { artifacts: [{ name: 'loud', type: 'Artifact' }] },
        },
        {
          name: 'report',
          image: 'python:3.11',
          command: ['python3', '-c', "import sys; open(sys.argv[2],'w').write(str(len(open(sys.argv[1]).read())))"],
          args: ['{{inputs.artifacts.loud.path}}', '{{outputs.parameters.length.path}}'],
          inputs: { artifacts: [{ name: 'loud', from: 'tasks.shout.outputs.artifacts.loud' }] },
          outputs: { parameters: [{ name: 'length', type: 'integer' }] },
        },
      ],
    },
    ...extra,
  },
});

async function apply(obj: unknown): Promise<void> {
  await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(obj));
}

describe('PipelineRun with a native spec', () => {
  it('passes a parameter and a file artifact between three tasks, one pod each, with the requested resources', async () => {
    await apply(NATIVE('native-ok'));
    const w = await kubectl(['wait', '-n', ns.name, '--for=condition=Succeeded', '--timeout=180s', 'pipelinerun/native-ok'], undefined, 200_000);
    const run = await getRun(ns.name, 'native-ok');
    if (run.status?.phase !== 'Succeeded') console.log(JSON.stringify(run.status, null, 1), await kubectl(['get', 'pods', '-n', ns.name, '-o', 'json']).then((r) => r.stdout.slice(0, 20000)));
    expect({ code: w.code, phase: run.status?.phase, message: run.status?.message }).toEqual({ code: 0, phase: 'Succeeded', message: undefined });
    expect(run.status?.progress).toBe('3/3');
    expect(run.status?.nodes?.produce?.outputs?.parameters).toEqual({ count: 3 });
    // 'hello cluster' upper-cased three times = 39 characters.
    expect(run.status?.nodes?.report?.outputs?.parameters).toEqual({ length: 39 });
    const pods = JSON.parse(await kubectlOk(['get', 'pods', '-n', ns.name, '-l', `pipewright.dev/run=native-ok`, '-o', 'json'])) as { items: { spec: { initContainers: { name: string; resources?: unknown }[] } }[] };
    expect(pods.items).toHaveLength(3);
    const produceMain = pods.items.map((p) => p.spec.initContainers.find((c) => c.name === 'main')!).find((c) => JSON.stringify(c.resources).includes('64Mi'));
    expect(produceMain?.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    const table = await kubectlOk(['get', 'pipelineruns', '-n', ns.name, 'native-ok']);
    expect(table).toMatch(/native-ok\s+Succeeded\s+3\/3/);
  });

  it('fails the run naming the task, the container, the exit code and the log tail', async () => {
    const bad = NATIVE('native-fail');
    const tasks = (bad.spec.pipelineSpec as { tasks: { command: string[] }[] }).tasks;
    tasks[1]!.command = ['python3', '-c', "import sys; print('about to fail'); sys.exit(7)"];
    await apply(bad);
    const run = await waitForRun(ns.name, 'native-fail');
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.message).toMatch(/task shout failed: container main failed with exit code 7: .*about to fail/);
    expect(run.status?.nodes?.report).toMatchObject({ phase: 'Skipped', reason: 'UpstreamFailed' });
    const events = await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', 'involvedObject.name=native-fail', '-o', 'jsonpath={.items[*].reason}']);
    expect(events).toContain('TaskFailed');
    expect(events).toContain('RunFailed');
  });

  it('says within seconds that a task asks for more memory than any node has', async () => {
    const big = NATIVE('native-huge');
    const tasks = (big.spec.pipelineSpec as { tasks: { resources?: unknown }[] }).tasks;
    tasks[0]!.resources = { requests: { memory: '4000Gi' } };
    await apply(big);
    const t0 = Date.now();
    await waitUntil('unschedulable message', async () => /unschedulable: .*Insufficient memory/.test((await getRun(ns.name, 'native-huge')).status?.message ?? ''), 10_000, 250);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await kubectlOk(['patch', 'pipelinerun', 'native-huge', '-n', ns.name, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
    const run = await waitForRun(ns.name, 'native-huge', 60_000);
    expect(run.status?.phase).toBe('Cancelled');
  });
});

describe('PipelineRun carrying the compiled KFP training example', () => {
  const yaml = readFileSync('examples/training/pipeline.yaml', 'utf8');

  // The example itself (every task, evaluate's metrics, deploy) runs in cluster-up.test.ts, as the README's
  // dev-cluster block: a user's first run.

  it('skips deploy with its reason when min_accuracy is out of reach', async () => {
    await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'training-strict' }, spec: { pipelineYAML: yaml, arguments: { min_accuracy: 0.999 } } });
    const run = await waitForRun(ns.name, 'training-strict', 280_000);
    expect(run.status?.phase).toBe('Succeeded');
    expect(run.status?.nodes?.['condition-1/deploy-model']).toMatchObject({ phase: 'Skipped', reason: 'ConditionFalse' });
    expect(run.status?.nodes?.['condition-1/deploy-model']?.message).toContain("== 'yes'");
  });
});

describe('problems that only show at run time', () => {
  const native = NATIVE('x').spec.pipelineSpec as { params: unknown[]; tasks: Record<string, unknown>[] };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['bad-ref', { pipelineRef: { name: 'no-such-pipeline' } }, /Pipeline "no-such-pipeline" not found/],
    ['bad-arg-name', { pipelineSpec: native, arguments: { whom: 'x' } }, /spec\.arguments\.whom: .*no parameter "whom".*did you mean 'who'/],
    ['bad-arg-type', { pipelineYAML: readFileSync('examples/training/pipeline.yaml', 'utf8'), arguments: { min_accuracy: 'high' } }, /spec\.arguments\.min_accuracy: .*NUMBER_DOUBLE/],
    ['bad-placeholder', { pipelineSpec: { ...native, tasks: [{ ...native.tasks[0], args: ['{{inputs.parameter.who}}'] }] } }, /unknown placeholder \{\{inputs\.parameter\.who\}\}/],
    ['bad-cycle', { pipelineSpec: { params: [], tasks: [{ name: 'a', image: 'python:3.11', command: ['true'], dependsOn: ['b'] }, { name: 'b', image: 'python:3.11', command: ['true'], dependsOn: ['a'] }] } }, /cycle: (a -> b -> a|b -> a -> b)/],
    ['bad-schema', { pipelineYAML: readFileSync('examples/training/pipeline.yaml', 'utf8').replace('schemaVersion: 2.1.0', 'schemaVersion: 7.0.0') }, /unknown schemaVersion "7\.0\.0"/],
  ];

  it('ends each bad run Failed with a message and an event naming the problem, while a good run proceeds', async () => {
    await apply(NATIVE('good-neighbour'));
    for (const [name, spec] of cases) await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec });
    for (const [name, , pattern] of cases) {
      const run = await waitForRun(ns.name, name, 60_000);
      if (run.status?.phase !== 'Failed') console.log(JSON.stringify(run.spec).slice(0, 3000));
      expect({ name, phase: run.status?.phase, reason: run.status?.conditions?.[0]?.reason }).toEqual({ name, phase: 'Failed', reason: 'InvalidPipeline' });
      expect(run.status?.message).toMatch(pattern);
      const events = await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={.items[*].message}']);
      expect(events).toMatch(pattern);
    }
    expect((await waitForRun(ns.name, 'good-neighbour')).status?.phase).toBe('Succeeded');
  });
});

describe('caching across runs of one Pipeline', () => {
  it('reuses every output on a rerun (tasks Cached, no pods), and runs again when the run turns caching off', async () => {
    const spec = (NATIVE('x').spec as { pipelineSpec: unknown }).pipelineSpec;
    await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'greeter' }, spec: { pipelineSpec: spec } });
    const runOf = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineRef: { name: 'greeter' }, arguments: { who: 'cache' }, ...extra } });
    await apply(runOf('greet-1'));
    const first = await waitForRun(ns.name, 'greet-1');
    expect(first.status?.phase).toBe('Succeeded');
    await apply(runOf('greet-2'));
    const second = await waitForRun(ns.name, 'greet-2');
    expect(second.status?.phase).toBe('Succeeded');
    for (const t of ['produce', 'shout', 'report']) {
      expect(second.status?.nodes?.[t]?.phase).toBe('Cached');
      expect(second.status?.nodes?.[t]?.outputs).toEqual(first.status?.nodes?.[t]?.outputs);
    }
    expect((await kubectlOk(['get', 'pods', '-n', ns.name, '-l', 'pipewright.dev/run=greet-2', '-o', 'name'])).trim()).toBe('');
    await apply(runOf('greet-3', { caching: false }));
    const third = await waitForRun(ns.name, 'greet-3');
    expect(third.status?.nodes?.report).toMatchObject({ phase: 'Succeeded', outputs: { parameters: { length: 33 } } });
  });
});

describe('retries and timeouts', () => {
  it('retries a failing task with backoff, one pod per attempt, and fails the run when retries run out', async () => {
    const task = { name: 'flaky', image: 'python:3.11', command: ['python3', '-c', "import sys; print('nope'); sys.exit(4)"], retries: { limit: 2, backoff: '1s', factor: 2 } };
    await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'retry' }, spec: { pipelineSpec: { params: [], tasks: [task] } } });
    const run = await waitForRun(ns.name, 'retry', 120_000);
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.nodes?.flaky).toMatchObject({ phase: 'Failed', attempt: 3 });
    expect(run.status?.message).toContain('exit code 4');
    const pods = JSON.parse(await kubectlOk(['get', 'pods', '-n', ns.name, '-l', 'pipewright.dev/run=retry', '-o', 'json'])) as { items: { metadata: { annotations: Record<string, string>; creationTimestamp: string } }[] };
    const attempts = pods.items.map((p) => p.metadata.annotations['pipewright.dev/attempt']).sort();
    expect(attempts).toEqual(['1', '2', '3']);
  });

  it('stops a task past its timeout and says so', async () => {
    const task = { name: 'slow', image: 'python:3.11', command: ['python3', '-c', 'import time; time.sleep(60)'], timeout: '3s' };
    await apply({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'timeout' }, spec: { pipelineSpec: { params: [], tasks: [task] } } });
    const run = await waitForRun(ns.name, 'timeout', 60_000);
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.message).toMatch(/slow .*timed out/);
  });
});

describe('deleting a PipelineRun', () => {
  it('removes its pods through ownerReferences', async () => {
    await kubectlOk(['delete', 'pipelinerun', 'native-ok', '-n', ns.name]);
    await waitUntil('pods of native-ok gone', async () => (await kubectlOk(['get', 'pods', '-n', ns.name, '-l', 'pipewright.dev/run=native-ok', '-o', 'name'])).trim() === '', 60_000, 500);
  });
});
