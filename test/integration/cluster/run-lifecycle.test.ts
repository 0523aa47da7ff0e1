// Run lifecycle on the test cluster (issue 15): retry in place (spec.retry) of a failed and of a cancelled run; pod
// GC strategies leave exactly the pods they promise; a run past its TTL is deleted (pods with it) and is still
// listed and shown from its history in S3. TTLs are whole seconds, so a 1-2 s TTL is the compressed clock.
import { jest } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { S3ArtifactStore } from '../../../src/artifacts/s3.js';
import { s3ConfigFromEnv } from '../../../src/artifacts/s3-config.js';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { listHistory, readHistory } from '../../../src/controller/run-history.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { CliError } from '../../../src/cli/cluster/errors.js';
import type { CommandIo } from '../../../src/cli/cluster/options.js';
import { getCommand } from '../../../src/cli/commands/get.js';
import { listCommand } from '../../../src/cli/commands/list.js';
import { startServer } from '../../../src/server/server.js';
import { clusterState, createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { controllerEnv, getRun, installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

jest.setTimeout(300_000);

const ROOT = 'minio://pipewright/v2/artifacts';
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
// Outside /tmp: task pods have a private /tmp but see the host's files read-only.
const markers = join(homedir(), '.cache', 'pipewright', 'test-markers', `lifecycle-${process.pid}`);

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('lifecycle');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
  mkdirSync(markers, { recursive: true });
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
  rmSync(markers, { recursive: true, force: true });
});

const py = (name: string, code: string, extra: Record<string, unknown> = {}) => ({ name, image: 'python:3.11', command: ['python3', '-c', code], cache: false, ...extra });
const apply = (name: string, spec: Record<string, unknown>): Promise<string> =>
  kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec }));
