// A small Kubernetes REST client for the node agent: JSON requests and line-delimited watches over one keep-alive
// agent. Hand-rolled (rather than client-node's generated API) to control patch types, timeouts and reconnects.
import { Agent, request, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T };

export class Kube {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private constructor(readonly server: URL, private readonly tls: RequestOptions) {}

  static async fromFile(file: string): Promise<Kube> {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error(`no server in ${file}`);
    return new Kube(new URL(server), { ca: opts.ca, cert: opts.cert, key: opts.key });
  }

  private options(method: string, path: string, headers: Record<string, string>, timeoutMs: number): RequestOptions {
    return {
      ...this.tls, agent: this.agent, method, host: this.server.hostname, port: this.server.port, path,
      headers: { accept: 'application/json', ...headers }, timeout: timeoutMs,
    };
  }

  /** JSON request; 404 resolves to undefined when allow404. */
  async req<T>(method: string, path: string, body?: unknown, contentType = 'application/json',
    allow404 = false): Promise<T | undefined> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // An explicit length: Node does not chunk DELETE bodies, and an unframed body would poison the kept-alive socket.
    const headers: Record<string, string> = payload === undefined ? {}
      : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) };
    return new Promise<T | undefined>((resolve, reject) => {
      const r = request(this.options(method, path, headers, 30_000), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 404 && allow404) resolve(undefined);
          else if (status >= 200 && status < 300) resolve(text ? (JSON.parse(text) as T) : undefined);
          else reject(new ApiError(status, text, `${method} ${path}`));
        });
      });
      r.on('timeout', () => r.destroy(new Error(`${method} ${path}: timeout`)));
      r.on('error', reject);
      r.end(payload);
    });
  }

  get<T>(path: string): Promise<T | undefined> { return this.req<T>('GET', path, undefined, undefined, true); }

  /**
   * Streams watch events until the server closes, an error occurs, or no bytes arrive for idleMs (bookmarks keep a
   * healthy watch talking). Resolves when the stream ends; the caller decides whether to re-list.
   */
  watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, idleMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const r = request(this.options('GET', path, {}, idleMs), (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (c: Buffer) => { text += c.toString(); });
          res.on('end', () => reject(new ApiError(res.statusCode ?? 0, text, `WATCH ${path}`)));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) {
              try { onEvent(JSON.parse(line) as WatchEvent<T>); } catch (e) { r.destroy(e as Error); return; }
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('watch aborted')));
      });
      // Socket idle timeout doubles as the liveness watchdog: a stalled watch is torn down and re-listed.
      r.on('timeout', () => r.destroy(new Error(`watch idle for ${idleMs} ms`)));
      r.on('error', reject);
      signal?.addEventListener('abort', () => r.destroy(new Error('watch stopped')), { once: true });
      r.end();
    });
  }
}
