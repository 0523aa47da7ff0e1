// Small shared pieces: loading data with errors shown, the state badge, times.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../lib/api';
import { STATE_LABEL } from '../lib/graph';
import type { RunState } from '../lib/types';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Calls `load` when `deps` change, and every `pollMs` while `keepPolling(data)` says so (live updates). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs = 0, keepPolling: (d: T) => boolean = () => true): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  const keepRef = useRef(keepPolling);
  useEffect(() => {
    loadRef.current = load;
    keepRef.current = keepPolling;
  });
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (): void => {
      loadRef.current().then((data) => {
        if (!live) return;
        setState({ data, loading: false });
        if (pollMs && keepRef.current(data)) timer = setTimeout(run, pollMs);
      }, (err: unknown) => {
        if (!live) return;
        const message = err instanceof ApiError && err.status === 401 ? `${err.message} — set a token (Token, top right)` : err instanceof Error ? err.message : String(err);
        setState((s) => ({ ...s, error: message, loading: false }));
        if (pollMs) timer = setTimeout(run, pollMs * 3);
      });
    };
    run();
    return () => { live = false; clearTimeout(timer); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function StateBadge({ state, phase }: { state?: RunState; phase?: string }) {
  const s = state ?? 'PENDING';
  return <span className={`badge state-${s}`}>{phase === 'Cached' ? 'Cached' : STATE_LABEL[s]}</span>;
}

export function Time({ iso }: { iso?: string }) {
  if (!iso) return <span>—</span>;
  const d = new Date(iso);
  return <time dateTime={iso} title={iso}>{d.toLocaleString()}</time>;
}

export function ErrorBox({ error }: { error?: string }) {
  return error ? <p className="error" role="alert">{error}</p> : null;
}
