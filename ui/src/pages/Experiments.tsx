// Experiments of the namespace; each opens its runs.
import { api } from '../lib/api';
import { href } from '../lib/router';
import { ErrorBox, Time, useLoad } from '../components/common';

export function Experiments({ namespace }: { namespace: string }) {
  const list = useLoad(() => api.listExperiments({ namespace, sortBy: 'created_at desc' }), [namespace]);
  return (
    <section aria-labelledby="exp-title">
      <h1 id="exp-title">Experiments</h1>
      <ErrorBox error={list.error} />
      <div className="table-wrap">
        <table className="list">
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Namespace</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {list.data?.items.map((e) => (
              <tr key={e.experiment_id}>
                <td><a href={href(`experiments/details/${e.experiment_id}`)}>{e.display_name}</a></td>
                <td>{e.description ?? ''}</td>
                <td>{e.namespace}</td>
                <td><Time iso={e.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data?.items.length === 0 && <p>No experiments yet.</p>}
    </section>
  );
}