const patch = (name: string, spec: object): Promise<string> => kubectlOk(['patch', 'pipelinerun', name, '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec })]);

/** `node#attempt` of each pod of the run, sorted. */
async function podsOf(run: PipelineRunObject): Promise<string[]> {
  const out = await kubectlOk(['get', 'pods', '-n', ns.name, '-l', `pipewright.dev/run-uid=${run.metadata!.uid}`, '-o',
    'jsonpath={range .items[*]}{.metadata.annotations.pipewright\\.dev/node-id}#{.metadata.annotations.pipewright\\.dev/attempt}{"\\n"}{end}']);
  return out.split('\n').filter(Boolean).sort();
}

/** Waits for a status change after a spec patch: the run left the phase it had. */
async function waitLeft(name: string, phase: string): Promise<void> {
  await waitUntil(`${name} leaves ${phase}`, async () => (await getRun(ns.name, name)).status?.phase !== phase, 30_000, 200);
}

describe('retry in place (spec.retry)', () => {
  it('a failed run runs only its failed and never-started tasks again, with new pods, and succeeds', async () => {
    const marker = join(markers, 'retry');
    await apply('retry', {
      pipelineSpec: {
        params: [],
        tasks: [
          py('produce', "import sys; open(sys.argv[1],'w').write('made')", { args: ['{{outputs.parameters.made.path}}'], outputs: { parameters: [{ name: 'made', type: 'string' }] } }),
          py('check', `import os, sys; print('got', sys.argv[1]); sys.exit(0 if os.path.exists(${JSON.stringify(marker)}) else 3)`, {
            args: ['{{inputs.parameters.made}}'], inputs: { parameters: [{ name: 'made', value: '{{tasks.produce.outputs.parameters.made}}' }] },
          }),
          py('after', 'print("after")', { dependsOn: ['check'] }),
        ],
      },
    });
    const failed = await waitForRun(ns.name, 'retry');
    expect(failed.status?.phase).toBe('Failed');
    expect(failed.status?.nodes?.after?.phase).toBe('Skipped');
    writeFileSync(marker, 'present');
    await patch('retry', { retry: 1 });
    await waitLeft('retry', 'Failed');
    const done = await waitForRun(ns.name, 'retry');
    expect(done.status).toMatchObject({ phase: 'Succeeded', retry: { generation: 1, count: 1, attemptBase: 1 } });
    const nodes = done.status!.nodes!;
    expect([nodes.produce?.attempt, nodes.check?.attempt, nodes.after?.attempt]).toEqual([1, 2, 2]);
    expect(await podsOf(done)).toEqual(['after#2', 'check#1', 'check#2', 'produce#1']);
    const reasons = await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', 'involvedObject.name=retry', '-o', 'jsonpath={.items[*].reason}']);
    expect(reasons).toContain('Retrying');
  });

  it('a cancelled run is retried with spec.cancel back to false in the same update, and not without', async () => {
    await apply('cancelled', { pipelineSpec: { params: [], tasks: [py('quick', 'print(1)'), py('slow', 'import time; time.sleep(4)', { dependsOn: ['quick'] })] } });
    await waitUntil('slow running', async () => (await getRun(ns.name, 'cancelled')).status?.nodes?.slow?.phase === 'Running', 90_000, 200);
    await patch('cancelled', { cancel: true });
    expect((await waitForRun(ns.name, 'cancelled')).status?.phase).toBe('Cancelled');
    const refused = await kubectl(['patch', 'pipelinerun', 'cancelled', '-n', ns.name, '--type=merge', '-p', '{"spec":{"cancel":false}}']);
    expect(refused.stderr).toContain('set spec.cancel to false and bump spec.retry in the same update');
    await patch('cancelled', { cancel: false, retry: 1 });
    await waitLeft('cancelled', 'Cancelled');
    const done = await waitForRun(ns.name, 'cancelled');
    expect(done.status?.phase).toBe('Succeeded');
    expect([done.status!.nodes!.quick?.attempt, done.status!.nodes!.slow?.attempt]).toEqual([1, 2]);
  });
});

describe('pod GC', () => {
  const twoTasks = (extra: Record<string, unknown>, second = 'print("b")') => ({ ...extra, pipelineSpec: { params: [], tasks: [py('a', 'print("a")'), py('b', second, { dependsOn: ['a'] })] } });
  const okAndFail = (extra: Record<string, unknown>) => ({ ...extra, pipelineSpec: { params: [], tasks: [py('ok', 'print("ok")'), py('bad', 'import sys; sys.exit(2)')] } });

  it('leaves exactly the pods each strategy promises', async () => {
    await Promise.all([
      apply('gc-never', twoTasks({})),
      apply('gc-task', twoTasks({ podGC: { strategy: 'OnTaskCompletion' } })),
      apply('gc-task-success', okAndFail({ podGC: { strategy: 'OnTaskSuccess' } })),
      apply('gc-run-success', okAndFail({ podGC: { strategy: 'OnRunSuccess' } })),
      // b sleeps past a second: the API server keeps container finish times to the second, and a tie goes by name.
      apply('gc-keep', twoTasks({ podGC: { strategy: 'OnRunCompletion', keepLast: 1 } }, 'import time; time.sleep(1.2); print("b")')),
    ]);
    const runs = Object.fromEntries(await Promise.all(['gc-never', 'gc-task', 'gc-task-success', 'gc-run-success', 'gc-keep'].map(async (n) => [n, await waitForRun(ns.name, n)] as const)));
    expect(Object.fromEntries(Object.entries(runs).map(([n, r]) => [n, r.status?.phase]))).toEqual({
      'gc-never': 'Succeeded', 'gc-task': 'Succeeded', 'gc-task-success': 'Failed', 'gc-run-success': 'Failed', 'gc-keep': 'Succeeded',
    });
    const expected: Record<string, string[]> = {
      'gc-never': ['a#1', 'b#1'], 'gc-task': [], 'gc-task-success': ['bad#1'], 'gc-run-success': ['bad#1', 'ok#1'], 'gc-keep': ['b#1'],
    };
    let left: Record<string, string[]> = {};
    await waitUntil('pods as promised', async () => {
      left = Object.fromEntries(await Promise.all(Object.entries(runs).map(async ([n, r]) => [n, await podsOf(r)] as const)));
      return JSON.stringify(left) === JSON.stringify(expected);
    }, 30_000, 500).catch(() => undefined);
    expect(left).toEqual(expected);
    // Deleting pods never changes what the status says about the tasks.
    expect((await getRun(ns.name, 'gc-task')).status?.nodes?.b).toMatchObject({ phase: 'Succeeded', attempt: 1 });
  });
});

describe('TTL and history', () => {
  it('deletes finished runs once their TTL is over, pods with them, after writing their history', async () => {
    await Promise.all([
      apply('ttl-ok', { ttlStrategy: { secondsAfterSuccess: 2, secondsAfterFailure: 3600 }, arguments: {}, pipelineSpec: { params: [{ name: 'who', type: 'string', default: 'ttl' }], tasks: [py('hello', 'import sys; print(sys.argv[1])', { args: ['{{inputs.parameters.who}}'], inputs: { parameters: [{ name: 'who', value: '{{params.who}}' }] } })] } }),
      apply('ttl-failed', { ttlStrategy: { secondsAfterSuccess: 3600, secondsAfterFailure: 1 }, pipelineSpec: { params: [], tasks: [py('bad', 'import sys; sys.exit(4)')] } }),
      apply('ttl-kept', { ttlStrategy: { secondsAfterFailure: 1 }, pipelineSpec: { params: [], tasks: [py('fine', 'print(1)')] } }),
    ]);
    // Uids now: the runs with a short TTL may be gone before a wait for their end would see them.
    const uid: Record<string, string> = {};
    for (const n of ['ttl-ok', 'ttl-failed', 'ttl-kept']) uid[n] = (await getRun(ns.name, n)).metadata!.uid!;
    const gone = async (n: string): Promise<boolean> => (await kubectl(['get', 'pipelinerun', n, '-n', ns.name])).code !== 0;
    const goneAt: Record<string, number> = {};
    await waitUntil('ttl-ok and ttl-failed deleted', async () => {
      for (const n of ['ttl-ok', 'ttl-failed']) if (goneAt[n] === undefined && (await gone(n))) goneAt[n] = Date.now();
      return Object.keys(goneAt).length === 2;
    }, 180_000, 250);
    // The succeeded run without a success TTL stays, with its history written.
    const kept = await waitForRun(ns.name, 'ttl-kept');
    expect(kept.status?.phase).toBe('Succeeded');
    await waitUntil('ttl-kept history', async () => (await getRun(ns.name, 'ttl-kept')).status?.historyRef !== undefined, 15_000, 250);
    expect(await gone('ttl-kept')).toBe(false);
    // Pods went with their runs (owner references).
    const podsOfUid = async (u: string): Promise<string> => kubectlOk(['get', 'pods', '-n', ns.name, '-l', `pipewright.dev/run-uid=${u}`, '-o', 'name']);
    await waitUntil('pods of deleted runs gone', async () => (await podsOfUid(uid['ttl-ok']!)).trim() === '' && (await podsOfUid(uid['ttl-failed']!)).trim() === '', 60_000, 500);

    const store = new S3ArtifactStore(s3ConfigFromEnv(controllerEnv(ns.name)));
    const listed = await listHistory(store, ROOT, ns.name);
    const byName = Object.fromEntries(listed.map((h) => [h.name, h]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['ttl-ok', 'ttl-failed', 'ttl-kept']));
    const ok = await readHistory(store, ROOT, ns.name, uid['ttl-ok']!);
    expect(ok).toMatchObject({ uid: uid['ttl-ok'], name: 'ttl-ok', namespace: ns.name, phase: 'Succeeded', tasks: { hello: { phase: 'Succeeded', attempt: 1 } } });
    // Not deleted before its TTL (2 s after it finished; the failure TTL of 1 s did not apply to it).
    expect(goneAt['ttl-ok']!).toBeGreaterThanOrEqual(Date.parse(ok.finishedAt!) + 2000);
    expect(goneAt['ttl-failed']!).toBeGreaterThanOrEqual(Date.parse(byName['ttl-failed']!.finishedAt!) + 1000);
    expect(byName['ttl-failed']).toMatchObject({ phase: 'Failed', tasks: { bad: { phase: 'Failed' } } });
    expect(byName['ttl-failed']!.message).toContain('exit code 4');
    await deletedRunsStillShown(uid);
  });
});

/** A command body run as the CLI runs it, with `env` as its environment: exit code, stdout, stderr. */
async function cli(env: NodeJS.ProcessEnv, f: (io: CommandIo) => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const [o, e] = [new PassThrough(), new PassThrough()];
  let out = '';
  let err = '';
  o.on('data', (b: Buffer) => (out += b.toString()));
  e.on('data', (b: Buffer) => (err += b.toString()));
  try {
    return { code: await f({ stdout: o, stderr: e, env }), out, err };
  } catch (x) {
    if (x instanceof CliError) return { code: x.exitCode, out, err: x.message };
    throw x;
  }
}

/** The CLI (with the controller's S3 settings) and the KFP API list and show runs deleted by their TTL from history. */
async function deletedRunsStillShown(uid: Record<string, string>): Promise<void> {
  const env = controllerEnv(ns.name);
  const flags = { kubeconfig: clusterState().kubeconfig, namespace: ns.name };
  const listed = await cli(env, (io) => listCommand(flags, io));
  expect(listed.code).toBe(0);
  expect(listed.out).toMatch(/ttl-ok\s+Succeeded \(history\)/);
  expect(listed.out).toMatch(/ttl-failed\s+Failed \(history\)/);
  expect(listed.out).toMatch(/ttl-kept\s+Succeeded\s/); // still an object: listed once, as itself
  expect(listed.out.match(/ttl-kept/g)).toHaveLength(1);
  const shown = await cli(env, (io) => getCommand('ttl-ok', flags, io));
  expect(shown).toMatchObject({ code: 0, out: expect.stringContaining('The PipelineRun was deleted; shown from its history: minio://') });
  expect(shown.out).toMatch(/hello\s.*Succeeded/);
  // Without S3 settings there is no history to read: not found, as before.
  expect((await cli({}, (io) => getCommand('ttl-ok', flags, io))).code).toBe(4);

  const admin = new k8s.KubeConfig();
  admin.loadFromFile(clusterState().kubeconfig);
  const server = await startServer(admin, {
    port: 0, host: '127.0.0.1', defaultNamespace: ns.name, trustLocalCallers: true, allowAnonymous: false, s3: s3ConfigFromEnv(env), pipelineRoot: ROOT,
  }, pino({ level: 'warn' }));
  try {
    const api = async (path: string): Promise<Record<string, any>> => (await fetch(`http://127.0.0.1:${server.port}/apis/v2beta1${path}`)).json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const runs = Object.fromEntries(((await api(`/runs?namespace=${ns.name}&page_size=100`)).runs as { run_id: string }[]).map((r) => [r.run_id, r]));
    expect(runs[uid['ttl-ok']!]).toMatchObject({ display_name: 'ttl-ok', state: 'SUCCEEDED', storage_state: 'ARCHIVED', pipewright_history: true });
    expect(runs[uid['ttl-kept']!]).toMatchObject({ state: 'SUCCEEDED', storage_state: 'AVAILABLE' });
    expect(runs[uid['ttl-kept']!]).not.toHaveProperty('pipewright_history');
    const failed = await api(`/runs/${uid['ttl-failed']}`);
    expect(failed).toMatchObject({ run_id: uid['ttl-failed'], state: 'FAILED', pipewright_history: true, run_details: { task_details: [{ task_id: 'bad', state: 'FAILED' }] } });
    expect(await api('/runs/00000000-0000-0000-0000-000000000000')).toMatchObject({ code: 5 });
  } finally {
    await server.close();
  }
}

describe('artifacts deleted with their run (spec.ttlStrategy.deleteArtifacts)', () => {
  const make = (extra: Record<string, unknown>) => ({
    ...extra,
    pipelineSpec: { params: [], tasks: [py('make', "import sys; open(sys.argv[1], 'w').write('x' * 100)", { args: ['{{outputs.artifacts.data.path}}'], outputs: { artifacts: [{ name: 'data', type: 'Dataset' }] } })] },
  });
  const store = (): S3ArtifactStore => new S3ArtifactStore(s3ConfigFromEnv(controllerEnv(ns.name)));
  const objectsOf = async (name: string): Promise<number> => (await store().list(`${ROOT}/${ns.name}/${name}`)).length;
  const finalizers = async (name: string): Promise<string[]> => (await getRun(ns.name, name)).metadata?.finalizers ?? [];
  const eventMessages = async (name: string, reason: string): Promise<string> =>
    kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', `involvedObject.name=${name},reason=${reason}`, '-o', 'jsonpath={.items[*].message}']);

  it('deletes them with the run; with S3 unreachable a deleted run is let go after the timeout, or at once with the skip annotation', async () => {
    await Promise.all([
      apply('art-ttl', make({ ttlStrategy: { secondsAfterCompletion: 3, deleteArtifacts: true } })),
      apply('art-dead', make({ ttlStrategy: { deleteArtifacts: true } })),
      apply('art-force', make({ ttlStrategy: { deleteArtifacts: true } })),
    ]);
    // The finalizer is on from the start; the runs' artifacts are in S3.
    for (const n of ['art-dead', 'art-force']) {
      expect((await waitForRun(ns.name, n)).status?.phase).toBe('Succeeded');
      expect(await finalizers(n)).toContain('pipewright.dev/artifacts');
      expect(await objectsOf(n)).toBeGreaterThan(0);
    }
    // Healthy S3: the TTL deletes the run, its artifacts go with it.
    await waitUntil('art-ttl deleted', async () => (await kubectl(['get', 'pipelinerun', 'art-ttl', '-n', ns.name])).code !== 0, 120_000, 250);
    expect(await objectsOf('art-ttl')).toBe(0);

    // S3 unreachable: a controller whose S3 is a proxy that is then shut.
    const s = clusterState().s3;
    const sockets = new Set<Socket>();
    const proxy = createServer((c) => {
      const up = connect(s.port, s.host);
      sockets.add(c).add(up);
      c.pipe(up).pipe(c);
      up.on('error', () => c.destroy());
      c.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    await controller.stop();
    controller = await startTestController(ns.name, {
      PIPEWRIGHT_S3_ENDPOINT: '127.0.0.1', PIPEWRIGHT_S3_PORT: String((proxy.address() as AddressInfo).port),
      PIPEWRIGHT_ARTIFACT_DELETE_TIMEOUT_SECONDS: '4', PIPEWRIGHT_S3_TIMEOUT_SECONDS: '1', PIPEWRIGHT_S3_RETRIES: '0',
    });
    const closed = new Promise((r) => proxy.close(r));
    for (const x of sockets) x.destroy();
    await closed;

    await kubectlOk(['delete', 'pipelinerun', 'art-dead', 'art-force', '-n', ns.name, '--wait=false']);
    await kubectlOk(['annotate', 'pipelinerun', 'art-force', '-n', ns.name, 'pipewright.dev/skip-artifact-deletion=true']);
    const gone = async (n: string): Promise<boolean> => (await kubectl(['get', 'pipelinerun', n, '-n', ns.name])).code !== 0;
    await waitUntil('both deleted runs let go', async () => (await gone('art-dead')) && (await gone('art-force')), 60_000, 250);
    expect(await eventMessages('art-dead', 'ArtifactsNotDeleted')).toMatch(new RegExp(`no success within 4s .*delete ${ROOT}/${ns.name}/art-dead by hand`));
    expect(await eventMessages('art-force', 'ArtifactsNotDeleted')).toMatch(/annotation pipewright\.dev\/skip-artifact-deletion/);
    // Their artifacts are still there (S3 was unreachable, or skipped), as the events say.
    expect(await objectsOf('art-dead')).toBeGreaterThan(0);
    expect(await objectsOf('art-force')).toBeGreaterThan(0);
  });
});
