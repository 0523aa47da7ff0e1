// The controller killed at random moments, and credentials kept away from user containers and logs.
import { jest } from '@jest/globals';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { configFromEnv } from '../../../src/controller/config.js';
import { startController } from '../../../src/controller/main.js';
import { ControllerProcess } from './controller-process.js';
import { clusterState, createNamespace, kubectl, kubectlOk, sleep, waitUntil } from './helpers.js';
import { controllerEnv, getRun, installCrds, prepareNamespaceForRuns, waitForRun } from './operator.js';

jest.setTimeout(600_000);

let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('res');
  await prepareNamespaceForRuns(ns.name);
});
afterAll(async () => ns?.remove());

/** A chain of n tasks; task i reads the previous count and writes count + 1. */
function chain(name: string, n: number): unknown {
  const tasks = Array.from({ length: n }, (_, i) => ({
    name: `t${i}`,
    image: 'python:3.11',
    command: ['python3', '-c', 'import sys; open(sys.argv[2], "w").write(str(int(sys.argv[1]) + 1))'],
    args: [i === 0 ? '0' : '{{inputs.parameters.prev}}', '{{outputs.parameters.count.path}}'],
    ...(i === 0 ? {} : { inputs: { parameters: [{ name: 'prev', from: `tasks.t${i - 1}.outputs.parameters.count` }] } }),
    outputs: { parameters: [{ name: 'count', type: 'integer' }] },
  }));
  return { apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineSpec: { params: [], tasks } } };
}

describe('controller killed at random moments', () => {
  it('completes a 20-task run with exactly one pod per task attempt and every output intact', async () => {
    // Every pod ever created in the namespace, by uid: a recreated pod would show up twice under one name.
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(clusterState().kubeconfig);
    const seen = new Map<string, Set<string>>();
    const watch = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${ns.name}/pods`, {}, (type, pod: k8s.V1Pod) => {
      if (type !== 'ADDED') return;
      const name = pod.metadata!.name!;
      seen.set(name, (seen.get(name) ?? new Set()).add(pod.metadata!.uid!));
    }, () => undefined);

    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(chain('chain20', 20)));
    const controller = new ControllerProcess({ namespaces: ns.name, name: 'resilience' });
    let kills = 0;
    let finished = false;
    try {
      while (!finished) {
        await controller.start();
        await sleep(300 + Math.random() * 2200);
        await controller.kill();
        kills++;
        const phase = (await getRun(ns.name, 'chain20')).status?.phase;
        finished = kills >= 20 && ['Succeeded', 'Failed', 'Error'].includes(phase ?? '');
        if (kills > 200) throw new Error('run did not finish after 200 controller restarts');
      }
    } finally {
      await controller.kill();
    }
    // Let a last controller settle the status if the final kill landed before it was written.
    await controller.start();
    const run = await waitForRun(ns.name, 'chain20', 120_000).finally(() => controller.kill());
    expect(controller.unexpectedExits).toEqual([]);
    watch.abort();
    expect(kills).toBeGreaterThanOrEqual(20);
    expect({ phase: run.status?.phase, message: run.status?.message }).toEqual({ phase: 'Succeeded', message: undefined });
    for (let i = 0; i < 20; i++) expect(run.status?.nodes?.[`t${i}`]?.outputs?.parameters?.count).toBe(i + 1);
    const pods = JSON.parse(await kubectlOk(['get', 'pods', '-n', ns.name, '-l', 'pipewright.dev/run=chain20', '-o', 'json'])) as { items: k8s.V1Pod[] };
    expect(pods.items).toHaveLength(20);
    const perNode = new Map<string, number>();
    for (const p of pods.items) {
      const key = `${p.metadata!.annotations!['pipewright.dev/node-id']}#${p.metadata!.annotations!['pipewright.dev/attempt']}`;
      perNode.set(key, (perNode.get(key) ?? 0) + 1);
    }
    expect([...perNode.values()].every((c) => c === 1)).toBe(true);
    expect(perNode.size).toBe(20);
    const chainPods = [...seen.entries()].filter(([name]) => name.startsWith('chain20-'));
    expect(chainPods).toHaveLength(20);
    expect(chainPods.every(([, uids]) => uids.size === 1)).toBe(true);
  });
});

describe('S3 credentials', () => {
  it('never reach the user container (env, files) nor any log line', async () => {
    const secret = clusterState().s3.secretKey;
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(clusterState().kubeconfig);
    const env = controllerEnv(ns.name);
    const controller = await startController(kc, configFromEnv(env), pino({ level: 'debug' }, sink), env);
    try {
      const probe = 'import os, sys\nprint("ENV", dict(os.environ))\nfor root in ["/minio", "/s3", "/gcs", "/tmp/kfp/outputs"]:\n  for d, _, fs in os.walk(root):\n    for f in fs:\n      p = os.path.join(d, f)\n      print("FILE", p, open(p, errors="replace").read())\nopen(sys.argv[1], "w").write("done")';
      const run = {
        apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'creds' },
        spec: { pipelineSpec: { params: [], tasks: [
          { name: 'write', image: 'python:3.11', command: ['python3', '-c', 'import sys; open(sys.argv[1], "w").write("data")'], args: ['{{outputs.artifacts.data.path}}'], outputs: { artifacts: [{ name: 'data', type: 'Dataset' }] } },
          { name: 'probe', image: 'python:3.11', command: ['python3', '-c', probe, '{{outputs.parameters.done.path}}'], inputs: { artifacts: [{ name: 'data', from: 'tasks.write.outputs.artifacts.data' }] }, outputs: { parameters: [{ name: 'done', type: 'string' }] } },
        ] } },
      };
      await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(run));
      const done = await waitForRun(ns.name, 'creds');
      expect(done.status?.phase).toBe('Succeeded');
      const probePod = done.status!.nodes!.probe!.pod!;
      const mainLog = await kubectlOk(['logs', '-n', ns.name, probePod, '-c', 'main']);
      expect(mainLog).toContain('ENV {');
      expect(mainLog).toContain('FILE /minio/');
      expect(mainLog).not.toContain(secret);
      expect(mainLog).not.toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
      for (const c of ['inputs', 'outputs']) {
        const log = await kubectl(['logs', '-n', ns.name, probePod, '-c', c]);
        expect(log.code).toBe(0);
        expect(log.stdout.length).toBeGreaterThan(0);
        expect(log.stdout).not.toContain(secret);
      }
      const pod = JSON.parse(await kubectlOk(['get', 'pod', '-n', ns.name, probePod, '-o', 'json'])) as k8s.V1Pod;
      const main = pod.spec!.initContainers!.find((c) => c.name === 'main')!;
      expect(JSON.stringify(main)).not.toMatch(/secretKeyRef|AWS_|pipewright-s3/);
      await waitUntil('controller logs', async () => lines.length > 0, 5000);
      expect(lines.join('')).not.toContain(secret);
    } finally {
      await controller.stop();
    }
  });
});
