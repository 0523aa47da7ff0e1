// `pipewright server` finds runs by KFP id (the uid) in a watch-backed index: a run created after the server
// started (by kubectl, not through the server) is found by id once its watch event arrives, a deleted one leaves
// it, and the API answers from it.
import { jest } from '@jest/globals';
import { request } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { startServer, type ServerHandle } from '../../../src/server/server.js';
import { clusterState, createNamespace, kubectlOk, waitUntil } from './helpers.js';
import { installCrds } from './operator.js';

jest.setTimeout(120_000);

let ns: { name: string; remove: () => Promise<void> };
let server: ServerHandle;

function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: server.port, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    }).on('error', reject).end();
  });
}

// No controller runs here: the run stays as created, which is all a lookup needs.
const run = (name: string): string => JSON.stringify({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name },
  spec: { pipelineYAML: JSON.stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec', metadata: { name: 'p' }, spec: { tasks: [{ name: 't', image: 'python:3.11', command: ['true'] }] } }) },
});

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('runidx');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  server = await startServer(kc, { port: 0, host: '127.0.0.1', defaultNamespace: ns.name, trustLocalCallers: true, allowAnonymous: false }, pino({ level: 'warn' }));
});

afterAll(async () => {
  await server?.close();
  await ns?.remove();
});

it('a run created after the server started is found by id from the index; a deleted one is gone', async () => {
  expect(server.runs.scope).toBeUndefined(); // the admin may list cluster-wide
  const uid = (await kubectlOk(['create', '-n', ns.name, '-f', '-', '-o', 'jsonpath={.metadata.uid}'], run('later'))).trim();
  await waitUntil('the index to hold the new run', async () => server.runs.get(uid) !== undefined, 30_000, 50);
  expect(server.runs.get(uid)?.metadata?.name).toBe('later');
  const found = await get(`/apis/v2beta1/runs/${uid}`);
  expect(found.status).toBe(200);
  expect(found.body).toMatchObject({ run_id: uid, display_name: 'later', state: 'PENDING' });

  await kubectlOk(['delete', 'pipelinerun', 'later', '-n', ns.name]);
  await waitUntil('the index to drop the deleted run', async () => server.runs.get(uid) === undefined, 30_000, 50);
  const gone = await get(`/apis/v2beta1/runs/${uid}`);
  expect(gone.status).toBe(404);
  expect(gone.body).toMatchObject({ code: 5, message: `run ${uid} not found` });
});
