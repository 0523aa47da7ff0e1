// Pipelines of the namespace, and uploading a compiled pipeline (YAML).
import { useState } from 'react';
import { api } from '../lib/api';
import { href } from '../lib/router';
import { ErrorBox, Time, useLoad } from '../components/common';

export function Pipelines({ namespace }: { namespace: string }) {
  const list = useLoad(() => api.listPipelines({ namespace, sortBy: 'created_at desc' }), [namespace]);
  const [file, setFile] = useState<File>();
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const upload = async (): Promise<void> => {
    if (!file) return;
    try {
      const p = await api.uploadPipeline(file, name.trim() || file.name.replace(/\.(ya?ml|json)$/i, ''), namespace);
      window.location.hash = href(`pipelines/details/${p.pipeline_id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section aria-labelledby="pl-title">
      <h1 id="pl-title">Pipelines</h1>
      <form className="filters" aria-label="Upload a pipeline" onSubmit={(e) => { e.preventDefault(); void upload(); }}>
        <label>Compiled pipeline (YAML)
          <input type="file" accept=".yaml,.yml,.json" onChange={(e) => setFile(e.target.files?.[0])} />
        </label>
        <label>Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="from the file name" />
        </label>
        <button type="submit" disabled={!file}>Upload</button>
      </form>
      <ErrorBox error={error ?? list.error} />
      <div className="table-wrap">
        <table className="list">
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {list.data?.items.map((p) => (
              <tr key={p.pipeline_id}>
                <td><a href={href(`pipelines/details/${p.pipeline_id}`)}>{p.display_name}</a></td>
                <td>{p.description ?? ''}</td>
                <td><Time iso={p.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data?.items.length === 0 && <p>No pipelines yet.</p>}
    </section>
  );
}
