// The runs list: filters (namespace in the header, experiment, state, name), sorting and paging, all in the URL;
// pick 2-10 runs to compare.
import { useState } from 'react';
import { api } from '../lib/api';
import { formatDuration, durationMs, STATE_LABEL } from '../lib/graph';
import { href } from '../lib/router';
import type { RunState } from '../lib/types';
import { ErrorBox, StateBadge, Time, useLoad } from '../components/common';

const STATES: RunState[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELING', 'CANCELED'];
const PAGE = 20;

function setQuery(base: string, q: URLSearchParams, changes: Record<string, string>): void {
  const next = new URLSearchParams(q);
  for (const [k, v] of Object.entries(changes)) {
    if (v) next.set(k, v);
    else next.delete(k);
  }
  if (!('page' in changes)) next.delete('page');
  window.location.hash = `#/${base}${next.toString() ? `?${next.toString()}` : ''}`;
}

export function Runs({ namespace, experimentId, query }: { namespace: string; experimentId?: string; query: URLSearchParams }) {
  const base = experimentId ? `experiments/details/${experimentId}` : 'runs';
  const state = query.get('state') ?? '';
  const name = query.get('name') ?? '';
  const sort = query.get('sort') ?? 'created_at desc';
  const exp = experimentId ?? query.get('experiment') ?? '';
  const tokens = (query.get('page') ?? '').split(',').filter(Boolean);
  const [nameDraft, setNameDraft] = useState(name);
  const [picked, setPicked] = useState<string[]>([]);
  const experiments = useLoad(() => api.listExperiments({ namespace, sortBy: 'display_name' }), [namespace]);
  const runs = useLoad(() => api.listRuns({
    namespace, experimentId: exp || undefined, sortBy: sort, pageSize: PAGE, pageToken: tokens.at(-1),
    filter: [
      ...(state ? [{ key: 'state', op: 'EQUALS', value: state }] : []),
      ...(name ? [{ key: 'display_name', op: 'IS_SUBSTRING', value: name }] : []),
      { key: 'storage_state', op: 'EQUALS', value: 'AVAILABLE' },
    ],
  }), [namespace, exp, state, name, sort, tokens.join(',')], 5000);
  const expName = experiments.data?.items.find((e) => e.experiment_id === exp)?.display_name;
  const toggle = (id: string): void => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const now = Date.now();
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">{experimentId ? `Experiment ${expName ?? ''}` : 'Runs'}</h1>
      <form className="filters" role="search" aria-label="Filter runs" onSubmit={(e) => { e.preventDefault(); setQuery(base, query, { name: nameDraft.trim() }); }}>
        {!experimentId && (
          <label>Experiment
            <select aria-label="Experiment" value={exp} onChange={(e) => setQuery(base, query, { experiment: e.target.value })}>
              <option value="">All</option>
              {experiments.data?.items.map((e) => <option key={e.experiment_id} value={e.experiment_id}>{e.display_name}</option>)}
            </select>
          </label>
        )}
        <label>State
          <select aria-label="State" value={state} onChange={(e) => setQuery(base, query, { state: e.target.value })}>
            <option value="">All</option>
            {STATES.map((s) => <option key={s} value={s}>{STATE_LABEL[s]}</option>)}
          </select>
        </label>
        <label>Name contains
          <input type="search" value={nameDraft} onChange={(e) => setNameDraft(e.target.value)} />
        </label>
        <button type="submit">Filter</button>
        <label>Sort
          <select aria-label="Sort" value={sort} onChange={(e) => setQuery(base, query, { sort: e.target.value })}>
            <option value="created_at desc">Newest first</option>
            <option value="created_at">Oldest first</option>
            <option value="display_name">Name A–Z</option>
            <option value="display_name desc">Name Z–A</option>
            <option value="state">State</option>
          </select>
        </label>
        <a className="button" href={href('compare', { runs: picked.join(',') })} aria-disabled={picked.length < 2 || picked.length > 10}
          onClick={(e) => { if (picked.length < 2 || picked.length > 10) e.preventDefault(); }}>
          Compare {picked.length ? `(${picked.length})` : ''}
        </a>
      </form>
      <ErrorBox error={runs.error ?? experiments.error} />
      <div className="table-wrap">
        <table className="list">
          <caption className="sr-only">Runs</caption>
          <thead><tr><th scope="col"><span className="sr-only">Compare</span></th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Duration</th><th scope="col">Experiment</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {runs.data?.items.map((r) => (
              <tr key={r.run_id}>
                <td><input type="checkbox" aria-label={`Compare ${r.display_name ?? r.run_id}`} checked={picked.includes(r.run_id)} onChange={() => toggle(r.run_id)} /></td>
                <td><a href={href(`runs/details/${r.run_id}`)}>{r.display_name ?? r.run_id}</a></td>
                <td><StateBadge state={r.state} /></td>
                <td>{formatDuration(durationMs({ start_time: r.scheduled_at, end_time: r.finished_at, state: r.state }, now))}</td>
                <td>{r.experiment_id ? <a href={href(`experiments/details/${r.experiment_id}`)}>{experiments.data?.items.find((e) => e.experiment_id === r.experiment_id)?.display_name ?? 'experiment'}</a> : '—'}</td>
                <td><Time iso={r.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {runs.data && runs.data.items.length === 0 && <p>No runs match.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={!tokens.length} onClick={() => setQuery(base, query, { page: tokens.slice(0, -1).join(',') })}>Previous</button>
        <span>{runs.data ? `${tokens.length * PAGE + Math.min(1, runs.data.items.length)}–${tokens.length * PAGE + runs.data.items.length} of ${runs.data.total}` : 'Loading…'}</span>
        <button type="button" disabled={!runs.data?.next} onClick={() => setQuery(base, query, { page: [...tokens, runs.data?.next ?? ''].join(',') })}>Next</button>
      </nav>
    </section>
  );
}
