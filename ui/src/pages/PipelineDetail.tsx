// A pipeline: its versions (and uploading a new one), the chosen version's graph, and the start-run form typed from
// the pipeline's inputs.
import { useMemo, useState } from 'react';
import { api } from '../lib/api';
import { href } from '../lib/router';
import { initialValue, parseForm, pipelineInputs, type FormValues } from '../lib/spec';
import { Dag } from '../components/Dag';
import { ErrorBox, Time, useLoad } from '../components/common';

export function PipelineDetail({ id, versionId, namespace }: { id: string; versionId?: string; namespace: string }) {
  const pipeline = useLoad(() => api.getPipeline(id), [id]);
  const versions = useLoad(() => api.listVersions(id), [id]);
  const chosen = versionId ?? versions.data?.items[0]?.pipeline_version_id;
  const version = useLoad(async () => (chosen ? api.getVersion(id, chosen) : undefined), [id, chosen]);
  const experiments = useLoad(() => api.listExperiments({ namespace: pipeline.data?.namespace ?? namespace }), [pipeline.data?.namespace, namespace]);
  const spec = version.data?.pipeline_spec;
  const inputs = useMemo(() => pipelineInputs(spec), [spec]);
  const [values, setValues] = useState<FormValues>({});
  const [runName, setRunName] = useState('');
  const [experimentId, setExperimentId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const value = (name: string): string => {
    const input = inputs.find((i) => i.name === name);
    return values[name] ?? (input ? initialValue(input) : '');
  };
  const [versionFile, setVersionFile] = useState<File>();
  const [versionName, setVersionName] = useState('');
  const [versionError, setVersionError] = useState<string>();
  /** A new version of this pipeline: listed first (newest), and chosen. */
  const uploadVersion = async (): Promise<void> => {
    if (!versionFile) return;
    setVersionError(undefined);
    try {
      const v = await api.uploadVersion(id, versionFile, versionName.trim() || versionFile.name.replace(/\.(ya?ml|json)$/i, ''));
      versions.reload();
      window.location.hash = href(`pipelines/details/${id}/version/${v.pipeline_version_id}`);
    } catch (err) {
      setVersionError(err instanceof Error ? err.message : String(err));
    }
  };
  /** A field's new value; its error (from the last submit) goes until the next one. */
  const edit = (name: string, v: string): void => {
    setValues({ ...values, [name]: v });
    setErrors((errs) => Object.fromEntries(Object.entries(errs).filter(([k]) => k !== name)));
  };
  const start = async (): Promise<void> => {
    const all = Object.fromEntries(inputs.map((i) => [i.name, value(i.name)]));
    const parsed = parseForm(inputs, all);
    setErrors(parsed.errors);
    if (Object.keys(parsed.errors).length || !chosen) return;
    try {
      const run = await api.createRun({
        display_name: runName.trim() || `${pipeline.data?.display_name ?? 'run'} ${new Date().toISOString().slice(0, 19)}`,
        experiment_id: experimentId || undefined,
        pipeline_version_reference: { pipeline_id: id, pipeline_version_id: chosen },
        runtime_config: { parameters: parsed.parameters },
      });
      window.location.hash = href(`runs/details/${run.run_id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section aria-labelledby="pd-title">
      <p className="crumbs"><a href="#/pipelines">Pipelines</a></p>
      <h1 id="pd-title">{pipeline.data?.display_name ?? 'Pipeline'}</h1>
      <ErrorBox error={pipeline.error ?? versions.error ?? version.error} />
      <form className="filters" aria-label="Versions" onSubmit={(e) => { e.preventDefault(); void uploadVersion(); }}>
        <label>Version
          <select aria-label="Version" value={chosen ?? ''} onChange={(e) => { window.location.hash = href(`pipelines/details/${id}/version/${e.target.value}`); }}>
            {versions.data?.items.map((v) => <option key={v.pipeline_version_id} value={v.pipeline_version_id}>{v.display_name} ({new Date(v.created_at ?? '').toLocaleString()})</option>)}
          </select>
        </label>
        <label>New version (YAML)
          <input type="file" accept=".yaml,.yml,.json" onChange={(e) => setVersionFile(e.target.files?.[0])} />
        </label>
        <label>Version name
          <input value={versionName} onChange={(e) => setVersionName(e.target.value)} placeholder="from the file name" />
        </label>
        <button type="submit" disabled={!versionFile}>Upload version</button>
      </form>
      <ErrorBox error={versionError} />
      {version.data && <p className="note">Version created <Time iso={version.data.created_at} /></p>}
      <div className="pipeline-layout">
        <div>{spec && <Dag tasks={[]} spec={spec} expanded={new Set()} onSelect={() => undefined} onToggle={() => undefined} />}</div>
        <form className="start-run" aria-labelledby="start-title" onSubmit={(e) => { e.preventDefault(); void start(); }}>
          <h2 id="start-title">Start a run</h2>
          <label>Run name<input value={runName} onChange={(e) => setRunName(e.target.value)} placeholder="from the pipeline name and time" /></label>
          <label>Experiment
            <select value={experimentId} onChange={(e) => setExperimentId(e.target.value)}>
              <option value="">None</option>
              {experiments.data?.items.map((x) => <option key={x.experiment_id} value={x.experiment_id}>{x.display_name}</option>)}
            </select>
          </label>
          {inputs.filter((i) => i.type !== 'ARTIFACT').map((i) => {
            const fieldId = `param-${i.name}`;
            const err = errors[i.name];
            return (
              <div className="field" key={i.name}>
                <label htmlFor={fieldId}>{i.name} <span className="type">{i.type.toLowerCase().replace('number_', '')}{i.optional ? '' : ', required'}</span></label>
                {i.type === 'BOOLEAN' ? (
                  <select id={fieldId} value={value(i.name)} onChange={(e) => edit(i.name, e.target.value)}>
                    <option value="true">true</option><option value="false">false</option>
                  </select>
                ) : (
                  <input id={fieldId} name={i.name} value={value(i.name)} inputMode={i.type.startsWith('NUMBER') ? 'decimal' : undefined}
                    aria-invalid={Boolean(err)} aria-describedby={err ? `${fieldId}-err` : undefined}
                    onChange={(e) => edit(i.name, e.target.value)} />
                )}
                {err && <span id={`${fieldId}-err`} className="field-error">{err}</span>}
              </div>
            );
          })}
          <button type="submit" disabled={!chosen}>Start run</button>
          <ErrorBox error={error} />
        </form>
      </div>
    </section>
  );
}
