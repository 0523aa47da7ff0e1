// `pipewright server`: the KFP v2beta1 REST API for kfp.Client, against the current kubeconfig or in-cluster config.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';

interface ServerFlags {
  port: number;
  address?: string;
  kubeconfig?: string;
  namespace?: string;
  allowAnonymous?: boolean;
  requireToken?: boolean;
  tokenAudience?: string[];
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Serve the Kubeflow Pipelines v2beta1 REST API (kfp.Client) on PipelineRuns and Pipelines')
    .option('--port <n>', 'port to listen on', (v) => Number(v), 8888)
    .option('--address <ip>', 'address to bind (default: 127.0.0.1 with a kubeconfig, 0.0.0.0 in a cluster)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('-n, --namespace <ns>', 'namespace of calls that name none (default: the kubeconfig context\'s, else "default")')
    .option('--allow-anonymous', 'callers without a token act as system:anonymous, checked by SubjectAccessReview (default: $PIPEWRIGHT_SERVER_ALLOW_ANONYMOUS, off)')
    .option('--require-token', 'with a kubeconfig on loopback: still refuse callers without a token (by default they act as the kubeconfig\'s user, like kubectl proxy)')
    .option('--token-audience <aud...>', 'also accept tokens for these audiences, e.g. pipelines.kubeflow.org (default: $PIPEWRIGHT_SERVER_TOKEN_AUDIENCES, comma-separated)')
    .addHelpText('after', '\nAuth: a bearer token is checked with TokenReview and each call with SubjectAccessReview on\n' +
      'pipelineruns/pipelines.pipewright.dev in the namespace. See docs/kfp-api.md.')
    .action(async (flags: ServerFlags) => {
      const [k8s, { pino }, { startServer }] = await Promise.all([
        import('@kubernetes/client-node'), import('pino'), import('../../server/server.js'),
      ]);
      if (!Number.isInteger(flags.port) || flags.port < 0 || flags.port > 65535) throw new Error(`--port ${flags.port}: give a port number 0-65535`);
      const logger = pino({ name: 'pipewright-server', level: process.env.LOG_LEVEL ?? 'info' });
      const kc = new k8s.KubeConfig();
      const kubeconfigFile = flags.kubeconfig ?? process.env.KUBECONFIG ?? (existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : undefined);
      const inCluster = !kubeconfigFile;
      if (inCluster) kc.loadFromCluster();
      else if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromDefault();
      const host = flags.address ?? (inCluster ? '0.0.0.0' : '127.0.0.1');
      const defaultNamespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
      const allowAnonymous = flags.allowAnonymous ?? ['1', 'true'].includes(process.env.PIPEWRIGHT_SERVER_ALLOW_ANONYMOUS ?? '');
      const trustLocalCallers = !inCluster && LOOPBACK.has(host) && !flags.requireToken;
      const audiences = flags.tokenAudience ?? (process.env.PIPEWRIGHT_SERVER_TOKEN_AUDIENCES ?? '').split(',').map((a) => a.trim()).filter(Boolean);
      // The controller's S3 settings, when given, let the web UI read run artifacts through the server.
      const { S3_ENV, s3ConfigFromEnv } = await import('../../artifacts/s3-config.js');
      const s3 = process.env[S3_ENV.endpoint] ? s3ConfigFromEnv() : undefined;
      const { pipelineRootFromEnv } = await import('../../controller/config.js');
      const pipelineRoot = pipelineRootFromEnv(process.env);
      const handle = await startServer(kc, { port: flags.port, host, defaultNamespace, trustLocalCallers, allowAnonymous, audiences, s3, pipelineRoot }, logger);
      logger.info({ address: host, port: handle.port, defaultNamespace, trustLocalCallers, allowAnonymous }, 'serving the KFP v2beta1 API and the web UI');
      await new Promise<void>((resolve) => {
        const stop = (): void => { void handle.close().finally(resolve); };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
