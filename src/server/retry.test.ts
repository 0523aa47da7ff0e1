import { ApiError } from './mapping.js';
import { retryPatch } from './retry.js';
import type { PipelineRunObject } from '../controller/types.js';

const run = (phase: string | undefined, spec: object = {}, retry?: number): PipelineRunObject => ({
  metadata: { uid: 'u1' },
  spec: { pipelineRef: { name: 'p' }, ...spec },
  ...(phase ? { status: { phase: phase as 'Failed', ...(retry !== undefined ? { retry: { generation: retry, count: retry, attemptBase: 1 } } : {}) } } : {}),
});

describe('retry_run → spec.retry', () => {
  it('bumps spec.retry of a failed or errored run', () => {
    expect(retryPatch(run('Failed'))).toEqual({ spec: { retry: 1 } });
    expect(retryPatch(run('Error', { retry: 2 }, 2))).toEqual({ spec: { retry: 3 } });
  });

  it('clears spec.cancel of a cancelled run in the same patch', () => {
    expect(retryPatch(run('Cancelled', { cancel: true }))).toEqual({ spec: { retry: 1, cancel: false } });
  });

  it('asks nothing more while a retry is already pending', () => {
    expect(retryPatch(run('Failed', { retry: 1 }))).toBeUndefined();
  });

  it('refuses runs that did not end badly with FAILED_PRECONDITION', () => {
    for (const phase of ['Running', 'Succeeded', undefined]) {
      let err: unknown;
      try { retryPatch(run(phase)); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ http: 400, grpc: 9 });
      expect((err as Error).message).toContain('only a FAILED or CANCELED run can be retried');
    }
  });
});
