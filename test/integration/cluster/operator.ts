// The operator on the test cluster: CRDs installed, S3 credentials and bucket per namespace, and a controller
// started in this process (so tests can stop and restart it).
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
  await kubectlOk(['wait', '--for=condition=established', '--timeout=60s', 'crd/pipelineruns.pipewright.dev', 'crd/pipelines.pipewright.dev']);
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

/** The Secret the task pods' I/O containers read credentials from, and the bucket. */
export async function prepareNamespaceForRuns(namespace: string): Promise<void> {
  const s = clusterState().s3;
  await kubectlOk(['create', 'secret', 'generic', 'pipewright-s3', '-n', namespace, `--from-literal=accesskey=${s.accessKey}`, `--from-literal=secretkey=${s.secretKey}`]);
  const mc = s3Client();
  if (!(await mc.bucketExists(BUCKET))) await mc.makeBucket(BUCKET).catch(() => undefined);
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
  const env = { ...controllerEnv(namespace), ...extra };
  const logger = testControllerLogger();
  return startController(kc, configFromEnv(env), logger, env, {
    onLeadershipLost: (reason) => logger.error({ reason }, 'test controller lost leadership (not exiting)'),
    ...hooks,
  });
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
  await waitUntil(`PipelineRun ${name} to finish (last phase ${run?.status?.phase}, ${run?.status?.message ?? ''})`, async () => {
    const r = await kubectl(['get', 'pipelinerun', name, '-n', namespace, '-o', 'json']);
    if (r.code !== 0) return false;
    run = JSON.parse(r.stdout) as PipelineRunObject;
    return ['Succeeded', 'Failed', 'Error', 'Cancelled'].includes(run.status?.phase ?? '');
  }, timeoutMs, 500);
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
