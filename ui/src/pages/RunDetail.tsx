// A run: its graph (re-read every 2 s until the run ends), parameters, events, the selected task's panel; cancel,
// retry (a failed or cancelled run, in place), archive or restore, delete.
import { useMemo, useRef, useState } from 'react';
import { api } from '../lib/api';
import { durationMs, formatDuration } from '../lib/graph';
import { href } from '../lib/router';
import type { Run } from '../lib/types';
import { Dag } from '../components/Dag';
import { TaskPanel } from '../components/TaskPanel';
import { ErrorBox, StateBadge, Time, useLoad } from '../components/common';

const LIVE_MS = 2000;
const isLive = (r: Run): boolean => !['SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED'].includes(r.state ?? '');

export function RunDetail({ id }: { id: string }) {
  // After an action (retry, cancel) the run is read every 2 s for a minute even while it still shows its old state:
  // the controller takes it up a moment later.
  const watchUntil = useRef(0);
  const run = useLoad(() => api.getRun(id), [id], LIVE_MS, (d) => isLive(d) || Date.now() < watchUntil.current);
  const live = run.data ? isLive(run.data) : true;
  // Events are re-read while the run is live, and once more after it ends (the poll stops on the read after).
  const events = useLoad(() => api.events(id).catch(() => ({ events: [] })), [id], LIVE_MS * 2, () => live);
  const version = useLoad(async () => {
    const ref = run.data?.pipeline_version_reference;
    if (run.data?.pipeline_spec || !ref?.pipeline_id || !ref.pipeline_version_id) return undefined;
    return api.getVersion(ref.pipeline_id, ref.pipeline_version_id);
  }, [run.data?.pipeline_version_reference?.pipeline_version_id, Boolean(run.data?.pipeline_spec)]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const r = run.data;
  const spec = r?.pipeline_spec ?? version.data?.pipeline_spec;
  const tasks = useMemo(() => r?.run_details?.task_details ?? [], [r]);
  const task = tasks.find((t) => t.task_id === selected);
  const toggle = (nodeId: string): void => setExpanded((s) => {
    const n = new Set(s);
    if (n.has(nodeId)) n.delete(nodeId);
    else n.add(nodeId);
    return n;
  });
  if (!r) return <><ErrorBox error={run.error} />{!run.error && <p>Loading run…</p>}</>;
  /** One action of the buttons; then the run is read again, or `after` runs (delete leaves the page). */
  const act = async (what: () => Promise<unknown>, after?: () => void): Promise<void> => {
    setActionError(undefined);
    try {
      await what();
      watchUntil.current = Date.now() + 60_000;
      if (after) after();
      else run.reload();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    }
  };
  const archived = r.storage_state === 'ARCHIVED';
  const remove = (): void => {
    if (!window.confirm(`Delete run ${r.display_name ?? r.run_id}? Its PipelineRun and pods are deleted.`)) return;
    void act(() => api.deleteRun(id), () => { window.location.hash = '#/runs'; });
  };
  const params = Object.entries(r.runtime_config?.parameters ?? {});
  return (
    <div className={`run-detail${task ? ' with-panel' : ''}`}>
      <section aria-labelledby="run-title" className="run-main">
        <p className="crumbs"><a href="#/runs">Runs</a>{r.experiment_id && <> / <a href={href(`experiments/details/${r.experiment_id}`)}>experiment</a></>}</p>
        <h1 id="run-title">{r.display_name ?? r.run_id} <StateBadge state={r.state} />{archived && <span className="note archived"> archived</span>}</h1>
        <p className="summary">
          <span>Duration {formatDuration(durationMs({ start_time: r.scheduled_at, end_time: r.finished_at, state: r.state }, Date.now())) || '—'}</span>
          <span>Created <Time iso={r.created_at} /></span>
          <span>Run id <code>{r.run_id}</code></span>
          {live && <span className="live" aria-live="polite">live</span>}
        </p>
        {r.error?.message && <p className="error" role="alert">{r.error.message}</p>}
        <div className="actions">
          {(r.state === 'RUNNING' || r.state === 'PENDING') && <button type="button" className="danger" onClick={() => void act(() => api.terminateRun(id))}>Cancel run</button>}
          {(r.state === 'FAILED' || r.state === 'CANCELED') && <button type="button" onClick={() => void act(() => api.retryRun(id))}>Retry run</button>}
          {!live && <button type="button" onClick={() => void act(() => api.archiveRun(id, !archived))}>{archived ? 'Restore run' : 'Archive run'}</button>}
          {!live && <button type="button" className="danger" onClick={remove}>Delete run</button>}
          <ErrorBox error={actionError} />
        </div>
        {params.length > 0 && (
          <details className="params" open>
            <summary>Parameters</summary>
            <table className="kv"><tbody>{params.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{typeof v === 'string' ? v : JSON.stringify(v)}</td></tr>)}</tbody></table>
          </details>
        )}
        <ErrorBox error={run.error} />
        <Dag tasks={tasks} spec={spec} expanded={expanded} selected={selected} onSelect={setSelected} onToggle={toggle} />
        {events.data && events.data.events.length > 0 && (
          <details className="run-events">
            <summary>Events ({events.data.events.length})</summary>
            <ul className="events">{events.data.events.map((e, i) => <li key={i} className={e.type === 'Warning' ? 'warning' : ''}><strong>{e.reason}</strong> <span className="note">{e.object}</span> {e.message}</li>)}</ul>
          </details>
        )}
      </section>
      {task && <TaskPanel runId={id} task={task} spec={spec} events={events.data?.events ?? []} onClose={() => setSelected(undefined)} />}
    </div>
  );
}
