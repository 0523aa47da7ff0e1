// The cluster commands' view of Kubernetes: the kubeconfig chosen by --kubeconfig/--context/-n, PipelineRun and
// Pipeline calls, and API failures turned into messages a person can act on (not found → similar names; forbidden →
// which verb on which resource).
import * as k8s from '@kubernetes/client-node';
import { apiMessage, code } from '../../controller/kube-ops.js';
import { GROUP, PIPELINE_PLURAL, RUN_PLURAL, VERSION } from '../../controller/names.js';
import type { PipelineObject, PipelineRunObject } from '../../controller/types.js';
import { experimentFromKfp, experimentObjectName } from '../../server/mapping.js';
import { CliError, EXIT, forbiddenMessage, notFoundMessage, similarNames, userOf, type Denied } from './errors.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

type Plural = typeof RUN_PLURAL | typeof PIPELINE_PLURAL;
const KIND: Record<Plural, string> = { pipelineruns: 'PipelineRun', pipelines: 'Pipeline' };

export class Cluster {
  readonly custom: k8s.CustomObjectsApi;
  readonly core: k8s.CoreV1Api;
  /** The namespace of commands that name none: -n, else the context's, else "default". */
  readonly namespace: string;

  constructor(readonly kc: k8s.KubeConfig, namespace: string) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.namespace = namespace;
  }

  /** Runs a call; a failure becomes a CliError naming what was attempted. */
  async call<T>(what: Denied & { name?: string }, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw await this.explain(err, what);
    }
  }

  private async explain(err: unknown, what: Denied & { name?: string }): Promise<CliError> {
    const c = code(err);
    const msg = apiMessage(err);
    if (c === 403) return new CliError(forbiddenMessage(what, msg, userOf(msg)), EXIT.denied);
    if (c === 401) return new CliError(`the cluster rejected the credentials of context "${this.kc.getCurrentContext()}" (401: ${msg}); log in again or pick another --context`, EXIT.denied);
    if (c === 404 && what.name && (what.resource === RUN_PLURAL || what.resource === PIPELINE_PLURAL)) {
      const plural = what.resource as Plural;
      const ns = what.namespace ?? this.namespace;
      const names = await this.listNames(plural, ns);
      return new CliError(notFoundMessage(KIND[plural], what.name, ns, similarNames(what.name, names), `pipewright list -n ${ns}`), EXIT.notFound);
    }
    if (c === 404 && /the server could not find the requested resource/i.test(msg)) {
      return new CliError(`the cluster has no ${what.resource}.${what.group ?? ''} API: install Pipewright's CRDs (kubectl apply -k deploy/ or the Helm chart)`, EXIT.notFound);
    }
    if (c === 404) return new CliError(`${what.resource} ${what.name ?? ''} not found${what.namespace ? ` in namespace "${what.namespace}"` : ''}: ${msg}`, EXIT.notFound);
    if (c === 409) return new CliError(`${what.resource} ${what.name ?? ''} already exists in namespace "${what.namespace}": choose another --name, or use --generate-name`, EXIT.failed);
    if (c === 422 || c === 400) return new CliError(`the cluster refused the ${KIND[what.resource as Plural] ?? what.resource}: ${msg}`, EXIT.badInput);
    if (c === undefined) {
      const server = this.kc.getCurrentCluster()?.server ?? '(no server)';
      const detail = err instanceof Error ? `${err.message}${(err as { cause?: Error }).cause ? ` (${(err as { cause?: Error }).cause!.message})` : ''}` : String(err);
      return new CliError(`cannot reach the Kubernetes API at ${server} (context "${this.kc.getCurrentContext()}"): ${detail}; check --kubeconfig and --context`, EXIT.unreachable);
    }
    return new CliError(`${what.verb} ${what.resource}: ${msg} (HTTP ${c})`, EXIT.failed);
  }

  /** Names for "did you mean"; none when even listing is not allowed. */
  private async listNames(plural: Plural, namespace: string): Promise<string[]> {
    try {
      const l = (await this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace })) as { items: k8s.KubernetesObject[] };
      return l.items.map((o) => o.metadata?.name ?? '');
    } catch {
      return [];
    }
  }

  // ------------------------------------------------------------ runs

  listRuns(namespace: string | undefined): Promise<PipelineRunObject[]> {
    const base = { group: GROUP, version: VERSION, plural: RUN_PLURAL };
    return this.call({ verb: 'list', resource: RUN_PLURAL, group: GROUP, namespace }, async () => ((namespace
      ? await this.custom.listNamespacedCustomObject({ ...base, namespace })
      : await this.custom.listClusterCustomObject(base)) as { items: PipelineRunObject[] }).items);
  }

  getRun(name: string, namespace = this.namespace): Promise<PipelineRunObject> {
    return this.call({ verb: 'get', resource: RUN_PLURAL, group: GROUP, namespace, name }, async () =>
      (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace, name })) as PipelineRunObject);
  }

  createRun(run: PipelineRunObject, namespace = this.namespace, dryRun = false): Promise<PipelineRunObject> {
    return this.call({ verb: 'create', resource: RUN_PLURAL, group: GROUP, namespace, name: run.metadata?.name }, async () =>
      (await this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace, body: run, ...(dryRun ? { dryRun: 'All' } : {}) })) as PipelineRunObject);
  }

  patchRun(name: string, patch: object, namespace = this.namespace): Promise<PipelineRunObject> {
    return this.call({ verb: 'patch', resource: RUN_PLURAL, group: GROUP, namespace, name }, async () =>
      (await this.custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace, name, body: patch },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )) as PipelineRunObject);
  }

  async deleteRun(name: string, namespace = this.namespace): Promise<void> {
    await this.call({ verb: 'delete', resource: RUN_PLURAL, group: GROUP, namespace, name }, () =>
      this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: RUN_PLURAL, namespace, name }));
  }

  getPipeline(name: string, namespace = this.namespace): Promise<PipelineObject> {
    return this.call({ verb: 'get', resource: PIPELINE_PLURAL, group: GROUP, namespace, name }, async () =>
      (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PIPELINE_PLURAL, namespace, name })) as PipelineObject);
  }

  // ------------------------------------------------------------ experiments

  /**
   * The id (uid) of the experiment with this display name, created when missing: the same ConfigMap
   * `pipewright server` keeps for KFP's experiments, so the run shows under it in kfp.Client and the UI.
   */
  async experimentId(display: string, namespace = this.namespace): Promise<string> {
    const name = experimentObjectName(display);
    const what = { verb: 'get', resource: 'configmaps', namespace, name };
    try {
      return (await this.core.readNamespacedConfigMap({ name, namespace })).metadata!.uid!;
    } catch (err) {
      if (code(err) !== 404) throw await this.explain(err, what);
    }
    try {
      return (await this.core.createNamespacedConfigMap({ namespace, body: experimentFromKfp({ display_name: display }, namespace) })).metadata!.uid!;
    } catch (err) {
      // Created meanwhile by someone else: theirs is the experiment.
      if (code(err) === 409) return this.call(what, async () => (await this.core.readNamespacedConfigMap({ name, namespace })).metadata!.uid!);
      throw await this.explain(err, { ...what, verb: 'create' });
    }
  }

  /** A path for k8s.Watch: one run (by field selector) or all in a namespace. */
  runsPath(namespace: string): string {
    return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${RUN_PLURAL}`;
  }
}

/** Loads the kubeconfig as kubectl does: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
export function connect(flags: ClusterFlags): Cluster {
  const kc = new k8s.KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new CliError(`cannot read the kubeconfig ${flags.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${(e as Error).message}`, EXIT.badInput);
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new CliError(`--context ${flags.context}: no such context in the kubeconfig (it has: ${known.join(', ') || 'none'})`, EXIT.badInput);
    }
    kc.setCurrentContext(flags.context);
  }
  if (!kc.getCurrentCluster()) throw new CliError('no cluster in the kubeconfig: pass --kubeconfig FILE or set KUBECONFIG', EXIT.badInput);
  const namespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return new Cluster(kc, namespace);
}
