// Runs whose PipelineRun objects are gone (TTL, delete), read back from their history summaries in S3
// (src/controller/run-history.ts) for `list` and `get`. Only with the controller's S3 settings in the environment
// (PIPEWRIGHT_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; PIPEWRIGHT_PIPELINE_ROOT if not the default).
import type { PipelineRunObject } from '../../controller/types.js';
import type { CommandIo } from './options.js';

export interface HistorySource {
  /** Runs of the namespace kept only in history (uid not among `live`). */
  list(namespace: string, live: ReadonlyArray<PipelineRunObject>): Promise<PipelineRunObject[]>;
  /** The newest run of that name kept in history. */
  byName(namespace: string, name: string): Promise<PipelineRunObject | undefined>;
}

/** The history of the S3 settings in `env`, or undefined without them. S3 failures become a warning and no history. */
export async function historySource(env: NodeJS.ProcessEnv, io: Pick<CommandIo, 'stderr'>): Promise<HistorySource | undefined> {
  if (!env.PIPEWRIGHT_S3_ENDPOINT) return undefined;
  const [{ s3ConfigFromEnv }, { S3ArtifactStore }, { pipelineRootFromEnv }, history] = await Promise.all([
    import('../../artifacts/s3-config.js'), import('../../artifacts/s3.js'), import('../../controller/config.js'), import('../../controller/run-history.js'),
  ]);
  const store = new S3ArtifactStore(s3ConfigFromEnv(env), { requestTimeoutMs: 10_000, retries: 1 });
  const root = pipelineRootFromEnv(env);
  const guarded = async <T>(what: string, f: () => Promise<T>, none: T): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      io.stderr.write(`warning: cannot read run history (${what}) from ${root}: ${err instanceof Error ? err.message : String(err)}\n`);
      return none;
    }
  };
  return {
    list: (namespace, live) => guarded(namespace, () => history.historyRuns(store, root, namespace, live), []),
    byName: (namespace, name) => guarded(namespace, async () => {
      const h = (await history.listHistory(store, root, namespace)).find((x) => x.name === name);
      return h ? history.runFromHistory(h, history.historyUri(root, namespace, h.uid)) : undefined;
    }, undefined),
  };
}
