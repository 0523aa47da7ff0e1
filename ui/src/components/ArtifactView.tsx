// One artifact, previewed by its type. Contents come through `pipewright server` (the caller's auth, the run's own
// artifacts only), capped in bytes: the browser never holds S3 credentials and never loads a large object whole.
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useEffect, useState } from 'react';
import { api, token } from '../lib/api';
import { confusionMatrix, rocCurve, scalarMetrics } from '../lib/metrics';
import { parseHead, type Table } from '../lib/tabular';
import type { Artifact } from '../lib/types';

const CAPS = { html: 2 << 20, markdown: 1 << 20, dataset: 256 << 10 };
const HEAD_ROWS = 50;

function useContent(runId: string, uri: string, cap: number): { text?: string; truncated: boolean; error?: string } {
  const [state, setState] = useState<{ text?: string; truncated: boolean; error?: string }>({ truncated: false });
  useEffect(() => {
    const ctl = new AbortController();
    api.artifact(runId, uri, cap, ctl.signal)
      .then(async (res) => setState({ text: await res.text(), truncated: res.headers.get('x-pipewright-truncated') === 'true' }))
      .catch((err: unknown) => { if (!ctl.signal.aborted) setState({ truncated: false, error: err instanceof Error ? err.message : String(err) }); });
    return () => ctl.abort();
  }, [runId, uri, cap]);
  return state;
}

function MetadataTable({ metadata }: { metadata?: Artifact['metadata'] }) {
  const entries = Object.entries(metadata ?? {});
  if (!entries.length) return <p className="note">No metadata.</p>;
  return (
    <table className="kv"><tbody>
      {entries.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{typeof v === 'string' ? v : JSON.stringify(v)}</td></tr>)}
    </tbody></table>
  );
}

