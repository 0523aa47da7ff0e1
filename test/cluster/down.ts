// `npm run cluster:down`: stops every process of the test cluster recorded in its state file.
import { clusterConfig } from './config.js';
import { down } from './control-plane.js';

down(clusterConfig().dir).then(() => process.stdout.write('test cluster stopped\n')).catch((e: Error) => {
  process.stderr.write(`cluster:down failed: ${e.message}\n`);
  process.exit(1);
});
