// Runs whose PipelineRun objects are gone (TTL, or deleted by hand with kubectl) read back from their history summaries in S3
// (src/controller/run-history.ts), for the run list and get. Summaries do not change once their run is gone, so
// each is fetched once and kept (bounded); a listing costs one LIST request.
import type { Logger } from 'pino';
import type { ArtifactStore } from '../artifacts/s3.js';
import { HISTORY_VERSION, historyDir, historyUri, runFromHistory, type RunHistory } from '../controller/run-history.js';
import type { PipelineRunObject } from '../controller/types.js';

const MAX_CACHED = 20_000;

export class HistoryReader {
  private readonly cache = new Map<string, RunHistory>();

  constructor(private readonly store: ArtifactStore, private readonly pipelineRoot: string, private readonly logger: Logger) {}

  private async read(uri: string): Promise<RunHistory | undefined> {
    const hit = this.cache.get(uri);
    if (hit) return hit;
    const h = await this.store.getJson<RunHistory>(uri);
    if (h?.apiVersion !== HISTORY_VERSION) return undefined;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(uri, h);
    return h;
  }

  /** The namespace's runs kept only in history (uid not among `live`); on an S3 failure none, with a warning. */
  async list(namespace: string, live: ReadonlyArray<PipelineRunObject>): Promise<PipelineRunObject[]> {
    const uids = new Set(live.map((r) => r.metadata?.uid));
    try {
      const uris = (await this.store.list(historyDir(this.pipelineRoot, namespace))).filter((u) => u.endsWith('.json'));
      const wanted = uris.filter((u) => !uids.has(u.slice(u.lastIndexOf('/') + 1, -'.json'.length)));
      const found = await Promise.all(wanted.map(async (u) => ({ u, h: await this.read(u) })));
      return found.filter((x) => x.h && !uids.has(x.h.uid)).map((x) => runFromHistory(x.h!, x.u));
    } catch (err) {
      this.logger.warn({ namespace, err: err instanceof Error ? err.message : String(err) }, 'run history unreadable: listing live runs only');
      return [];
    }
  }

  /**
   * A run deleted through the API (KFP's delete_run) is gone for good: its summary goes too, so get and list stop
   * showing it. Runs deleted by their TTL keep theirs.
   */
  async forget(run: PipelineRunObject): Promise<void> {
    const uri = historyUri(this.pipelineRoot, run.metadata!.namespace!, run.metadata!.uid!);
    this.cache.delete(uri);
    await this.store.removeObject(uri);
  }

  /** A run by uid from the history of the first of `namespaces` that has it. */
  async find(uid: string, namespaces: Iterable<string>): Promise<PipelineRunObject | undefined> {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(uid)) return undefined;
    for (const ns of new Set(namespaces)) {
      const uri = historyUri(this.pipelineRoot, ns, uid);
      try {
        if (!this.cache.has(uri) && !(await this.store.exists(uri))) continue;
        const h = await this.read(uri);
        if (h) return runFromHistory(h, uri);
      } catch (err) {
        this.logger.warn({ namespace: ns, err: err instanceof Error ? err.message : String(err) }, 'run history unreadable');
      }
    }
    return undefined;
  }
}
