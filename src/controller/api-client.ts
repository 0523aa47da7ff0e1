// API clients that reuse connections. client-node 1.x builds a new https.Agent for every request (and reads the
// kubeconfig's certificate files again), so each call pays a TCP connect, a TLS handshake and a new secure context.
// Measured on the test cluster (bench/controller.ts): creating 1,000 pods that way took ~38 s and blocked the event
// loop for up to 20 s, long enough for the apiserver to drop our watches as unresponsive; through one keep-alive
// agent it took ~12 s with sub-second stalls. The kubeconfig still authenticates every request (headers, tokens,
// exec plugins, re-read certificate files); only the connection pool is shared, one per distinct TLS identity.
import * as http from 'node:http';
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';

/** Most connections to the apiserver at once; further requests wait for a free one. */
export const MAX_SOCKETS = 64;

const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function identity(options: Record<string, unknown>): string {
  return TLS_FIELDS.map((f) => {
    const v = options[f];
    if (Buffer.isBuffer(v)) return v.toString('base64');
    if (Array.isArray(v)) return v.map((x) => (Buffer.isBuffer(x) ? x.toString('base64') : String(x))).join(',');
    return JSON.stringify(v ?? null);
  }).join('|');
}

class PooledAuth implements k8s.SecurityAuthentication {
  private agent: { id: string; agent: http.Agent } | undefined;

  constructor(private readonly kc: k8s.KubeConfig) {}

  getName(): string {
    return 'pooled-kubeconfig';
  }

  async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    if (this.kc.getCurrentCluster()?.proxyUrl) return; // proxy agents keep their own behaviour
    const fresh = context.getAgent();
    if (!(fresh instanceof http.Agent)) return;
    const tls = fresh instanceof https.Agent;
    const options = (fresh as http.Agent & { options?: Record<string, unknown> }).options ?? {};
    const id = `${tls ? 'https' : 'http'}|${identity(options)}`;
    if (this.agent?.id !== id) {
      const old = this.agent?.agent;
      // Credentials changed (rotated files): new connections from now on; the old pool drains, then closes.
      if (old) setTimeout(() => old.destroy(), 60_000).unref();
      const opts = { ...options, keepAlive: true, maxSockets: MAX_SOCKETS };
      this.agent = { id, agent: tls ? new https.Agent(opts) : new http.Agent(opts) };
    }
    context.setAgent(this.agent.agent);
  }
}

const pools = new WeakMap<k8s.KubeConfig, PooledAuth>();

/** Like kc.makeApiClient, but every client made from the same KubeConfig shares one keep-alive connection pool. */
export function pooledApiClient<T>(kc: k8s.KubeConfig, apiClientType: new (config: k8s.Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  let auth = pools.get(kc);
  if (!auth) pools.set(kc, (auth = new PooledAuth(kc)));
  return new apiClientType(k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(cluster.server, {}), authMethods: { default: auth } }));
}
