// `pipewright controller`: runs the operator against the current kubeconfig or the in-cluster config.
// The Kubernetes client and the controller load only when it runs, so `pipewright help controller` stays cheap.
import type { Command } from 'commander';

export function registerControllerCommand(program: Command): void {
  program
    .command('controller')
    .description('Run the Pipewright operator (watches PipelineRuns, runs each task as a pod)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--namespace <ns...>', 'namespaces to watch (default: all, or $PIPEWRIGHT_NAMESPACES)')
    .option('--workers <n>', 'concurrent reconciles', (v) => Number(v))
    .option('--leader-elect', 'run only while holding the Lease pipewright-leader-election (default: $PIPEWRIGHT_LEADER_ELECT, off; the Deployment turns it on)')
    .option('--no-leader-elect', 'do not elect a leader, even if $PIPEWRIGHT_LEADER_ELECT is true')
    .action(async (opts: { kubeconfig?: string; namespace?: string[]; workers?: number; leaderElect?: boolean }) => {
      const [k8s, { pino }, { configFromEnv }, { startController }] = await Promise.all([
        import('@kubernetes/client-node'), import('pino'), import('../../controller/config.js'), import('../../controller/main.js'),
      ]);
      const logger = pino({ name: 'pipewright-controller', level: process.env.LOG_LEVEL ?? 'info' });
      const kc = new k8s.KubeConfig();
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else kc.loadFromDefault();
      const env = { ...process.env };
      if (opts.namespace?.length) env.PIPEWRIGHT_NAMESPACES = opts.namespace.join(',');
      if (opts.workers) env.PIPEWRIGHT_WORKERS = String(opts.workers);
      if (opts.leaderElect !== undefined) env.PIPEWRIGHT_LEADER_ELECT = String(opts.leaderElect);
      const handle = await startController(kc, configFromEnv(env), logger);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          logger.info('stopping');
          void handle.stop().finally(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
