// The full node detail of a run whose status holds only part of it (see boundNodes): a JSON object in S3 that the
// controller writes before the status naming it, and reads back when it resumes. Its key is outside every task
// root (`@` is not a key segment a task can have), so no task can overwrite the facts the controller resumes from.
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifacts/store.js';
import { checkSegment } from '../artifacts/keys.js';
import type { RunContext } from '../engine/state.js';
import { mergeNodes, type RunStatus, type StatusNode } from './status.js';

interface NodesDoc {
  nodes: Record<string, StatusNode>;
}

export function nodesDocUri(run: RunContext): string {
  const root = run.pipelineRoot.endsWith('/') ? run.pipelineRoot.slice(0, -1) : run.pipelineRoot;
  return `${root}/${checkSegment(run.namespace, 'namespace')}/${checkSegment(run.name, 'run name')}/@status/nodes-${checkSegment(run.uid, 'run uid')}.json`;
}

export class NodeDocs {
  /** By run uid: the last document this process wrote or read. */
  private readonly docs = new Map<string, { revision: string; nodes: Record<string, StatusNode> }>();

  constructor(private readonly store: ArtifactStore) {}

  /** Every node of the status: the inline ones, merged over the document at nodesRef when there is one. */
  async allNodes(uid: string, status: RunStatus): Promise<Record<string, StatusNode>> {
    const inline = status.nodes ?? {};
    if (!status.nodesRef) return inline;
    let doc = this.docs.get(uid);
    if (!doc || doc.revision !== status.nodesSummary?.revision) {
      const read = await this.store.getJson<NodesDoc>(status.nodesRef);
      doc = { revision: status.nodesSummary?.revision ?? '', nodes: read.nodes ?? {} };
      this.docs.set(uid, doc);
    }
    return mergeNodes(doc.nodes, inline);
  }

  /** Writes the document unless this process wrote the same one last; returns its revision. */
  async save(uid: string, uri: string, nodes: Record<string, StatusNode>): Promise<string> {
    const body = JSON.stringify({ nodes } satisfies NodesDoc);
    const revision = createHash('sha256').update(body).digest('hex').slice(0, 16);
    if (this.docs.get(uid)?.revision === revision) return revision;
    await this.store.putJson(uri, { nodes } satisfies NodesDoc);
    this.docs.set(uid, { revision, nodes });
    return revision;
  }

  forget(uid: string): void {
    this.docs.delete(uid);
  }
}
