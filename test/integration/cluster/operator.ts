// The operator on the test cluster: CRDs installed, the bucket, and a controller started in this process (so
// tests can stop and restart it). Task pods get no S3 credential: the controller's artifact gateway listens on a
// free loopback port, which the node agent's pods reach directly.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'minio';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { configFromEnv } from '../../../src/controller/config.js';
import { startController, type ControllerHandle, type ControllerHooks } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import type { CompatRunOutput } from '../../pipelines/compat/expectations.js';
import { clusterState, kubectl, kubectlOk, waitUntil } from './helpers.js';

export const BUCKET = 'pipewright';

export async function installCrds(): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', 'crds/']);
  await kubectlOk(['wait', '--for=condition=established', '--timeout=60s', 'crd/pipelineruns.pipewright.dev', 'crd/pipelines.pipewright.dev', 'crd/recurringruns.pipewright.dev']);
}

/** A client of the test cluster's S3 server. */
export function s3Client(): Client {
  const s = clusterState().s3;
  return new Client({ endPoint: s.host, port: s.port, useSSL: false, accessKey: s.accessKey, secretKey: s.secretKey, region: 'us-east-1', pathStyle: true });
}

/** The text of a minio:// artifact, for checking contents. */
export async function readS3(uri: string): Promise<string | undefined> {
  const m = /^minio:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await s3Client().getObject(m[1]!, m[2]!)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The bucket. A namespace needs nothing else: task pods hold grants, not credentials. */
export async function prepareNamespaceForRuns(_namespace: string): Promise<void> {
  const mc = s3Client();
  if (!(await mc.bucketExists(BUCKET))) await mc.makeBucket(BUCKET).catch(() => undefined);
}

/**
 * The test's stand-in for the Service `pipewright-controller`: one stable address for PIPEWRIGHT_GATEWAY_URL that
 * forwards to any live controller of this test file (each listens on its own free port). Any replica can serve any
 * grant, so pods created by a controller that is stopped later (leader election, restarts) still reach a gateway.
 */
const backends: number[] = [];
let service: Promise<string> | undefined;

export function addGatewayBackend(port: number): void {
  backends.push(port);
}

export function removeGatewayBackend(port: number): void {
  const i = backends.indexOf(port);
  if (i >= 0) backends.splice(i, 1);
}

async function forward(req: import('node:http').IncomingMessage, body: Buffer): Promise<Response | undefined> {
  for (const port of [...backends].reverse()) {
    try {
      return await fetch(`http://127.0.0.1:${port}${req.url}`, {
        method: req.method!, body: req.method === 'POST' ? body : undefined,
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['content-type', 'authorization'].includes(k)) as [string, string][]),
      });
    } catch { /* that one is gone: try the next */ }
  }
  return undefined;
}

export function gatewayService(): Promise<string> {
  service ??= new Promise<string>((resolve) => {
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        void forward(req, Buffer.concat(chunks)).then(async (r) => {
          if (!r) { res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"no controller is running"}'); return; }
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer()));
        });
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    server.unref();
  });
  return service;
}

export function controllerEnv(namespace: string): NodeJS.ProcessEnv {
  const s = clusterState().s3;
  return {
    PIPEWRIGHT_NAMESPACES: namespace,
    PIPEWRIGHT_IMAGE: 'pipewright:dev',
    PIPEWRIGHT_S3_ENDPOINT: s.host,
    PIPEWRIGHT_S3_PORT: String(s.port),
    PIPEWRIGHT_S3_BUCKET: BUCKET,
    PIPEWRIGHT_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: s.accessKey,
    AWS_SECRET_ACCESS_KEY: s.secretKey,
    PIPEWRIGHT_RESYNC_SECONDS: '30',
    // Any free port; PIPEWRIGHT_GATEWAY_URL unset means http://127.0.0.1:<bound port>.
    PIPEWRIGHT_HTTP_PORT: '0',
    // Off unless a test asks for it (extra: { PIPEWRIGHT_LEADER_ELECT: 'true', ... }).
    PIPEWRIGHT_LEADER_ELECT: 'false',
  };
}

/**
 * A controller in this process. With leader election on, losing the Lease must not exit the test process: unless
 * the test passes its own hooks.onLeadershipLost, it is only logged.
 */
export async function startTestController(namespace: string, extra: NodeJS.ProcessEnv = {}, hooks: ControllerHooks = {}): Promise<ControllerHandle> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  return startControllerWith(kc, { ...controllerEnv(namespace), ...extra }, hooks);
}

/**
 * A controller in this process with the given identity (kubeconfig) and environment, registered behind the test's
 * gateway Service and logging to the file the secret scan reads. Leadership loss is only logged unless hooked.
 */
export async function startControllerWith(kc: k8s.KubeConfig, base: NodeJS.ProcessEnv, hooks: ControllerHooks = {}): Promise<ControllerHandle> {
  const env = { PIPEWRIGHT_GATEWAY_URL: await gatewayService(), ...base };
  const logger = testControllerLogger();
  const handle = await startController(kc, configFromEnv(env), logger, env, {
    onLeadershipLost: (reason) => logger.error({ reason }, 'test controller lost leadership (not exiting)'),
    ...hooks,
  });
  addGatewayBackend(handle.httpPort);
  return {
    get queue() { return handle.queue; },
    isLeader: () => handle.isLeader(),
    httpPort: handle.httpPort,
    stop: async () => {
      removeGatewayBackend(handle.httpPort);
      await handle.stop();
    },
  };
}

/**
 * Warnings to the test output; everything from info up also to <cluster dir>/logs/controller-test.log, which the
 * secret scan after the suite (test/cluster/jest/secret-scan.js) reads: the controller must never log a credential.
 */
export function testControllerLogger(): Logger {
  const file = pino.destination({ dest: join(clusterState().dir, 'logs', 'controller-test.log'), append: true, mkdir: true, sync: false });
  return pino({ level: 'debug' }, pino.multistream([
    { level: (process.env.LOG_LEVEL ?? 'warn') as pino.Level, stream: process.stdout },
    { level: 'debug', stream: file },
  ]));
}

export async function getRun(namespace: string, name: string): Promise<PipelineRunObject> {
  return JSON.parse(await kubectlOk(['get', 'pipelinerun', name, '-n', namespace, '-o', 'json'])) as PipelineRunObject;
}

export async function waitForRun(namespace: string, name: string, timeoutMs = 180_000): Promise<PipelineRunObject> {
  let run: PipelineRunObject | undefined;
  try {
    await waitUntil(`PipelineRun ${name} to finish`, async () => {
      const r = await kubectl(['get', 'pipelinerun', name, '-n', namespace, '-o', 'json']);
      if (r.code !== 0) return false;
      run = JSON.parse(r.stdout) as PipelineRunObject;
      return ['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(run.status?.phase ?? '');
    }, timeoutMs, 500);
  } catch (e) {
    // The phase last seen, read when the wait gave up (not when it began).
    throw new Error(`${(e as Error).message} (last phase ${run?.status?.phase}, ${run?.status?.message ?? ''})`, { cause: e });
  }
  return run!;
}

/** A PipelineRun name for an expectations case. */
export const runName = (caseName: string): string => caseName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 50);

/** A PipelineRun's status in the local runner's summary shape, which the expectation checkers read. */
export function asRunOutput(run: PipelineRunObject): CompatRunOutput {
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
  const outputs = run.status?.outputs;
  return { phase: run.status?.phase ?? 'Unknown', tasks, ...(outputs ? { outputs: { parameters: outputs.parameters ?? {}, artifacts: outputs.artifacts ?? {} } } : {}) };
}
