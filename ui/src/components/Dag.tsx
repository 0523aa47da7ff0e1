// The run graph as SVG: boxes coloured by state, durations, cached/skipped marks, loops and sub-DAGs that expand.
// Each node is a button (keyboard: Tab to it, Enter selects; the expand toggle is its own button).
import { useMemo } from 'react';
import { buildGraph, countsText, formatDuration, STATE_LABEL, type GraphNode } from '../lib/graph';
import { placeGraph } from '../lib/layout';
import type { Json, TaskDetail } from '../lib/types';

interface Props {
  tasks: TaskDetail[];
  spec?: Record<string, Json>;
  expanded: ReadonlySet<string>;
  selected?: string;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}

function nodeTitle(n: GraphNode): string {
  const parts = [`${n.label}: ${n.phase ?? STATE_LABEL[n.state]}`];
  if (n.durationMs !== undefined) parts.push(formatDuration(n.durationMs));
  if (n.counts) parts.push(countsText(n.counts));
  if (n.reason) parts.push(n.reason);
  return parts.join(' · ');
}

export function Dag({ tasks, spec, expanded, selected, onSelect, onToggle }: Props) {
  const graph = useMemo(() => buildGraph(tasks, spec, expanded), [tasks, spec, expanded]);
  const placed = useMemo(() => placeGraph(graph), [graph]);
  const groups = graph.nodes.filter((n) => n.expanded);
  const leaves = graph.nodes.filter((n) => !n.expanded);
  return (
    <div className="dag-scroll">
      <svg className="dag" width={placed.width} height={placed.height} role="group" aria-label="Pipeline graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="arrow" />
          </marker>
        </defs>
        {groups.map((n) => {
          const b = placed.boxes.get(n.id);
          if (!b) return null;
          return (
            <g key={n.id} className={`group state-${n.state}`}>
              <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={8} />
              <foreignObject x={b.x + 4} y={b.y + 2} width={Math.max(120, b.w - 8)} height={24}>
                <button type="button" className="group-label" onClick={() => onToggle(n.id)} aria-expanded="true" title={nodeTitle(n)}>
                  ▾ {n.label} {n.counts ? `(${countsText(n.counts)})` : ''}
                </button>
              </foreignObject>
            </g>
          );
        })}
        {placed.edges.map((e) => (
          <polyline key={`${e.from}->${e.to}`} className="edge" points={e.points.map((p) => `${p.x},${p.y}`).join(' ')} markerEnd="url(#arrow)" />
        ))}
        {leaves.map((n) => {
          const b = placed.boxes.get(n.id);
          if (!b) return null;
          return (
            <foreignObject key={n.id} x={b.x} y={b.y} width={b.w} height={b.h}>
              <div className={`node state-${n.state}${n.phase === 'Cached' ? ' cached' : ''}${selected === n.id ? ' selected' : ''}`} data-task-id={n.id} data-state={n.state}>
                <button type="button" className="node-main" onClick={() => onSelect(n.id)} title={nodeTitle(n)} aria-pressed={selected === n.id}>
                  <span className="node-label">{n.label}</span>
                  <span className="node-meta">
                    {n.phase ?? STATE_LABEL[n.state]}
                    {n.durationMs !== undefined ? ` · ${formatDuration(n.durationMs)}` : ''}
                    {n.counts ? ` · ${countsText(n.counts)}` : ''}
                  </span>
                </button>
                {n.expandable && (
                  <button type="button" className="expand" onClick={() => onToggle(n.id)} aria-expanded="false" aria-label={`Expand ${n.label}`}>▸</button>
                )}
              </div>
            </foreignObject>
          );
        })}
      </svg>
      {graph.hidden > 0 && <p className="note">{graph.hidden} more loop iterations not drawn (see the counts on the loop).</p>}
    </div>
  );
}
