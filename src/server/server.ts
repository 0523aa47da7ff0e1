// `pipewright server`: KFP's v2beta1 REST API (the part kfp.Client uses) over PipelineRuns, Pipeline objects and
// experiment ConfigMaps. Routing and HTTP here; the translation is mapping.ts, the Kubernetes calls store.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { PipelineError, formatDiagnostic } from '../model/diagnostics.js';
import type { JsonObject } from '../model/types.js';
import { pipelineFromSource } from '../controller/pipeline-source.js';
import type { PipelineObject, PipelineRunObject } from '../controller/types.js';
import { Authorizer, type Caller, type Resource, type Verb } from './auth.js';
import type { KfpExperiment, KfpPipeline, KfpPipelineVersion, KfpRun } from './kfp-types.js';
import {
  ApiError, GRPC, LABEL_EXPERIMENT_ID, LABEL_STORAGE, badRequest, experimentFromKfp, experimentToKfp, listPage, pipelineObject,
  pipelineNameOf, pipelineToKfp, runFromKfp, runToKfp, specFromYaml, versionObject, versionToKfp, type ListQuery,
} from './mapping.js';
import { multipartFile } from './multipart.js';
import { RunIndex } from './run-index.js';
import { KubeStore, apiErrorOf } from './store.js';
import { parseJsonBody, resolveRunSource } from './run-source.js';
import { UiApi, UiStatic } from './ui.js';
import type { S3Config } from '../artifacts/s3-config.js';
import { retryPatch } from './retry.js';
import { HistoryReader } from './history.js';
import { S3ArtifactStore } from '../artifacts/s3.js';
import { RecurringApi, type RouteHandler, type RouteRequest } from './recurring-api.js';

export interface ServerOptions {
  port: number;
  host: string;
  /** Namespace of calls that name none (the SDK sends none unless Client(namespace=...)). */
  defaultNamespace: string;
  trustLocalCallers: boolean;
  allowAnonymous: boolean;
  /** Token audiences accepted besides the API server's own (e.g. pipelines.kubeflow.org). */
  audiences?: string[];
  /** S3 settings (the controller's) for artifact reads by the web UI; without them those reads answer 501. */
  s3?: S3Config;
  /** The built web UI (default <package>/ui/dist). */
  uiDir?: string;
  /** The controller's pipeline root: with s3, runs whose objects are gone are listed and shown from their history. */
  pipelineRoot?: string;
}

export interface ServerHandle {
  port: number;
  /** Runs by uid, kept by a watch. */
  runs: RunIndex;
  close(): Promise<void>;
}

const MAX_BODY = 16 << 20;
/** KFP services we do not offer: 501, so the SDK's caller learns it is not a typo. */
const UNIMPLEMENTED_SERVICES = /^\/apis\/v2beta1\/(artifacts|visualizations|scheduledworkflows|workflows|auth|filters)(\/|$)/;

