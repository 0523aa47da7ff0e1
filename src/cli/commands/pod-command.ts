// `pipewright pod inputs|outputs` as commander sees it; the steps (and the S3 client they need) load when one runs.
import type { Command } from 'commander';
import { POD_ENV } from '../../executor/pod-io-spec.js';

export function registerPodCommand(program: Command): void {
  const pod = program
    .command('pod')
    .description('Steps run inside task pods (used by the controller, not by hand)');
  for (const step of ['inputs', 'outputs'] as const) {
    pod
      .command(step)
      .description(
        step === 'inputs'
          ? `download input artifacts listed in ${POD_ENV.downloads} to their mount paths`
          : `collect outputs described by ${POD_ENV.outputs}, upload artifacts, report them in the termination log`,
      )
      .action(async () => {
        const { runPodStep, stopOnSignals } = await import('./pod.js');
        stopOnSignals(step);
        // A leaf process in a pod: exit with our own code whatever the caller does afterwards.
        process.exit(await runPodStep(step));
      });
  }
}
