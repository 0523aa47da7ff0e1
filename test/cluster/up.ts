// `npm run cluster:up`: starts the test cluster (or replaces a running one) and says how to use it. With
// --pipewright (what npm run cluster:up passes) it also installs Pipewright as a user would (pipewright-install.ts):
// a cluster ready for `kubectl apply -f examples/training/run.yaml`. The jest setup starts it bare.
import { clusterConfig } from './config.js';
import { down, up } from './control-plane.js';
import { install, installPorts, prepare, RELEASE, SYSTEM_NAMESPACE } from './pipewright-install.js';

const cfg = clusterConfig();
const withPipewright = process.argv.includes('--pipewright');
const t0 = Date.now();
const log = (m: string): void => { process.stderr.write(`${m}\n`); };

async function main(): Promise<void> {
  const setUp: string[] = [];
  if (withPipewright) {
    const p = await prepare(cfg, log);
    process.env.PW_AGENT_IMAGE_LAYOUT = p.layout; // recorded with the node agent's command (inheritedAgentEnv)
    setUp.push(`  python:* images run with ${p.python} on PATH (${p.packages.join(', ')})`,
      `  pipewright images run from the image layout ${p.layout}`);
  }
  const s = await up(cfg);
  if (withPipewright) {
    install(cfg, s, (m) => { setUp.push(`  ${m}`); log(m); });
  }
  const ports = installPorts(cfg);
  process.stdout.write([
    `Test cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (state: ${s.dir}/state.json, logs: ${s.dir}/logs)`,
    `  export KUBECONFIG=${s.kubeconfig}`,
    `  ${s.kubectl} get nodes`,
    `  S3: ${s.s3.endpoint} (access key ${s.s3.accessKey}, secret ${s.s3.secretKey})`,
    ...(withPipewright ? [
      'Pipewright installed:', ...setUp,
      'Run the example:',
      '  kubectl apply -f examples/training/run.yaml',
      '  kubectl wait --for=condition=Succeeded pipelinerun/training --timeout=5m',
      `  kubectl logs -n ${SYSTEM_NAMESPACE} deploy/${RELEASE}-controller    # the controller's log`,
      `  KFP API and web UI: http://127.0.0.1:${ports.server}/ (callers send a token: docs/kfp-api.md)`,
    ] : []),
    'Stop it with: npm run cluster:down', '',
  ].join('\n'));
}

main().catch(async (e: Error) => {
  process.stderr.write(`cluster:up failed: ${e.message}\nstopping what was started; logs in ${cfg.dir}/logs\n`);
  await down(cfg.dir).catch(() => undefined); // nothing is left running after a failed start
  process.exit(1);
});