type Req = RouteRequest;
type Handler = RouteHandler;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, GRPC.INVALID_ARGUMENT, `request body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const json = parseJsonBody;

const specOfVersion = (v: PipelineObject): JsonObject | undefined => (v.spec?.pipelineYAML ? specFromYaml(v.spec.pipelineYAML) : v.spec?.pipelineSpec);

/** The pipeline must parse and validate before it is stored, so a bad upload fails now, not at its first run. */
function checkPipelineYaml(yaml: string, name: string): void {
  try {
    pipelineFromSource({ pipelineYAML: yaml }, 'uploadfile', name);
  } catch (err) {
    if (err instanceof PipelineError) throw badRequest(err.diagnostics.map((d) => formatDiagnostic(d).replace(/\s*\n\s*/g, ' ')).join('; '));
    throw err;
  }
}

function yamlOfSpec(spec: unknown, where: string): string {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
    throw badRequest(`${where}.pipeline_spec is required (the compiled pipeline as an object); package_url is not fetched by this server: upload the file instead`);
  }
  const s = spec as JsonObject;
  const docs = s.pipeline_spec && typeof s.pipeline_spec === 'object' ? [s.pipeline_spec, ...(s.platform_spec ? [s.platform_spec] : [])] : [s];
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

export class KfpApi {
  private readonly routes: { method: string; re: RegExp; handler: Handler }[] = [];

  constructor(private readonly store: KubeStore, private readonly auth: Authorizer, private readonly opts: Pick<ServerOptions, 'defaultNamespace'>,
    private readonly history?: { reader: HistoryReader; namespacesFor: (uid: string) => string[] }) {
    const id = '([^/:]+)';
    const r = (method: string, path: string, handler: Handler): void => {
      this.routes.push({ method, re: new RegExp(`^/apis/v2beta1${path}$`), handler });
    };
    r('GET', '/healthz', async () => ({ multi_user: true, pipeline_store: 'kubernetes' }));
    // experiments
    r('POST', '/experiments', (q) => this.createExperiment(q));
    r('GET', '/experiments', (q) => this.listExperiments(q));
    r('GET', `/experiments/${id}`, (q, [e]) => this.getExperiment(q, e!));
    r('POST', `/experiments/${id}:archive`, (q, [e]) => this.archiveExperiment(q, e!, true));
    r('POST', `/experiments/${id}:unarchive`, (q, [e]) => this.archiveExperiment(q, e!, false));
    r('DELETE', `/experiments/${id}`, (q, [e]) => this.deleteExperiment(q, e!));
    // pipelines
    r('POST', '/pipelines/upload', (q) => this.upload(q));
    r('POST', '/pipelines/upload_version', (q) => this.uploadVersion(q));
    r('POST', '/pipelines/create', (q) => this.createPipelineAndVersion(q));
    r('POST', '/pipelines', async () => {
      throw badRequest('a pipeline is stored with its first version: use upload_pipeline or POST /apis/v2beta1/pipelines/create with pipeline and pipeline_version');
    });
    r('GET', '/pipelines', (q) => this.listPipelines(q));
    r('GET', `/pipelines/names/${id}`, (q, [n]) => this.pipelineByName(q, decodeURIComponent(n!)));
    r('GET', `/pipelines/${id}`, (q, [p]) => this.getPipeline(q, p!));
    r('DELETE', `/pipelines/${id}`, (q, [p]) => this.deletePipeline(q, p!));
    r('POST', `/pipelines/${id}/versions`, (q, [p]) => this.createVersion(q, p!));
    r('GET', `/pipelines/${id}/versions`, (q, [p]) => this.listVersions(q, p!));
    r('GET', `/pipelines/${id}/versions/${id}`, (q, [p, v]) => this.getVersion(q, p!, v!));
    r('DELETE', `/pipelines/${id}/versions/${id}`, (q, [p, v]) => this.deleteVersion(q, p!, v!));
    // runs
    r('POST', '/runs', (q) => this.createRun(q));
    r('GET', '/runs', (q) => this.listRuns(q));
    r('GET', `/runs/${id}`, (q, [x]) => this.getRun(q, x!));
    r('DELETE', `/runs/${id}`, (q, [x]) => this.deleteRun(q, x!));
    r('POST', `/runs/${id}:terminate`, (q, [x]) => this.terminateRun(q, x!));
    r('POST', `/runs/${id}:archive`, (q, [x]) => this.archiveRun(q, x!, true));
    r('POST', `/runs/${id}:unarchive`, (q, [x]) => this.archiveRun(q, x!, false));
    r('POST', `/runs/${id}:retry`, (q, [x]) => this.retryRun(q, x!));
    for (const [method, path, handler] of new RecurringApi(store, auth, opts.defaultNamespace).routes(id)) r(method, path, handler);
  }

  /** The handler for a method and path, or undefined (404). Exposed for the HTTP layer. */
  route(method: string, path: string): { handler: Handler; params: string[] } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method === method) return { handler: route.handler, params: m.slice(1) };
    }
    return pathMatched ? 'method' : undefined;
  }

  private ns(q: Req, explicit?: string): string {
    return explicit || q.query.get('namespace') || this.opts.defaultNamespace;
  }

  private can(q: Req, verb: Verb, resource: Resource, namespace: string): Promise<void> {
    return this.auth.authorize(q.caller, verb, resource, namespace);
  }

  private list(q: Req): ListQuery {
    const get = (k: string): string | undefined => q.query.get(k) ?? undefined;
    return { filter: get('filter'), sort_by: get('sort_by'), page_size: get('page_size'), page_token: get('page_token') };
  }

  // ------------------------------------------------------------ experiments
  // Experiments group runs: they are authorized as the runs they hold (pipelineruns).

  private async createExperiment(q: Req): Promise<KfpExperiment> {
    const body = json<KfpExperiment>(q.body, 'experiment');
    const namespace = this.ns(q, body.namespace);
    await this.can(q, 'create', 'pipelineruns', namespace);
    return experimentToKfp(await this.store.createExperiment(experimentFromKfp(body, namespace)));
  }

  private async listExperiments(q: Req): Promise<unknown> {
    const namespace = this.ns(q);
    await this.can(q, 'list', 'pipelineruns', namespace);
    const page = listPage((await this.store.listExperiments(namespace)).map(experimentToKfp), this.list(q));
    return { experiments: page.items, total_size: page.total, next_page_token: page.nextPageToken };
  }

  private async getExperiment(q: Req, id: string): Promise<KfpExperiment> {
    const cm = await this.store.findExperiment(id);
    await this.can(q, 'get', 'pipelineruns', cm.metadata!.namespace!);
    return experimentToKfp(cm);
  }

  /** Archiving an experiment archives its runs (as KFP does); unarchiving leaves the runs archived. */
  private async archiveExperiment(q: Req, id: string, archived: boolean): Promise<object> {
    const cm = await this.store.findExperiment(id);
    const namespace = cm.metadata!.namespace!;
    await this.can(q, 'update', 'pipelineruns', namespace);
    const state = archived ? 'ARCHIVED' : 'AVAILABLE';
    await this.store.patchExperiment(cm, { metadata: { labels: { [LABEL_STORAGE]: state } } });
    if (archived) {
      for (const run of await this.store.listRuns(namespace, `${LABEL_EXPERIMENT_ID}=${id}`)) {
        await this.store.patchRun(run, { metadata: { labels: { [LABEL_STORAGE]: state } } });
      }
    }
    return {};
  }

  /** The experiment goes; its runs stay (still listed by namespace) with their experiment id. */
  private async deleteExperiment(q: Req, id: string): Promise<object> {
    const cm = await this.store.findExperiment(id);
    await this.can(q, 'delete', 'pipelineruns', cm.metadata!.namespace!);
    await this.store.deleteExperiment(cm);
    return {};
  }

  // ------------------------------------------------------------ pipelines

  private async createPipelineWithVersion(q: Req, p: { namespace: string; display: string; description?: string; yaml: string; versionName?: string }): Promise<KfpPipeline> {
    const { namespace, display, description, yaml, versionName } = p;
    await this.can(q, 'create', 'pipelines', namespace);
    checkPipelineYaml(yaml, display);
    const parent = await this.store.createPipelineObject(pipelineObject(display, description, namespace, yaml));
    await this.store.createPipelineObject(versionObject(parent, versionName || display, description, yaml));
    return pipelineToKfp(parent);
  }

  private async upload(q: Req): Promise<KfpPipeline> {
    const file = multipartFile(q.contentType, q.body);
    const display = q.query.get('display_name') || q.query.get('name') || file.filename.replace(/\.(ya?ml|json)$/i, '');
    return this.createPipelineWithVersion(q, { namespace: this.ns(q), display, description: q.query.get('description') ?? undefined, yaml: file.content.toString('utf8') });
  }

  private async createPipelineAndVersion(q: Req): Promise<KfpPipeline> {
    const body = json<{ pipeline?: KfpPipeline; pipeline_version?: KfpPipelineVersion }>(q.body, 'request');
    const display = body.pipeline?.display_name || body.pipeline?.name;
    if (!display) throw badRequest('pipeline.display_name is required');
    const yaml = yamlOfSpec(body.pipeline_version?.pipeline_spec, 'pipeline_version');
    return this.createPipelineWithVersion(q, { namespace: this.ns(q, body.pipeline?.namespace), display, description: body.pipeline?.description, yaml, versionName: body.pipeline_version?.display_name });
  }

  private async addVersion(q: Req, parent: PipelineObject, display: string, description: string | undefined, yaml: string): Promise<KfpPipelineVersion> {
    await this.can(q, 'create', 'pipelines', parent.metadata!.namespace!);
    checkPipelineYaml(yaml, display);
    const v = await this.store.createPipelineObject(versionObject(parent, display, description, yaml));
    // The parent always holds the newest version, which is what `pipelineRef: <pipeline name>` runs.
    await this.store.patchPipelineObject(parent, { spec: { pipelineYAML: yaml } });
    return versionToKfp(v, specFromYaml(yaml));
  }

  private async uploadVersion(q: Req): Promise<KfpPipelineVersion> {
    const file = multipartFile(q.contentType, q.body);
    const pipelineId = q.query.get('pipelineid') ?? q.query.get('pipeline_id');
    if (!pipelineId) throw badRequest('pipelineid is required: the id of the pipeline this version belongs to');
    const parent = await this.store.findPipeline(pipelineId);
    const display = q.query.get('display_name') || q.query.get('name') || file.filename.replace(/\.(ya?ml|json)$/i, '');
    return this.addVersion(q, parent, display, q.query.get('description') ?? undefined, file.content.toString('utf8'));
  }

  private async createVersion(q: Req, pipelineId: string): Promise<KfpPipelineVersion> {
    const body = json<KfpPipelineVersion>(q.body, 'pipeline version');
    const parent = await this.store.findPipeline(pipelineId);
    const display = body.display_name || body.name;
    if (!display) throw badRequest('pipeline_version.display_name is required');
    return this.addVersion(q, parent, display, body.description, yamlOfSpec(body.pipeline_spec, 'pipeline_version'));
  }

  private async listPipelines(q: Req): Promise<unknown> {
    const namespace = this.ns(q);
    await this.can(q, 'list', 'pipelines', namespace);
    const page = listPage((await this.store.listPipelines(namespace)).map(pipelineToKfp), this.list(q));
    return { pipelines: page.items, total_size: page.total, next_page_token: page.nextPageToken };
  }

  private async getPipeline(q: Req, id: string): Promise<KfpPipeline> {
    const p = await this.store.findPipeline(id);
    await this.can(q, 'get', 'pipelines', p.metadata!.namespace!);
    return pipelineToKfp(p);
  }

  private async pipelineByName(q: Req, name: string): Promise<KfpPipeline> {
    const namespace = this.ns(q);
    await this.can(q, 'list', 'pipelines', namespace);
    const p = (await this.store.listPipelines(namespace)).map(pipelineToKfp).find((x) => x.display_name === name || x.name === name);
    if (!p) throw new ApiError(404, GRPC.NOT_FOUND, `no pipeline named ${name} in namespace ${namespace}`);
    return p;
  }

  private async deletePipeline(q: Req, id: string): Promise<object> {
    const p = await this.store.findPipeline(id);
    await this.can(q, 'delete', 'pipelines', p.metadata!.namespace!);
    const versions = await this.store.listVersions(p);
    if (versions.length && q.query.get('cascade') !== 'true') {
      throw new ApiError(400, GRPC.FAILED_PRECONDITION, `pipeline ${id} still has ${versions.length} version(s): delete them first, or pass cascade=true`);
    }
    for (const v of versions) await this.store.deletePipelineObject(v);
    await this.store.deletePipelineObject(p);
    return {};
  }

  private async listVersions(q: Req, pipelineId: string): Promise<unknown> {
    const p = await this.store.findPipeline(pipelineId);
    await this.can(q, 'list', 'pipelines', p.metadata!.namespace!);
    const page = listPage((await this.store.listVersions(p)).map((v) => versionToKfp(v, specOfVersion(v))), this.list(q));
    return { pipeline_versions: page.items, total_size: page.total, next_page_token: page.nextPageToken };
  }

  private async version(q: Req, pipelineId: string, versionId: string, verb: Verb): Promise<PipelineObject> {
    const v = await this.store.findVersion(versionId);
    if (v.metadata?.labels?.['pipewright.dev/pipeline-id'] !== pipelineId) throw new ApiError(404, GRPC.NOT_FOUND, `pipeline ${pipelineId} has no version ${versionId}`);
    await this.can(q, verb, 'pipelines', v.metadata!.namespace!);
    return v;
  }

  private async getVersion(q: Req, pipelineId: string, versionId: string): Promise<KfpPipelineVersion> {
    const v = await this.version(q, pipelineId, versionId, 'get');
    return versionToKfp(v, specOfVersion(v));
  }

  private async deleteVersion(q: Req, pipelineId: string, versionId: string): Promise<object> {
    await this.store.deletePipelineObject(await this.version(q, pipelineId, versionId, 'delete'));
    return {};
  }

  // ------------------------------------------------------------ runs

  private async createRun(q: Req): Promise<KfpRun> {
    const body = json<KfpRun>(q.body, 'run');
    const { namespace, experimentId, version, refs } = await resolveRunSource(this.store, (ns) => this.can(q, 'get', 'pipelines', ns), body, this.ns(q), 'run');
    await this.can(q, 'create', 'pipelineruns', namespace);
    const run = runFromKfp(body, { namespace, experimentId, ...refs, pipelineName: pipelineNameOf(version?.spec) });
    return runToKfp(await this.store.createRun(run));
  }

  private async listRuns(q: Req): Promise<unknown> {
    const experimentId = q.query.get('experiment_id');
    let namespace = this.ns(q);
    let selector: string | undefined;
    if (experimentId) {
      namespace = (await this.store.findExperiment(experimentId)).metadata!.namespace!;
      selector = `${LABEL_EXPERIMENT_ID}=${experimentId}`;
    }
    await this.can(q, 'list', 'pipelineruns', namespace);
    const live = await this.store.listRuns(namespace, selector);
    // Runs deleted by their TTL (or by hand) stay listed from their history, archived.
    const gone = (await this.history?.reader.list(namespace, live) ?? []).filter((r) => !experimentId || r.metadata?.labels?.[LABEL_EXPERIMENT_ID] === experimentId);
    const page = listPage([...live, ...gone].map((r) => runToKfp(r, false)), this.list(q));
    return { runs: page.items, total_size: page.total, next_page_token: page.nextPageToken };
  }

  private async run(q: Req, id: string, verb: Verb): Promise<PipelineRunObject> {
    const run = await this.store.findRun(id);
    await this.can(q, verb, 'pipelineruns', run.metadata!.namespace!);
    return run;
  }

  private async getRun(q: Req, id: string): Promise<KfpRun> {
    try {
      return runToKfp(await this.run(q, id, 'get'));
    } catch (err) {
      if (!(err instanceof ApiError) || err.http !== 404 || !this.history) throw err;
      const run = await this.history.reader.find(id, [...this.history.namespacesFor(id), this.opts.defaultNamespace]);
      if (!run) throw err;
      await this.can(q, 'get', 'pipelineruns', run.metadata!.namespace!);
      return runToKfp(run);
    }
  }

  private async deleteRun(q: Req, id: string): Promise<object> {
    const run = await this.run(q, id, 'delete');
    await this.store.deleteRun(run);
    await this.history?.reader.forget(run);
    return {};
  }

  private async terminateRun(q: Req, id: string): Promise<object> {
    await this.store.patchRun(await this.run(q, id, 'update'), { spec: { cancel: true } });
    return {};
  }

  /** spec.retry bumped: the controller runs the tasks that did not succeed again (src/controller/run-retry.ts). */
  private async retryRun(q: Req, id: string): Promise<object> {
    const run = await this.run(q, id, 'update');
    const patch = retryPatch(run);
    if (patch) await this.store.patchRun(run, patch);
    return {};
  }

  private async archiveRun(q: Req, id: string, archived: boolean): Promise<object> {
    await this.store.patchRun(await this.run(q, id, 'update'), { metadata: { labels: { [LABEL_STORAGE]: archived ? 'ARCHIVED' : 'AVAILABLE' } } });
    return {};
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendError(res: ServerResponse, e: ApiError): void {
  // grpc-gateway's error body: google.rpc.Status plus the `error` string older clients read.
  send(res, e.http, { error: e.message, code: e.grpc, message: e.message, details: [] });
}

export async function startServer(kc: k8s.KubeConfig, opts: ServerOptions, logger: Logger): Promise<ServerHandle> {
  const auth = new Authorizer(kc, opts);
  const runs = new RunIndex(kc, opts.defaultNamespace, logger);
  await runs.start();
  const store = new KubeStore(kc, opts.defaultNamespace, runs);
  const history = opts.s3 && opts.pipelineRoot
    ? { reader: new HistoryReader(new S3ArtifactStore(opts.s3), opts.pipelineRoot, logger), namespacesFor: (uid: string) => runs.namespacesFor(uid) }
    : undefined;
  const api = new KfpApi(store, auth, opts, history);
  const ui = new UiStatic(opts.uiDir);
  const uiApi = new UiApi(kc, store, auth, opts.s3);
  if (!ui.built) logger.warn({ dir: ui.dir }, 'the web UI is not built (npm run build): serving the API only');
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      try {
        if (url.pathname === '/healthz' || url.pathname === '/readyz') {
          send(res, 200, { status: 'ok' });
          return;
        }
        if ((method === 'GET' || method === 'HEAD') && !url.pathname.startsWith('/apis/') && ui.serve(url.pathname, res)) return;
        const origin = { host: req.headers.host, origin: req.headers.origin, secFetchSite: req.headers['sec-fetch-site'] as string | undefined };
        if (await uiApi.handle(url.pathname, url.searchParams, () => auth.authenticate(req.headers.authorization, origin), res, req)) return;
        const found = api.route(method, url.pathname);
        if (found === undefined && UNIMPLEMENTED_SERVICES.test(url.pathname)) {
          throw new ApiError(501, GRPC.UNIMPLEMENTED, `${url.pathname.split('/')[3]} are not implemented by pipewright server (see docs/kfp-api.md)`);
        }
        if (found === undefined) throw new ApiError(404, GRPC.NOT_FOUND, `no such endpoint: ${method} ${url.pathname} (see docs/kfp-api.md for what is implemented)`);
        if (found === 'method') throw new ApiError(405, GRPC.UNIMPLEMENTED, `${method} is not supported on ${url.pathname}`);
        const caller = url.pathname === '/apis/v2beta1/healthz' ? ({ kind: 'kubeconfig' } as Caller) : await auth.authenticate(req.headers.authorization, origin);
        const body = method === 'GET' || method === 'DELETE' ? Buffer.alloc(0) : await readBody(req);
        const out = await found.handler({ caller, query: url.searchParams, body, contentType: req.headers['content-type'] }, found.params);
        send(res, 200, out);
        logger.debug({ method, path: url.pathname }, 'kfp api call');
      } catch (err) {
        const e = apiErrorOf(err);
        if (res.headersSent) {
          logger.warn({ method, path: url.pathname, err: e.message }, 'response failed after it started');
          res.destroy();
          return;
        }
        if (e.http >= 500) logger.error({ method, path: url.pathname, err: e.message }, 'kfp api call failed');
        else logger.info({ method, path: url.pathname, status: e.http, err: e.message }, 'kfp api call refused');
        sendError(res, e);
      }
    })();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    await runs.stop();
    throw err;
  }
  return {
    port: (server.address() as AddressInfo).port,
    runs,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runs.stop();
    },
  };
}
