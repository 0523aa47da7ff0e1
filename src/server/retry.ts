// KFP's retry_run onto a PipelineRun: the merge patch that bumps spec.retry (src/controller/run-retry.ts). Pure.
import { pendingRetry } from '../controller/run-retry.js';
import type { PipelineRunObject } from '../controller/types.js';
import { ApiError, GRPC } from './mapping.js';

/** The patch that retries `run`, or undefined when a retry is already asked for; an ApiError when it cannot be. */
export function retryPatch(run: PipelineRunObject): { spec: { retry: number; cancel?: false } } | undefined {
  if (pendingRetry(run) !== undefined) return undefined;
  const phase = run.status?.phase;
  if (phase !== 'Failed' && phase !== 'Error' && phase !== 'Cancelled') {
    throw new ApiError(400, GRPC.FAILED_PRECONDITION, `run ${run.metadata?.uid} is ${phase ?? 'not started'}: only a FAILED or CANCELED run can be retried`);
  }
  const retry = Math.max(run.spec?.retry ?? 0, run.status?.retry?.generation ?? 0) + 1;
  // A cancelled run runs again only with spec.cancel false, which the CRD allows only with the bump.
  return { spec: { retry, ...(run.spec?.cancel === true ? { cancel: false as const } : {}) } };
}
