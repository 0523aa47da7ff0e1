// `bash test/cluster/run.sh install`: installs Pipewright into the running test cluster of PIPEWRIGHT_CLUSTER_DIR,
// the step `npm run cluster:up` takes after starting it (the node agent must already run the image layout and have
// a python environment: prepare() in pipewright-install.ts, or the jest setup's equivalents).
import { clusterConfig } from './config.js';
import { readState } from './control-plane.js';
import { install } from './pipewright-install.js';

const cfg = clusterConfig();
const state = readState(cfg.dir);
try {
  if (!state) throw new Error(`no test cluster runs in ${cfg.dir}: npm run cluster:up`);
  install(cfg, state, (m) => { process.stdout.write(`${m}\n`); });
} catch (e) {
  process.stderr.write(`install failed: ${(e as Error).message}\n`);
  process.exit(1);
}
