// 2-10 runs side by side: parameters and metrics, rows where the runs differ highlighted.
import { api } from '../lib/api';
import { compareMetrics, compareParameters, type CompareRow } from '../lib/compare';
import { href } from '../lib/router';
import type { Run } from '../lib/types';
import { ErrorBox, StateBadge, useLoad } from '../components/common';

function Rows({ title, runs, rows }: { title: string; runs: Run[]; rows: CompareRow[] }) {
  return (
    <div className="table-wrap">
      <table className="compare" aria-label={title}>
        <caption>{title}{rows.some((r) => r.differs) ? ' (differences highlighted)' : ''}</caption>
        <thead><tr><th scope="col">{title === 'Parameters' ? 'Parameter' : 'Metric'}</th>{runs.map((r) => <th scope="col" key={r.run_id}>{r.display_name}</th>)}</tr></thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.differs ? 'differs' : undefined} data-differs={row.differs}>
              <th scope="row">{row.key}{row.differs && <span className="sr-only"> (differs)</span>}</th>
              {row.values.map((v, i) => <td key={i}>{v}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p className="note">None.</p>}
    </div>
  );
}

export function Compare({ ids }: { ids: string[] }) {
  const runs = useLoad(() => Promise.all(ids.slice(0, 10).map((id) => api.getRun(id))), [ids.join(',')]);
  if (ids.length < 2 || ids.length > 10) return <p role="alert">Pick 2 to 10 runs in the <a href="#/runs">runs list</a> to compare them.</p>;
  return (
    <section aria-labelledby="cmp-title">
      <h1 id="cmp-title">Compare runs</h1>
      <ErrorBox error={runs.error} />
      {runs.data && (
        <>
          <p>{runs.data.map((r) => <span key={r.run_id} className="cmp-run"><a href={href(`runs/details/${r.run_id}`)}>{r.display_name}</a> <StateBadge state={r.state} /></span>)}</p>
          <Rows title="Parameters" runs={runs.data} rows={compareParameters(runs.data)} />
          <Rows title="Metrics" runs={runs.data} rows={compareMetrics(runs.data)} />
        </>
      )}
    </section>
  );
}
