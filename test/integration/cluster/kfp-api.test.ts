// kfp.Client works unchanged against `pipewright server`: the real kfp SDK from PyPI (the version we pin and 2.10.1,
// the one the tutorial pins) runs the tutorial's client code with only the host changed, on the test cluster with a
// controller running. Then multi-user: a token without rights gets 403 on every call, one with a Role succeeds;
// the in-cluster server runs as deploy/server-rbac.yaml's ServiceAccount and the audit log shows it denied nothing
// and used every rule granted.
import { jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { KFP_SDK_VERSION } from '../../../src/local/python-env.js';
import { startServer, type ServerHandle } from '../../../src/server/server.js';
import { AUDITED_NAMESPACE } from '../../cluster/control-plane.js';
import { clusterState, createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';
import { auditEvents, grantedBy, permissionOf, serviceAccountKubeconfig } from './rbac.js';
import { kfpPython } from './kfp-python.js';

jest.setTimeout(900_000);

const SERVER_SA = 'pipewright-server';
const SERVER_USER = `system:serviceaccount:${AUDITED_NAMESPACE}:${SERVER_SA}`;
const FLOW = resolve('test/integration/cluster/kfp-api/client_flow.py');
const TUTORIAL_PIPELINE = resolve('examples/training/pipeline.yaml');
const VERSIONS = [KFP_SDK_VERSION, '2.10.1'];

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
/** Laptop mode: the admin kubeconfig, loopback, callers without a token act as that user. */
let local: ServerHandle;
/** Cluster mode: deploy/server-rbac.yaml's ServiceAccount, every caller needs a token. */
let incluster: ServerHandle;
const work = mkdtempSync(join(tmpdir(), 'kfpapi-'));
const t0 = new Date();

function flow<T>(version: string, mode: string, env: Record<string, string> = {}): Promise<T & { kfp: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(kfpPython(version), [FLOW, mode], {
      env: { ...process.env, KFP_HOST: `http://127.0.0.1:${local.port}`, PIPELINE: TUTORIAL_PIPELINE, WORKDIR: work, SUFFIX: version.replace(/\./g, '-'), ...env },
      timeout: 800_000, maxBuffer: 64 << 20,
    }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (err || !line) reject(new Error(`client_flow.py ${mode} (kfp ${version}) failed: ${err?.message ?? ''}\n${stdout}\n${stderr.slice(-4000)}`));
      else resolvePromise(JSON.parse(line.slice(7)) as T & { kfp: string });
    });
  });
}

beforeAll(async () => {
  for (const v of VERSIONS) kfpPython(v); // build any missing venv before the cluster work starts
  await installCrds();
  await kubectlOk(['apply', '-f', 'deploy/namespace.yaml', '-f', 'deploy/server-rbac.yaml']);
  ns = await createNamespace('kfpapi');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(clusterState().kubeconfig);
  local = await startServer(admin, { port: 0, host: '127.0.0.1', defaultNamespace: ns.name, trustLocalCallers: true, allowAnonymous: false }, logger);
  const sa = await serviceAccountKubeconfig(AUDITED_NAMESPACE, SERVER_SA);
  incluster = await startServer(sa, { port: 0, host: '127.0.0.1', defaultNamespace: ns.name, trustLocalCallers: false, allowAnonymous: false, audiences: ['pipelines.kubeflow.org'] }, logger);
});

afterAll(async () => {
  await local?.close();
  await incluster?.close();
  await controller?.stop();
  await ns?.remove();
  rmSync(work, { recursive: true, force: true });
});

interface TutorialResult {
  run_id: string; done_state: string; state: string; parameters: Record<string, unknown>;
  tasks: { task_id: string; display_name: string; state: string; pod_name?: string; outputs: Record<string, string[]> }[];
  experiment_id: string; run_experiment_id: string; listed_run_ids: string[]; experiment_names: string[];
}

