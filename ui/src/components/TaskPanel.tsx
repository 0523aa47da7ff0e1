// The selected task: state and reason, pod, inputs (bindings from the spec), outputs (values and artifact
// previews), its events and its logs (followed while the task runs).
import { useState } from 'react';
import type { RunEvent } from '../lib/api';
import { durationMs, formatDuration } from '../lib/graph';
import { specTaskOf } from '../lib/spec';
import type { Json, TaskDetail } from '../lib/types';
import { ArtifactView } from './ArtifactView';
import { StateBadge, Time } from './common';
import { TaskLogs } from './TaskLogs';

function valueText(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function TaskPanel({ runId, task, spec, events, onClose }: { runId: string; task: TaskDetail; spec?: Record<string, Json>; events: RunEvent[]; onClose: () => void }) {
  const [tab, setTab] = useState<'details' | 'logs' | 'events'>('details');
  const st = specTaskOf(spec, task.task_id);
  const node = task.pipewright_node;
  const params = Object.entries(task.pipewright_outputs?.parameters ?? {});
  const artifacts = Object.entries(task.pipewright_outputs?.artifacts ?? {});
  const mine = events.filter((e) => (task.pod_name && e.object.endsWith(`/${task.pod_name}`)) || e.message.includes(task.task_id));
  const tabs = [['details', 'Details'], ['logs', 'Logs'], ['events', `Events (${mine.length})`]] as const;
  return (
    <aside className="task-panel" aria-label={`Task ${task.display_name ?? task.task_id}`}>
      <div className="panel-head">
        <h2>{st?.displayName ?? task.display_name ?? task.task_id}</h2>
        <button type="button" onClick={onClose} aria-label="Close task panel">✕</button>
      </div>
      <p><StateBadge state={task.state} phase={node?.phase} /> {formatDuration(durationMs(task, Date.now()))}</p>
      {(node?.message ?? task.error?.message) && <p className="reason">{node?.reason ? `${node.reason}: ` : ''}{node?.message ?? task.error?.message}</p>}
      <div role="tablist" aria-label="Task" className="tabs">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} onClick={() => setTab(id)}>{label}</button>
        ))}
      </div>
      {tab === 'details' && (
        <div role="tabpanel">
          <table className="kv"><tbody>
            <tr><th scope="row">Task id</th><td><code>{task.task_id}</code></td></tr>
            <tr><th scope="row">Pod</th><td>{task.pod_name ? <code>{task.pod_name}</code> : '—'}</td></tr>
            <tr><th scope="row">Started</th><td><Time iso={task.start_time} /></td></tr>
            <tr><th scope="row">Finished</th><td><Time iso={task.end_time} /></td></tr>
            {node?.attempt ? <tr><th scope="row">Attempt</th><td>{node.attempt}</td></tr> : null}
            {st?.condition && <tr><th scope="row">Runs if</th><td><code>{st.condition}</code></td></tr>}
          </tbody></table>
          <h3>Inputs</h3>
          {st && Object.keys(st.inputs).length ? (
            <table className="kv"><tbody>
              {Object.entries(st.inputs).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{v}</td></tr>)}
            </tbody></table>
          ) : <p className="note">None.</p>}
          <h3>Outputs</h3>
          {params.length ? (
            <table className="kv"><tbody>
              {params.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{valueText(v)}</td></tr>)}
            </tbody></table>
          ) : null}
          {artifacts.flatMap(([k, list]) => list.map((a, i) => <ArtifactView key={`${k}-${i}`} runId={runId} name={k} artifact={a} />))}
          {!params.length && !artifacts.length && <p className="note">None yet.</p>}
        </div>
      )}
      {tab === 'logs' && <div role="tabpanel">{task.pod_name ? <TaskLogs key={`${runId}/${task.task_id}`} runId={runId} taskId={task.task_id} running={task.state === 'RUNNING' || task.state === 'PENDING'} /> : <p className="note">This node has no pod (a DAG, a skipped or cached task).</p>}</div>}
      {tab === 'events' && (
        <div role="tabpanel">
          {mine.length ? <ul className="events">{mine.map((e, i) => <li key={i} className={e.type === 'Warning' ? 'warning' : ''}><strong>{e.reason}</strong> {e.message}</li>)}</ul> : <p className="note">No events.</p>}
        </div>
      )}
    </aside>
  );
}
