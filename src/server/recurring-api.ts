// KFP's RecurringRunService (v2beta1) on RecurringRun objects: create, get, list (experiment or namespace, filter,
// sort, pages), enable, disable, delete. Authorized as `recurringruns.pipewright.dev` in the object's namespace;
// a recurring run from a pipeline version also needs `get pipelines` there.
import type { RecurringRunObject } from '../controller/recurring-types.js';
import type { Authorizer, Caller, Verb } from './auth.js';
import type { KfpRecurringRun } from './kfp-types.js';
import { LABEL_EXPERIMENT_ID, listPage, type ListQuery } from './mapping.js';
import { recurringFromKfp, recurringToKfp } from './recurring-mapping.js';
import { parseJsonBody, resolveRunSource } from './run-source.js';
import type { KubeStore } from './store.js';

export interface RouteRequest {
  caller: Caller;
  query: URLSearchParams;
  body: Buffer;
  contentType?: string;
}

export type RouteHandler = (r: RouteRequest, params: string[]) => Promise<unknown>;

export class RecurringApi {
  constructor(private readonly store: KubeStore, private readonly auth: Authorizer, private readonly defaultNamespace: string) {}

  /** [method, path under /apis/v2beta1, handler]; `id` is the path parameter pattern of the server. */
  routes(id: string): [string, string, RouteHandler][] {
    return [
      ['POST', '/recurringruns', (q) => this.create(q)],
      ['GET', '/recurringruns', (q) => this.list(q)],
      ['GET', `/recurringruns/${id}`, async (q, [x]) => recurringToKfp(await this.find(q, x!, 'get'))],
      ['POST', `/recurringruns/${id}:enable`, (q, [x]) => this.setSuspended(q, x!, false)],
      ['POST', `/recurringruns/${id}:disable`, (q, [x]) => this.setSuspended(q, x!, true)],
      ['DELETE', `/recurringruns/${id}`, async (q, [x]) => {
        await this.store.deleteRecurring(await this.find(q, x!, 'delete'));
        return {};
      }],
    ];
  }

  private async find(q: RouteRequest, id: string, verb: Verb): Promise<RecurringRunObject> {
    const rr = await this.store.findRecurring(id);
    await this.auth.authorize(q.caller, verb, 'recurringruns', rr.metadata!.namespace!);
    return rr;
  }

  private async create(q: RouteRequest): Promise<KfpRecurringRun> {
    const body = parseJsonBody<KfpRecurringRun>(q.body, 'recurring run');
    const { namespace, experimentId, refs } = await resolveRunSource(this.store, (ns) => this.auth.authorize(q.caller, 'get', 'pipelines', ns),
      body, body.namespace || q.query.get('namespace') || this.defaultNamespace, 'recurring run');
    await this.auth.authorize(q.caller, 'create', 'recurringruns', namespace);
    const rr = recurringFromKfp(body, { namespace, experimentId, ...refs });
    return recurringToKfp(await this.store.createRecurring(rr));
  }

  private async list(q: RouteRequest): Promise<unknown> {
    const experimentId = q.query.get('experiment_id');
    let namespace = q.query.get('namespace') || this.defaultNamespace;
    let selector: string | undefined;
    if (experimentId) {
      namespace = (await this.store.findExperiment(experimentId)).metadata!.namespace!;
      selector = `${LABEL_EXPERIMENT_ID}=${experimentId}`;
    }
    await this.auth.authorize(q.caller, 'list', 'recurringruns', namespace);
    const get = (k: string): string | undefined => q.query.get(k) ?? undefined;
    const lq: ListQuery = { filter: get('filter'), sort_by: get('sort_by'), page_size: get('page_size'), page_token: get('page_token') };
    const page = listPage((await this.store.listRecurring(namespace, selector)).map(recurringToKfp), lq);
    // The generated client reads the list under its proto JSON name (recurringRuns); both spellings are sent.
    return { recurringRuns: page.items, recurring_runs: page.items, total_size: page.total, next_page_token: page.nextPageToken };
  }

  private async setSuspended(q: RouteRequest, id: string, suspend: boolean): Promise<object> {
    const rr = await this.find(q, id, 'update');
    if (rr.spec?.suspend !== suspend) await this.store.patchRecurring(rr, { spec: { suspend } });
    return {};
  }
}