describe.each(VERSIONS)('kfp %s against pipewright server', (version) => {
  it('runs the tutorial\'s client code with only the host changed', async () => {
    const r = await flow<TutorialResult>(version, 'tutorial');
    expect(r.kfp).toBe(version);
    const run = await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-o', `jsonpath={.items[?(@.metadata.uid=="${r.run_id}")].metadata.name}`]);
    // The run id is the PipelineRun's uid; its name is the pipeline's name and a suffix, as KFP names a run's
    // workflow (what {{$.pipeline_job_resource_name}} gives its tasks).
    expect(run).toMatch(/^training-pipeline-[a-z0-9]{5}$/);
    expect({ done: r.done_state, state: r.state }).toEqual({ done: 'SUCCEEDED', state: 'SUCCEEDED' });
    expect(r.parameters).toEqual({ min_accuracy: 0.9, deploy_endpoint: 'staging' });
    const tasks = Object.fromEntries(r.tasks.map((t) => [t.task_id, t]));
    expect(Object.keys(tasks)).toEqual(expect.arrayContaining(['load-data', 'train-model', 'evaluate-model', 'condition-1/deploy-model']));
    const evaluate = tasks['evaluate-model']!;
    expect(evaluate.state).toBe('SUCCEEDED');
    expect(evaluate.outputs.metrics?.[0]).toMatch(new RegExp(`^minio://pipewright/(.+/)?${ns.name}/.+/evaluate-model/metrics$`));
    expect(['"yes"', '"no"']).toContain(evaluate.outputs.Output?.[0]);
    expect(tasks['condition-1/deploy-model']!.state).toBe(evaluate.outputs.Output?.[0] === '"yes"' ? 'SUCCEEDED' : 'SKIPPED');
    expect(r.run_experiment_id).toBe(r.experiment_id);
    expect(r.listed_run_ids).toContain(r.run_id);
    expect(r.experiment_names).toContain('model-experiments');
  });

  it('terminate_run on a long run ends it CANCELED', async () => {
    const r = await flow<{ states: string[] }>(version, 'terminate');
    expect(r.states).toContain('RUNNING');
    expect(r.states.at(-1)).toBe('CANCELED');
  });

  it('RetryRun (run_service_retry_run) on a failed run runs only the failed task again, and the run succeeds', async () => {
    // Outside /tmp (task pods get a private one) so the task sees the marker the flow makes between the rounds.
    const markers = join(homedir(), '.cache', 'pipewright', 'test-markers');
    mkdirSync(markers, { recursive: true });
    const marker = join(markers, `retry-${process.pid}-${version.replace(/\./g, '-')}`);
    rmSync(marker, { force: true });
    try {
      const r = await flow<{ run_id: string; first: string; after: string[] }>(version, 'retry', { MARKER: marker });
      expect(r.first).toBe('FAILED');
      expect(r.after.at(-1)).toBe('SUCCEEDED');
      const runs = JSON.parse(await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-o', 'json'])) as { items: PipelineRunObject[] };
      const run = runs.items.find((x) => x.metadata?.uid === r.run_id)!;
      expect(run.spec?.retry).toBe(1);
      expect(run.status).toMatchObject({ phase: 'Succeeded', retry: { generation: 1, count: 1, attemptBase: 1 } });
      // The task that succeeded kept its first attempt (and pod); the failed one ran again as attempt 2, in a new pod.
      const nodes = run.status!.nodes!;
      expect(nodes.produce).toMatchObject({ phase: 'Succeeded', attempt: 1 });
      expect(nodes['needs-marker']).toMatchObject({ phase: 'Succeeded', attempt: 2 });
      const pods = (await kubectlOk(['get', 'pods', '-n', ns.name, '-l', `pipewright.dev/run-uid=${r.run_id}`, '-o', 'jsonpath={range .items[*]}{.metadata.annotations.pipewright\\.dev/node-id}#{.metadata.annotations.pipewright\\.dev/attempt}{"\\n"}{end}'])).trim().split('\n').sort();
      expect(pods).toEqual(['needs-marker#1', 'needs-marker#2', 'produce#1']);
      const events = await kubectlOk(['get', 'events', '-n', ns.name, '--field-selector', `involvedObject.uid=${r.run_id},reason=Retrying`, '-o', 'name']);
      expect(events.trim()).not.toBe('');
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it('upload_pipeline + run_pipeline, experiments archived and back, delete_run, versions and pipelines deleted', async () => {
    const r = await flow<Record<string, unknown>>(version, 'upload');
    const name = `hello-${version.replace(/\./g, '-')}`;
    expect(r).toMatchObject({
      found_id: r.pipeline_id, versions: 1, version_spec_name: 'hello-pipeline', run_state: 'SUCCEEDED', parameters: { who: 'kfp' },
      archived: 'ARCHIVED', unarchived: 'AVAILABLE', after_delete: 404,
    });
    expect(r.pipeline_version_id).toEqual(expect.any(String));
    expect(r.listed_pipelines).toContain(name);
    expect(r.pipelines_after).not.toContain(name);
  });
});

describe.each(VERSIONS)('kfp %s: recurring runs', (version) => {
  it('create/get/list (pages, filter)/enable/disable/delete_recurring_run work on RecurringRun objects, and the schedule makes its run', async () => {
    const r = await flow<Record<string, any>>(version, 'recurring'); // eslint-disable-line @typescript-eslint/no-explicit-any
    const sfx = version.replace(/\./g, '-');
    expect(r.hourly).toMatchObject({ status: 'ENABLED', interval: '5', max_concurrency: '1', no_catchup: true, parameters: { who: 'schedule' } });
    expect(r.nightly).toMatchObject({ id: expect.any(String), status: 'DISABLED', cron: '0 0 2 ? * *', description: 'at two', experiment_id: r.experiment_id, display_name: `nightly-${sfx}` });
    expect(r.total).toBe(2);
    expect(r.pages.flat().sort()).toEqual([r.hourly.id, r.nightly.id].sort());
    expect(r.page2_token).toBe('');
    expect(r.filtered).toEqual([`nightly-${sfx}`]);
    expect([r.enabled, r.disabled]).toEqual(['ENABLED', 'DISABLED']);
    expect(r.after_delete).toBe(404);
    // The interval job made its first run one interval after creation (a PipelineRun owned by the RecurringRun):
    // KFP lists it with its recurring_run_id, in the experiment, with the job's parameters.
    expect(r.made_runs.length).toBeGreaterThanOrEqual(1);
    expect(r.made_run).toEqual({ recurring_run_id: r.hourly.id, parameters: { who: 'schedule' }, experiment_id: r.experiment_id });
    expect((await kubectl(['get', 'recurringruns', '-n', ns.name, '-o', 'name'])).stdout).not.toMatch(new RegExp(`every-${sfx}|nightly-${sfx}`));
  });
});

describe('multi-user: bearer tokens, TokenReview and SubjectAccessReview', () => {
  let runner = '';
  let nobody = '';

  beforeAll(async () => {
    const role = { apiGroups: ['pipewright.dev'], resources: ['pipelineruns', 'pipelines', 'recurringruns'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] };
    const docs = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'kfp-user' }, rules: [role] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'kfp-user' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kfp-user' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: ns.name }] },
    ];
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
    runner = (await kubectlOk(['create', 'token', 'runner', '-n', ns.name, '--duration=1h'])).trim();
    nobody = (await kubectlOk(['create', 'token', 'nobody', '-n', ns.name, '--duration=1h'])).trim();
  });

  const yaml = (): string => readFileSync(join(work, 'hello.yaml'), 'utf8');

  async function call(token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const r = await fetch(`http://127.0.0.1:${incluster.port}/apis/v2beta1${path}`, { method, headers, body: payload });
    // A task's log is text (the UI's read); everything else is KFP's JSON.
    const text = await r.text();
    const json = (r.headers.get('content-type') ?? '').startsWith('application/json') ? JSON.parse(text) as Record<string, unknown> : { text };
    return { status: r.status, json };
  }

  const upload = (): FormData => {
    const f = new FormData();
    f.append('uploadfile', new Blob([yaml()]), 'hello.yaml');
    return f;
  };

  it('refuses a token with no rights on every call (403), accepts one with a Role, and refuses no token (401)', async () => {
    const ok = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const r = await call(runner, method, path, body);
      expect({ call: `${method} ${path}`, status: r.status, json: r.status === 200 ? {} : r.json }).toEqual({ call: `${method} ${path}`, status: 200, json: {} });
      return r.json;
    };
    const experiment = (await ok('POST', '/experiments', { display_name: 'multi', namespace: ns.name })).experiment_id as string;
    const pipeline = (await ok('POST', `/pipelines/upload?name=multi-p&namespace=${ns.name}`, upload())).pipeline_id as string;
    const version = ((await ok('GET', `/pipelines/${pipeline}/versions`)).pipeline_versions as { pipeline_version_id: string }[])[0]!.pipeline_version_id;
    const runBody = { display_name: 'multi run', experiment_id: experiment, pipeline_version_reference: { pipeline_id: pipeline, pipeline_version_id: version }, runtime_config: { parameters: { who: 'multi' } } };
    const run = (await ok('POST', '/runs', runBody)).run_id as string;
    const future = { periodic_schedule: { interval_second: '86400', start_time: '2099-01-01T00:00:00Z' } };
    const recurringBody = { ...runBody, display_name: 'multi schedule', trigger: future, mode: 'ENABLE' };
    const recurring = (await ok('POST', '/recurringruns', recurringBody)).recurring_run_id as string;
    // The UI's reads need a task that ran: its pod's log and the events (the server's pods/log and events grants).
    let task = '';
    await waitUntil('the run\'s task has run', async () => {
      const r = (JSON.parse(await kubectlOk(['get', 'pipelineruns', '-n', ns.name, '-o', 'json'])) as { items: PipelineRunObject[] }).items.find((x) => x.metadata?.uid === run);
      task = Object.entries(r?.status?.nodes ?? {}).find(([, n]) => n.pod && n.phase === 'Succeeded')?.[0] ?? '';
      return task !== '';
    }, 120_000, 500);

    const calls: [string, string, (() => unknown)?][] = [
      ['GET', `/experiments?namespace=${ns.name}`],
      ['POST', '/experiments', () => ({ display_name: 'other', namespace: ns.name })],
      ['GET', `/experiments/${experiment}`],
      ['POST', `/experiments/${experiment}:archive`],
      ['POST', `/experiments/${experiment}:unarchive`],
      ['GET', `/pipelines?namespace=${ns.name}`],
      ['GET', `/pipelines/${pipeline}`],
      ['GET', `/pipelines/${pipeline}/versions`],
      ['GET', `/pipelines/${pipeline}/versions/${version}`],
      ['POST', `/pipelines/upload?name=multi-q&namespace=${ns.name}`, upload],
      ['POST', `/pipelines/upload_version?pipelineid=${pipeline}&name=multi-p-2`, upload],
      ['POST', '/runs', () => runBody],
      ['GET', `/runs?namespace=${ns.name}`],
      ['GET', `/runs?experiment_id=${experiment}`],
      ['GET', `/runs/${run}`],
      ['GET', `/runs/${run}/logs?task_id=${task}`],
      ['GET', `/runs/${run}/logs?task_id=${task}&follow=true`],
      ['GET', `/runs/${run}/events`],
      ['POST', `/runs/${run}:archive`],
      ['POST', `/runs/${run}:unarchive`],
      ['POST', `/runs/${run}:terminate`],
      ['DELETE', `/runs/${run}`],
      ['POST', '/recurringruns', () => recurringBody],
      ['GET', `/recurringruns?namespace=${ns.name}`],
      ['GET', `/recurringruns/${recurring}`],
      ['POST', `/recurringruns/${recurring}:disable`],
      ['POST', `/recurringruns/${recurring}:enable`],
      ['DELETE', `/recurringruns/${recurring}`],
      ['DELETE', `/pipelines/${pipeline}/versions/${version}`],
      ['DELETE', `/pipelines/${pipeline}?cascade=true`],
      ['DELETE', `/experiments/${experiment}`],
    ];
    const refused: string[] = [];
    for (const [method, path, body] of calls) {
      const r = await call(nobody, method, path, body?.());
      refused.push(`${method} ${path} → ${r.status} ${r.json.code as number}`);
    }
    expect(refused).toEqual(calls.map(([m, p]) => `${m} ${p} → 403 7`));
    expect((await call(undefined, 'GET', `/runs?namespace=${ns.name}`)).status).toBe(401);
    expect((await call('not-a-token', 'GET', `/runs?namespace=${ns.name}`)).status).toBe(401);
    const err = (await call(nobody, 'GET', `/runs/${run}`)).json;
    expect(err.message).toMatch(new RegExp(`system:serviceaccount:${ns.name}:nobody may not get pipelineruns.pipewright.dev in namespace ${ns.name}`));

    for (const [method, path, body] of calls) await ok(method, path, body?.());
    expect((await call(runner, 'GET', `/runs/${run}`)).status).toBe(404);
    expect((await call(runner, 'POST', `/runs/${run}:retry`)).json).toMatchObject({ code: 5 });
    expect(await call(runner, 'GET', `/artifacts?namespace=${ns.name}`)).toMatchObject({ status: 501, json: { code: 12 } });
    expect((await call(runner, 'GET', `/recurringruns/${recurring}`)).status).toBe(404);
    expect(await call(runner, 'GET', '/no-such-thing')).toMatchObject({ status: 404, json: { code: 5 } });
  });

  it('kfp.Client(existing_token=..., namespace=...) works for the user with rights and gets 403 for the other', async () => {
    const env = (token: string): Record<string, string> => ({ KFP_HOST: `http://127.0.0.1:${incluster.port}`, TOKEN: token, NAMESPACE: ns.name });
    const yes = await flow<{ status: number; run_id?: string; experiments?: string[] }>(KFP_SDK_VERSION, 'token', env(runner));
    expect(yes).toMatchObject({ status: 200, run_id: expect.any(String) });
    expect(yes.experiments).toContain(`tok-${KFP_SDK_VERSION.replace(/\./g, '-')}`);
    const no = await flow<{ status: number }>('2.10.1', 'token', env(nobody));
    expect(no.status).toBe(403);
  });

  it('accepts KFP\'s projected tokens (audience pipelines.kubeflow.org) where configured, and only there', async () => {
    const kfpToken = (await kubectlOk(['create', 'token', 'runner', '-n', ns.name, '--duration=1h', '--audience', 'pipelines.kubeflow.org'])).trim();
    expect((await call(kfpToken, 'GET', `/runs?namespace=${ns.name}`)).status).toBe(200);
    const other = (await kubectlOk(['create', 'token', 'runner', '-n', ns.name, '--duration=1h', '--audience', 'somewhere-else'])).trim();
    expect((await call(other, 'GET', `/runs?namespace=${ns.name}`)).status).toBe(401);
  });

  it('laptop mode acts as the kubeconfig only for local non-browser callers: an Origin or a foreign Host needs a token', async () => {
    const base = `http://127.0.0.1:${local.port}/apis/v2beta1/runs?namespace=${ns.name}`;
    expect((await fetch(base)).status).toBe(200);
    const browser = await fetch(base, { headers: { origin: 'http://evil.example' } });
    expect({ status: browser.status, body: await browser.json() }).toMatchObject({ status: 403, body: { code: 7, message: expect.stringMatching(/Origin http:\/\/evil\.example/) } });
    const rebound = await new Promise<number>((done, fail) => {
      request(base, { headers: { host: `evil.example:${local.port}` } }, (res) => { res.resume(); done(res.statusCode!); }).on('error', fail).end();
    });
    expect(rebound).toBe(403);
    // With a token, the token decides, wherever the request comes from.
    expect((await fetch(base, { headers: { origin: 'http://evil.example', authorization: `Bearer ${runner}` } })).status).toBe(200);
  });

  it('the server, as deploy/server-rbac.yaml\'s ServiceAccount, was denied nothing and used every rule', () => {
    const events = auditEvents(SERVER_USER, t0);
    expect(events.length).toBeGreaterThan(0);
    const denied = events.filter((e) => e.annotations?.['authorization.k8s.io/decision'] === 'forbid' || e.responseStatus?.code === 403)
      .map((e) => `${e.verb} ${e.requestURI} → ${e.responseStatus?.code}`);
    expect(denied).toEqual([]);
    const used = new Set(events.map(permissionOf).filter((p): p is string => p !== undefined));
    const granted = grantedBy('deploy/server-rbac.yaml');
    expect({ unused: [...granted].filter((p) => !used.has(p)).sort(), notGranted: [...used].filter((p) => !granted.has(p)).sort() })
      .toEqual({ unused: [], notGranted: [] });
  });
});

describe('the command: pipewright server', () => {
  /** Starts the built CLI on a free port; resolves with the port it logged and a stop function giving the exit code. */
  async function serve(args: string[]): Promise<{ port: number; stop: () => Promise<number | null> }> {
    const child = spawn(process.execPath, ['bin/pipewright.js', 'server', '--port', '0', '--kubeconfig', clusterState().kubeconfig, ...args], { env: { ...process.env, LOG_LEVEL: 'info' } });
    const exited = new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    let out = '';
    const port = await new Promise<number>((done, fail) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /"port":(\d+).*serving the KFP v2beta1 API/.exec(out);
        if (m) done(Number(m[1]));
      });
      child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
      void exited.then((c) => fail(new Error(`pipewright server exited ${c}: ${out}`)));
    });
    return { port, stop: async () => { child.kill('SIGTERM'); return exited; } };
  }

  it('with a kubeconfig on loopback serves the tutorial\'s callers without a token; --require-token refuses them', async () => {
    const s = await serve(['-n', ns.name]);
    try {
      const health = await fetch(`http://127.0.0.1:${s.port}/apis/v2beta1/healthz`);
      expect(await health.json()).toEqual({ multi_user: true, pipeline_store: 'kubernetes' });
      const list = (await (await fetch(`http://127.0.0.1:${s.port}/apis/v2beta1/experiments`)).json()) as { experiments: { display_name: string; namespace: string }[] };
      expect(list.experiments).toEqual(expect.arrayContaining([expect.objectContaining({ display_name: 'model-experiments', namespace: ns.name })]));
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const strict = await serve(['-n', ns.name, '--require-token']);
    try {
      const r = await fetch(`http://127.0.0.1:${strict.port}/apis/v2beta1/experiments`);
      expect({ status: r.status, body: await r.json() }).toMatchObject({ status: 401, body: { code: 16, message: expect.stringMatching(/existing_token/) } });
    } finally {
      await strict.stop();
    }
  });
});
