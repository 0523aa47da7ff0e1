// Positions for the run graph (dagre, top to bottom); expanded nodes are clusters around their children.
import { Graph, layout } from '@dagrejs/dagre';
import type { GraphEdge, RunGraph } from './graph';

export const NODE_W = 190;
export const NODE_H = 54;

export interface Box { id: string; x: number; y: number; w: number; h: number }
export interface Placed {
  boxes: Map<string, Box>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

/**
 * dagre cannot route edges to a cluster: an edge into an expanded node goes to its children that nothing inside
 * depends on (its sources), an edge out of it leaves from its sinks (recursively, for clusters in clusters).
 */
export function edgesForLayout(graph: RunGraph): GraphEdge[] {
  const expanded = new Set(graph.nodes.filter((n) => n.expanded).map((n) => n.id));
  const childrenOf = new Map<string, string[]>();
  for (const n of graph.nodes) if (n.parent) childrenOf.set(n.parent, [...(childrenOf.get(n.parent) ?? []), n.id]);
  const ends = (id: string, side: 'sources' | 'sinks'): string[] => {
    if (!expanded.has(id)) return [id];
    const kids = childrenOf.get(id) ?? [];
    const inner = graph.edges.filter((e) => kids.includes(e.from) && kids.includes(e.to));
    const picked = kids.filter((k) => !inner.some((e) => (side === 'sources' ? e.to : e.from) === k));
    return picked.flatMap((k) => ends(k, side));
  };
  const out: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const e of graph.edges) {
    for (const from of ends(e.from, 'sinks')) {
      for (const to of ends(e.to, 'sources')) {
        const key = `${from}\0${to}`;
        if (from !== to && !seen.has(key)) {
          seen.add(key);
          out.push({ from, to });
        }
      }
    }
  }
  return out;
}

export function placeGraph(graph: RunGraph): Placed {
  const g = new Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    g.setNode(n.id, n.expanded ? { paddingTop: 28 } : { width: NODE_W, height: NODE_H });
  }
  for (const n of graph.nodes) if (n.parent) g.setParent(n.id, n.parent);
  for (const e of edgesForLayout(graph)) g.setEdge(e.from, e.to);
  // An expanded node with no drawn children still needs a size.
  for (const n of graph.nodes) if (n.expanded && !(g.children(n.id) ?? []).length) g.node(n.id).width = NODE_W;
  layout(g);
  const boxes = new Map<string, Box>();
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number } | undefined;
    if (n) boxes.set(id, { id, x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height });
  }
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: ((g.edge(e) as { points?: { x: number; y: number }[] }).points ?? []) }));
  const label = g.graph() as { width?: number; height?: number };
  return { boxes, edges, width: label.width ?? 0, height: label.height ?? 0 };
}
