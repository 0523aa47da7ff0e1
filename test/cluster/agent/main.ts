// Node agent entry point. Configured by environment (set by control-plane.ts):
//   PW_AGENT_KUBECONFIG, PW_AGENT_NODE_NAME, PW_AGENT_PORT, PW_AGENT_TLS_CERT/KEY, PW_AGENT_CA, PW_AGENT_ROOT,
//   PW_AGENT_REPO; optional PW_AGENT_CPU, PW_AGENT_MEMORY, PW_AGENT_PODS, PW_AGENT_IMAGE_MAP, PW_AGENT_SIMULATE,
//   PW_AGENT_SIMULATE_DURATION_MS, PW_AGENT_SIMULATE_EXIT_CODE, PW_AGENT_BACKOFF_MS, PW_AGENT_EVENTS,
//   PW_AGENT_PROVISIONER_KUBECONFIG (admin credentials for the volume provisioner), PW_AGENT_IMAGE_LAYOUT.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { readVersions } from '../config.js';
import { Agent } from './agent.js';
import { defaultRules, loadImageMap, readImageLayout } from './image-map.js';
import { Kube } from './kube.js';
import { startLogServer } from './log-server.js';
import { NodeHeartbeat } from './node.js';
import { provisionLoop } from './provisioner.js';

const env = process.env;
const need = (k: string): string => {
  const v = env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

async function main(): Promise<void> {
  const log = pino({ name: 'node-agent', level: env.PW_AGENT_LOG_LEVEL ?? 'info' });
  const nodeName = need('PW_AGENT_NODE_NAME');
  const root = need('PW_AGENT_ROOT');
  const repo = need('PW_AGENT_REPO');
  const port = Number(need('PW_AGENT_PORT'));
  const kube = await Kube.fromFile(need('PW_AGENT_KUBECONFIG'));
  const caPem = readFileSync(need('PW_AGENT_CA'), 'utf8');
  mkdirSync(root, { recursive: true });

  // The project's image runs the built project: a `pipewright` shim first on PATH.
  const shimDir = join(root, 'shims');
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(join(shimDir, 'pipewright'), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, 'bin/pipewright.js')}" "$@"\n`);
  chmodSync(join(shimDir, 'pipewright'), 0o755);
  const cache = need('PIPEWRIGHT_CACHE');
  // PW_AGENT_IMAGE_LAYOUT: the image's layout (scripts/image-layout.mjs); pipewright images then run from it, not
  // from the checkout.
  const layout = env.PW_AGENT_IMAGE_LAYOUT ? readImageLayout(env.PW_AGENT_IMAGE_LAYOUT) : undefined;
  if (layout) log.info({ layout: layout.dir }, 'pipewright images run from the image layout');
  // The chart's bundled S3 server (s3.bundled) runs the versitygw binary build.sh made for the cluster's own S3.
  const versitygw = join(cache, 'bin', `versitygw-${readVersions(repo).versitygw}`, 'versitygw');
  const imageMap = loadImageMap(env.PW_AGENT_IMAGE_MAP, defaultRules(repo, cache, shimDir, layout, versitygw));
  const bwrap = execFileSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).trim();
  // Containers see neither this cluster's directory (PW_AGENT_ROOT's parent: certificates, kubeconfigs, state.json
  // with the S3 keys, other pods' volumes) nor any other test cluster's; the python venvs in the cache stay visible.
  const clusterDirs = [dirname(root), ...readdirSync(cache).filter((n) => n.startsWith('cluster')).map((n) => join(cache, n))]
    .filter((d) => existsSync(d)).map((d) => realpathSync(d));
  const hidden = { dirs: [...new Set(clusterDirs)], keep: [realpathSync(shimDir)] };
  const nodeBin = dirname(process.execPath);

  const agent = new Agent(kube, {
    nodeName, caPem,
    simulateAll: env.PW_AGENT_SIMULATE === '1' || env.PW_AGENT_SIMULATE === 'true',
    simulateDefaults: { delayMs: Number(env.PW_AGENT_SIMULATE_DURATION_MS ?? 1000), exitCode: Number(env.PW_AGENT_SIMULATE_EXIT_CODE ?? 0) },
    relistMs: Number(env.PW_AGENT_RELIST_MS ?? 300_000),
    events: env.PW_AGENT_EVENTS !== '0',
  }, {
    nodeRoot: root, bwrap, imageMap, hidden, backoffMs: Number(env.PW_AGENT_BACKOFF_MS ?? 10_000), log,
    baseEnv: {
      PATH: `${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}:${nodeBin}`, HOME: '/root', LANG: env.LANG ?? 'C.UTF-8',
      // In-cluster clients find the apiserver as they would through the kubernetes Service.
      KUBERNETES_SERVICE_HOST: kube.server.hostname, KUBERNETES_SERVICE_PORT: kube.server.port,
      KUBERNETES_SERVICE_PORT_HTTPS: kube.server.port,
    },
  }, log);

  await startLogServer(port, {
    cert: readFileSync(need('PW_AGENT_TLS_CERT')), key: readFileSync(need('PW_AGENT_TLS_KEY')), ca: Buffer.from(caPem),
  }, agent);
  const heartbeat = new NodeHeartbeat(kube, {
    name: nodeName, kubeletPort: port, kubeletVersion: readVersions(repo).k8s,
    capacity: { cpu: env.PW_AGENT_CPU ?? '4', memory: env.PW_AGENT_MEMORY ?? '8Gi', pods: env.PW_AGENT_PODS ?? '5000',
      'ephemeral-storage': '50Gi' },
  }, log);
  await heartbeat.register();
  heartbeat.start();
  const stopProvisioner = new AbortController();
  if (env.PW_AGENT_PROVISIONER_KUBECONFIG) {
    void provisionLoop(await Kube.fromFile(env.PW_AGENT_PROVISIONER_KUBECONFIG), nodeName, root, log, stopProvisioner.signal);
  }
  const stop = (): void => {
    log.info('shutting down: killing all containers');
    heartbeat.stop();
    stopProvisioner.abort();
    void agent.shutdown().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await agent.run();
}

main().catch((e: Error) => {
  process.stderr.write(`node agent failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
