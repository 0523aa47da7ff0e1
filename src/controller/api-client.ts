// API clients that reuse connections. client-node (1.x with an https.Agent, 2.x with an undici Agent) builds a new
// connection pool for every request, so each call pays a TCP connect and a TLS handshake. Measured on the test
// cluster (bench/controller.ts): with 1.x, 1,000 pods took ~38 s that way and ~12 s through one keep-alive agent;
// with 2.0.1 under Node 24 (docs/adr/0001, a loaded machine), the 1,001-pod fan-out took 147 s per-request against
// 113 s pooled on 1.x (7.0 against 10.0 pods/s), with 80-180 MiB more RSS. The kubeconfig still authenticates every request (headers, tokens,
// exec plugins, re-read certificate files); only the connection pool is shared, one per distinct TLS identity.
import * as k8s from '@kubernetes/client-node';
import { Agent, request, type Dispatcher } from 'undici';

/** Most connections to the apiserver at once; further requests wait for a free one. */
export const MAX_SOCKETS = 64;

function identity(options: unknown): string {
  return JSON.stringify(options, (_k, v: unknown) =>
    (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)
      ? Buffer.from((v as { data: number[] }).data).toString('base64') : v));
}

class PooledAuth implements k8s.SecurityAuthentication {
  private pool: { id: string; dispatcher: Dispatcher } | undefined;

  constructor(private readonly kc: k8s.KubeConfig) {}

  getName(): string {
    return 'pooled-kubeconfig';
  }

  async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    const cluster = this.kc.getCurrentCluster();
    if (!context.getDispatcher() || cluster?.proxyUrl) return; // plain http and proxies keep client-node's behaviour
    const tls: Record<string, unknown> = {};
    await this.kc.applyToHTTPSOptions(tls);
    const opts = this.kc.createDispatcherOptions(cluster, tls);
    if (opts.type !== 'agent') return;
    const id = identity(opts.connect);
    if (this.pool?.id !== id) {
      const old = this.pool?.dispatcher;
      // Credentials changed (rotated files): new connections from now on; the old pool drains, then closes.
      if (old) setTimeout(() => void old.close().catch(() => undefined), 60_000).unref();
      this.pool = { id, dispatcher: new Agent({ connect: opts.connect, connections: MAX_SOCKETS }) };
    }
    context.setDispatcher(this.pool.dispatcher);
  }
}

const pools = new WeakMap<k8s.KubeConfig, PooledAuth>();

function pooledAuth(kc: k8s.KubeConfig): { server: string; auth: PooledAuth } {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  let auth = pools.get(kc);
  if (!auth) pools.set(kc, (auth = new PooledAuth(kc)));
  return { server: cluster.server, auth };
}

/** Like kc.makeApiClient, but every client made from the same KubeConfig shares one keep-alive connection pool. */
export function pooledApiClient<T>(kc: k8s.KubeConfig, apiClientType: new (config: k8s.Configuration) => T): T {
  const { server, auth } = pooledAuth(kc);
  return new apiClientType(k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(server, {}), authMethods: { default: auth } }));
}

/** An API server's refusal or failure of a request sent by postJson: its HTTP status and its Status body, as client-node's errors carry them. */
export class ApiStatusError extends Error {
  constructor(readonly code: number, readonly body: string) {
    super(`HTTP ${code}: ${body.slice(0, 500)}`);
  }
}

/**
 * POSTs `body` as JSON through the same pool and credentials, without client-node's typed serialization and without
 * reading an answer the caller does not use. For the hot path, pod creation: client-node serialized each pod
 * through its type map and parsed the whole created pod back (about 0.7 ms of the event loop per pod, a second per
 * 1,000-task fan-out, on the cores the API server needed), and its type map drops fields it does not know.
 */
export async function postJson(kc: k8s.KubeConfig, path: string, body: unknown): Promise<void> {
  const { server, auth } = pooledAuth(kc);
  const ctx = new k8s.RequestContext(server + path, k8s.HttpMethod.POST);
  await auth.applySecurityAuthentication(ctx);
  const dispatcher = ctx.getDispatcher();
  const res = await request(ctx.getUrl(), {
    method: 'POST',
    headers: { ...ctx.getHeaders(), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    ...(dispatcher ? { dispatcher } : {}),
  });
  if (res.statusCode < 300) {
    await res.body.dump();
    return;
  }
  throw new ApiStatusError(res.statusCode, await res.body.text());
}
