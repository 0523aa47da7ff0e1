// The KFP v2 compatibility pipelines (test/pipelines/compat, compiled by the real SDK) run by the operator on
// the test cluster, checked with the same expectations as the local runner: loops and fan-in, conditions,
// exit handlers, nested pipelines, caching across runs, placeholders, task settings, kfp-kubernetes settings.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Client } from 'minio';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { checkCompatRun, loadCompatCases, type CompatCase, type CompatRunOutput } from '../../pipelines/compat/expectations.js';
import { clusterState, createNamespace, kubectlOk } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

jest.setTimeout(900_000);

// Local-only by nature: files on the runner's host (importer/local-file, the retry counter file) and the
// run workspace, which the cluster does not provision yet (docs/kfp-compatibility.md).
const LOCAL_ONLY = new Set(['importer/local-file', 'retry_timeout/defaults', 'workspace/defaults']);
const cases = (await loadCompatCases()).filter((c) => !LOCAL_ONLY.has(c.name));
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
const runName = (caseName: string): string => caseName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 50);

function asRunOutput(run: PipelineRunObject): CompatRunOutput {
  const tasks: CompatRunOutput['tasks'] = {};
  for (const [id, n] of Object.entries(run.status?.nodes ?? {})) {
    tasks[id] = {
      state: n.phase,
      kind: n.kind,
      displayName: n.task,
      ...(n.attempt ? { attempts: n.attempt } : {}),
      ...(n.reason ? { reason: n.reason } : {}),
      ...(n.message ? { message: n.message } : {}),
      ...(n.startedAt ? { startedAt: n.startedAt } : {}),
      ...(n.finishedAt ? { finishedAt: n.finishedAt } : {}),
      outputs: n.outputs ?? {},
    };
  }
  return { phase: run.status?.phase ?? 'Unknown', tasks };
}

async function readS3(uri: string): Promise<string | undefined> {
  const s = clusterState().s3;
  const mc = new Client({ endPoint: s.host, port: s.port, useSSL: false, accessKey: s.accessKey, secretKey: s.secretKey, region: 'us-east-1', pathStyle: true });
  const m = /^minio:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await mc.getObject(m[1]!, m[2]!)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('compat');
  await prepareNamespaceForRuns(ns.name);
  // What kubernetes_platform.py refers to.
  await kubectlOk(['create', 'secret', 'generic', 'compat-secret', '-n', ns.name, '--from-literal=password=s3cret']);
  await kubectlOk(['create', 'secret', 'docker-registry', 'compat-registry', '-n', ns.name, '--docker-server=registry.local', '--docker-username=u', '--docker-password=p']);
  await kubectlOk(['create', 'configmap', 'compat-config', '-n', ns.name, '--from-literal=mode=fast']);
  await kubectlOk(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'compat-pvc' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'pipewright-local', resources: { requests: { storage: '10Mi' } } } }));
  await kubectlOk(['label', 'node', clusterState().nodeName, 'disktype=ssd', 'pool=batch', 'arch=amd64', '--overwrite']);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

describe('KFP v2 features on the cluster', () => {
  const done = new Map<string, CompatRunOutput>();
  // In file order: reruns (caching) follow the case they repeat.
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c: CompatCase) => {
    const run = {
      apiVersion: 'pipewright.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: runName(c.name) },
      spec: { pipelineYAML: readFileSync(c.ir, 'utf8'), ...(c.args ? { arguments: c.args } : {}), ...(c.noCache ? { caching: false } : {}) },
    };
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], JSON.stringify(run));
    const finished = asRunOutput(await waitForRun(ns.name, run.metadata.name, 600_000));
    done.set(c.name, finished);
    expect(await checkCompatRun(c, finished, done, readS3)).toEqual([]);
  });
});
