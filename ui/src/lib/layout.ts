// Positions for the run graph (dagre, top to bottom); expanded nodes are clusters around their children.
import { Graph, layout } from '@dagrejs/dagre';
import type { RunGraph } from './graph';

export const NODE_W = 190;
export const NODE_H = 54;

export interface Box { id: string; x: number; y: number; w: number; h: number }
export interface Placed {
  boxes: Map<string, Box>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export function placeGraph(graph: RunGraph): Placed {
  const g = new Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    g.setNode(n.id, n.expanded ? { paddingTop: 28 } : { width: NODE_W, height: NODE_H });
  }
  for (const n of graph.nodes) if (n.parent) g.setParent(n.id, n.parent);
  for (const e of graph.edges) g.setEdge(e.from, e.to);
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
