// `pipewright pod inputs|outputs`: run inside task pods by the pod-spec builder, not by people.
// Logs are pino JSON on stderr; the result (or a one-line failure) goes to the termination log.
import { pino, type Logger } from 'pino';
import { GrantedArtifactStore } from '../../artifacts/granted-store.js';
import { DEFAULT_TERMINATION_LOG, EXIT, POD_ENV, PodSpecError, parseMounts } from '../../executor/pod-io-spec.js';
import { exitCodeFor, failureLine, runPodInputs, runPodOutputs, writeTerminationLog } from '../../executor/pod-io.js';

export type PodStep = 'inputs' | 'outputs';

function podLogger(step: PodStep): Logger {
  // Synchronous stderr so the last lines survive the process exit; the grant never reaches a log call.
  return pino({ name: `pipewright-pod-${step}`, base: { step } }, pino.destination({ fd: 2, sync: true }));
}

/** Runs one step and returns the exit code; never throws. */
export async function runPodStep(step: PodStep, env: NodeJS.ProcessEnv = process.env, log: Logger = podLogger(step)): Promise<number> {
  const terminationLog = env[POD_ENV.terminationLog] || DEFAULT_TERMINATION_LOG;
  try {
    // The pod holds a grant for this task's artifacts, never an S3 credential (docs/adr/0003-artifact-grants.md).
    const gatewayUrl = env[POD_ENV.gatewayUrl];
    const grant = env[POD_ENV.grant];
    if (!gatewayUrl || !grant) throw new PodSpecError(`${POD_ENV.gatewayUrl} and ${POD_ENV.grant} must be set (by the controller)`);
    const roots = parseMounts(env[POD_ENV.mounts]);
    log.info({ gateway: gatewayUrl }, `pod ${step} starting`);
    const store = new GrantedArtifactStore({ gatewayUrl: gatewayUrl.replace(/\/$/, ''), grant, roots });
    if (step === 'inputs') {
      await runPodInputs({ store, log, env, roots });
    } else {
      const message = await runPodOutputs({ store, log, env, roots });
      await writeTerminationLog(terminationLog, message);
    }
    log.info(`pod ${step} done`);
    return EXIT.ok;
  } catch (e) {
    const line = failureLine(step, e);
    log.error({ err: { name: (e as Error)?.name, message: line } }, `pod ${step} failed`);
    await writeTerminationLog(terminationLog, line).catch((werr: unknown) => {
      log.error({ path: terminationLog, err: String(werr) }, 'cannot write the termination log');
    });
    return exitCodeFor(step, e);
  }
}

/**
 * As a container's PID 1, node ignores SIGTERM unless it handles it: the pod would sit out its whole grace period
 * on delete (cancel, timeout, node drain). Stop at once, saying why in the termination log.
 */
export function stopOnSignals(step: PodStep, env: NodeJS.ProcessEnv = process.env, exit: (code: number) => void = (c) => process.exit(c)): void {
  for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2]] as const) {
    process.once(signal, () => {
      const terminationLog = env[POD_ENV.terminationLog] || DEFAULT_TERMINATION_LOG;
      void writeTerminationLog(terminationLog, `pod ${step} stopped by ${signal}`).catch(() => undefined).finally(() => exit(128 + number));
    });
  }
}
