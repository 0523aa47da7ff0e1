// setTimeout for any delay: Node fires timers over 2^31-1 ms (24.8 days) after 1 ms, so a long delay is waited
// out in steps no longer than that, re-armed each time.

export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
  /** Lets the process exit while only this timer is pending. */
  unref(): LongTimeout;
}

export function longTimeout(fn: () => void, ms: number, setTimer: typeof setTimeout = setTimeout, clearTimer: typeof clearTimeout = clearTimeout): LongTimeout {
  const due = Date.now() + (Number.isFinite(ms) ? Math.max(0, ms) : Number.MAX_SAFE_INTEGER);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unrefed = false;
  let cleared = false;
  const arm = (): void => {
    const left = due - Date.now();
    if (left <= MAX_TIMER_MS) {
      timer = setTimer(fn, Math.max(0, left));
    } else {
      timer = setTimer(arm, MAX_TIMER_MS);
    }
    if (unrefed) timer.unref?.();
  };
  arm();
  const handle: LongTimeout = {
    clear() {
      cleared = true;
      if (timer) clearTimer(timer);
    },
    unref() {
      unrefed = true;
      if (!cleared) timer?.unref?.();
      return handle;
    },
  };
  return handle;
}
