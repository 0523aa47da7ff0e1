// `npm run cluster:up`: starts the test cluster (or replaces a running one) and says how to use it.
import { clusterConfig } from './config.js';
import { down, up } from './control-plane.js';

const cfg = clusterConfig();
const t0 = Date.now();
up(cfg).then((s) => {
  process.stdout.write([
    `Test cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (state: ${s.dir}/state.json, logs: ${s.dir}/logs)`,
    `  export KUBECONFIG=${s.kubeconfig}`,
    `  ${s.kubectl} get nodes`,
    `  S3: ${s.s3.endpoint} (access key ${s.s3.accessKey}, secret ${s.s3.secretKey})`,
    'Stop it with: npm run cluster:down', '',
  ].join('\n'));
}).catch(async (e: Error) => {
  process.stderr.write(`cluster:up failed: ${e.message}\nstopping what was started; logs in ${cfg.dir}/logs\n`);
  await down(cfg.dir).catch(() => undefined); // nothing is left running after a failed start
  process.exit(1);
});
