// A task's log. While the task runs it is followed: one streamed request that grows the view as the pod writes
// (re-opened if it ends before the task does, e.g. while the container is still starting); once the task is done,
// read whole. Scrolled to the end as lines come, unless the reader scrolled up.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api } from '../lib/api';
import { LOG_CAP_BYTES, readLogStream } from '../lib/log-stream';

const REOPEN_MS = 2000;

export function TaskLogs({ runId, taskId, running }: { runId: string; taskId: string; running: boolean }) {
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  const [following, setFollowing] = useState(false);
  const [capped, setCapped] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  const stickToEnd = useRef(true);
  const shown = useRef('');
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const show = (all: string, final: boolean): void => {
      // A re-read replays the log from its start: keep the longer text on screen until it catches up.
      if (!final && all.length < shown.current.length) return;
      const el = pre.current;
      stickToEnd.current = !el || el.scrollHeight - el.scrollTop - el.clientHeight < 8;
      shown.current = all;
      setText(all);
    };
    const open = async (): Promise<void> => {
      let bytes = 0;
      try {
        const res = await api.logs(runId, taskId, { follow: running, signal: ctl.signal });
        setError(undefined);
        setFollowing(running);
        let all = '';
        bytes = res.body ? await readLogStream(res.body, (t) => { all = t; show(t, false); }) : 0;
        show(all, true);
      } catch (err) {
        if (ctl.signal.aborted) return;
        setError(err instanceof Error ? err.message : String(err));
      }
      setFollowing(false);
      setCapped(bytes >= LOG_CAP_BYTES);
      if (running && !ctl.signal.aborted && bytes < LOG_CAP_BYTES) timer = setTimeout(() => void open(), REOPEN_MS);
    };
    void open();
    return () => { ctl.abort(); clearTimeout(timer); };
  }, [runId, taskId, running]);
  useLayoutEffect(() => {
    if (stickToEnd.current && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <>
      {error && <p className="note">{running ? `Waiting for the log: ${error}` : error}</p>}
      {(text !== undefined || !error) && <pre ref={pre} className="logs" tabIndex={0} aria-label="Task logs">{text ?? 'Loading…'}</pre>}
      <p className="note" role="status">
        {following ? 'Following the log while the task runs.' : capped ? `Showing the first ${LOG_CAP_BYTES >> 20} MiB of the log.` : ''}
      </p>
    </>
  );
}
