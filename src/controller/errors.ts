// Why a reconcile failed, in two kinds.
// - Terminal: the run's own content (its pipeline, its arguments, an object that bypassed CRD validation, or
//   anything else the controller cannot process in it). Retrying cannot help: the run fails once, with a reason,
//   a message and a Warning event.
// - Transient: the world around it (API server, S3, network). The queue backs off and retries; after a few
//   failures in a row the run's status and an event say what is failing; an S3 outage ends in a failure after a
//   deadline.
// Errors are marked transient where they are made, at the I/O adapters (transientBoundary), not guessed from
// their class: Node's `fetch failed` is a TypeError, and a TypeError from the run's content is terminal.
import { PipelineError, formatDiagnostic } from '../model/diagnostics.js';
import { ArtifactNotFoundError } from '../artifacts/store.js';
import { ConflictError } from './kube-ops.js';
import { Reason, type ReasonName } from './reasons.js';

export { DEGRADED, Reason, type ReasonName } from './reasons.js';

export type Dependency = 'S3' | 'APIServer';

export class TransientError extends Error {
  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export class TerminalError extends Error {
  constructor(
    readonly reason: ReasonName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export type Classified = { kind: 'terminal'; reason: ReasonName; message: string } | { kind: 'transient'; dependency: Dependency; reason: ReasonName; message: string };

const MESSAGE_LIMIT = 600;

function short(s: string): string {
  return s.length > MESSAGE_LIMIT ? `${s.slice(0, MESSAGE_LIMIT)}…` : s;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function classify(err: unknown): Classified {
  if (err instanceof TransientError) {
    const reason = err.dependency === 'S3' ? Reason.S3Unavailable : Reason.APIServerUnavailable;
    return { kind: 'transient', dependency: err.dependency, reason, message: short(err.message) };
  }
  // A write that lost a race: the next reconcile starts from the newer object.
  if (err instanceof ConflictError) return { kind: 'transient', dependency: 'APIServer', reason: Reason.APIServerUnavailable, message: short(err.message) };
  if (err instanceof TerminalError) return { kind: 'terminal', reason: err.reason, message: short(err.message) };
  if (err instanceof PipelineError) return { kind: 'terminal', reason: Reason.InvalidPipeline, message: short(err.diagnostics.map(formatDiagnostic).join('; ')) };
  if (err instanceof ArtifactNotFoundError) return { kind: 'terminal', reason: Reason.OutputsMissing, message: short(`a finished task's outputs cannot be read: ${err.message}`) };
  const name = err instanceof Error ? err.name : typeof err;
  return { kind: 'terminal', reason: Reason.InternalError, message: short(`the controller cannot process this run (${name}: ${messageOf(err)}); fix or delete the run, and report it if the run looks valid`) };
}

/**
 * The adapter with every method's failure marked transient for `dependency`, except errors `keep` accepts (those
 * carry their own meaning: a refused pod, a conflict, an object that does not exist). The cause is kept.
 */
export function transientBoundary<T extends object>(target: T, dependency: Dependency, keep: (err: unknown) => boolean): T {
  const mark = (err: unknown, method: string): unknown => {
    if (keep(err) || err instanceof TransientError) return err;
    return new TransientError(dependency, `${dependency === 'S3' ? 'S3' : 'the API server'} (${method}): ${messageOf(err)}`, { cause: err });
  };
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const method = String(prop);
      return (...args: unknown[]) => {
        let r: unknown;
        try {
          r = (v as (...a: unknown[]) => unknown).apply(t, args);
        } catch (err) {
          throw mark(err, method);
        }
        return r instanceof Promise ? r.catch((err: unknown) => Promise.reject(mark(err, method))) : r;
      };
    },
  });
}
