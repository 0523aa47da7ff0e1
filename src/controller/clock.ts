// The controller's one source of time. main.ts passes the system clock; tests pass a fixed or stepped one, so
// every deadline, expectation and timestamp of a reconcile moves together.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Milliseconds since the epoch on `clock`. */
export function nowMs(clock: Clock): number {
  return clock().getTime();
}