function Download({ runId, artifact }: { runId: string; artifact: Artifact }) {
  const url = api.artifactUrl(runId, artifact.uri);
  const name = artifact.uri.split('/').pop() ?? 'artifact';
  // With a token the link cannot carry it: fetch with the header, then save the blob.
  const onClick = async (e: React.MouseEvent): Promise<void> => {
    if (!token.get()) return;
    e.preventDefault();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token.get()}` } });
    const blobUrl = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = blobUrl;
    a.download = name;
    a.click();
    URL.revokeObjectURL(blobUrl);
  };
  return <a href={url} download={name} onClick={(e) => void onClick(e)}>Download {name}</a>;
}

function MetricsView({ artifact }: { artifact: Artifact }) {
  const rows = scalarMetrics(artifact.metadata);
  return (
    <table className="metrics" aria-label="Metrics">
      <thead><tr><th scope="col">Metric</th><th scope="col">Value</th></tr></thead>
      <tbody>{rows.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{typeof v === 'number' ? Number(v.toPrecision(6)) : v}</td></tr>)}</tbody>
    </table>
  );
}

function Roc({ artifact }: { artifact: Artifact }) {
  const pts = rocCurve(artifact.metadata);
  if (!pts.length) return null;
  const S = 200;
  const path = pts.map((p) => `${(p.fpr * S).toFixed(1)},${((1 - p.tpr) * S).toFixed(1)}`).join(' ');
  return (
    <figure className="roc">
      <svg width={S + 40} height={S + 40} viewBox={`-30 -10 ${S + 40} ${S + 40}`} role="img" aria-label={`ROC curve with ${pts.length} points`}>
        <rect x={0} y={0} width={S} height={S} className="roc-frame" />
        <line x1={0} y1={S} x2={S} y2={0} className="roc-diag" />
        <polyline points={path} className="roc-line" />
        <text x={S / 2} y={S + 24} textAnchor="middle">false positive rate</text>
        <text x={-18} y={S / 2} textAnchor="middle" transform={`rotate(-90 -18 ${S / 2})`}>true positive rate</text>
      </svg>
      <figcaption>ROC curve</figcaption>
    </figure>
  );
}

function ConfusionView({ artifact }: { artifact: Artifact }) {
  const cm = confusionMatrix(artifact.metadata);
  const max = Math.max(1, ...(cm?.rows.flat() ?? [1]));
  return (
    <div className="classification">
      {cm ? (
        <table className="confusion" aria-label="Confusion matrix">
          <caption>Confusion matrix (rows: actual, columns: predicted)</caption>
          <thead><tr><td />{cm.labels.map((l) => <th scope="col" key={l}>{l}</th>)}</tr></thead>
          <tbody>
            {cm.labels.map((l, i) => (
              <tr key={l}><th scope="row">{l}</th>
                {cm.labels.map((_, j) => {
                  const v = cm.rows[i]?.[j] ?? 0;
                  return <td key={j} style={{ background: `rgba(37, 99, 235, ${(0.08 + 0.6 * v / max).toFixed(2)})` }}>{v}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p className="note">No confusion matrix logged.</p>}
      <Roc artifact={artifact} />
    </div>
  );
}

function HtmlView({ runId, artifact }: { runId: string; artifact: Artifact }) {
  const c = useContent(runId, artifact.uri, CAPS.html);
  if (c.error) return <p className="error">{c.error}</p>;
  if (c.text === undefined) return <p>Loading…</p>;
  // sandbox="" : no scripts, no same-origin, no forms, no top navigation; the report cannot reach the UI or the API.
  return (
    <>
      {c.truncated && <p className="note">Cut at {CAPS.html >> 20} MiB.</p>}
      <iframe className="html-artifact" title={`HTML artifact ${artifact.uri.split('/').pop() ?? ''}`} sandbox="" srcDoc={c.text} />
    </>
  );
}

function MarkdownView({ runId, artifact }: { runId: string; artifact: Artifact }) {
  const c = useContent(runId, artifact.uri, CAPS.markdown);
  if (c.error) return <p className="error">{c.error}</p>;
  if (c.text === undefined) return <p>Loading…</p>;
  const html = DOMPurify.sanitize(marked.parse(c.text, { async: false }));
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

function DatasetView({ runId, artifact }: { runId: string; artifact: Artifact }) {
  const c = useContent(runId, artifact.uri, CAPS.dataset);
  if (c.error) return <p className="note">No preview: {c.error}</p>;
  if (c.text === undefined) return <p>Loading…</p>;
  const table: Table = parseHead(artifact.uri, c.text, HEAD_ROWS, c.truncated);
  return (
    <div className="table-wrap">
      <table className="dataset" aria-label="Dataset head">
        <caption>First {table.rows.length} rows{c.truncated ? ` (preview of the first ${CAPS.dataset >> 10} KiB)` : ''}</caption>
        <thead><tr>{table.columns.map((col, i) => <th scope="col" key={i}>{col}</th>)}</tr></thead>
        <tbody>{table.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{v}</td>)}</tr>)}</tbody>
      </table>
    </div>
  );
}

export function ArtifactView({ runId, name, artifact }: { runId: string; name: string; artifact: Artifact }) {
  const type = artifact.type ?? 'system.Artifact';
  let preview;
  if (type === 'system.Metrics') preview = <MetricsView artifact={artifact} />;
  else if (type === 'system.ClassificationMetrics') preview = <ConfusionView artifact={artifact} />;
  else if (type === 'system.HTML') preview = <HtmlView runId={runId} artifact={artifact} />;
  else if (type === 'system.Markdown') preview = <MarkdownView runId={runId} artifact={artifact} />;
  else if (type === 'system.Dataset') preview = <DatasetView runId={runId} artifact={artifact} />;
  const isMetrics = type === 'system.Metrics' || type === 'system.ClassificationMetrics';
  return (
    <section className="artifact" aria-label={`Artifact ${name}`} data-artifact-type={type}>
      <h4>{name} <span className="type">{type.replace(/^system\./, '')}</span></h4>
      {preview}
      {!isMetrics && <MetadataTable metadata={artifact.metadata} />}
      <p className="uri"><code>{artifact.uri}</code> · <Download runId={runId} artifact={artifact} /></p>
    </section>
  );
}
