// The controller's HTTP server (node:http, no framework): /healthz, /readyz, /metrics and the artifact gateway. Runs in
// every replica, leader or not, so task pods reach a gateway whichever replica the Service picks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, type ArtifactGateway } from './artifact-gateway.js';
import type { ProcessMetrics } from './metrics.js';

/** Request bodies are a URI and at most MAX_OBJECTS relative paths. */
export const MAX_BODY_BYTES = 2 << 20;

export interface HttpServerDeps {
  port: number;
  /** Bind address; all interfaces by default. */
  host?: string;
  log: Logger;
  gateway?: ArtifactGateway;
  /** For /readyz. */
  ready: () => boolean;
  /** Served at /metrics; gateway requests are counted in it. */
  metrics?: ProcessMetrics;
}

export interface HttpServerHandle {
  readonly port: number;
  close(): Promise<void>;
}

class BodyError extends GatewayError {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/.test(type)) throw new BodyError(415, 'send the body as Content-Type: application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BodyError(400, 'request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

async function route(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse, path: string, fields: Record<string, unknown>): Promise<number> {
  const { gateway } = deps;
  if (path === '/healthz' && req.method === 'GET') {
    send(res, 200, { status: 'ok' });
    return 200;
  }
  if (path === '/readyz' && req.method === 'GET') {
    const status = deps.ready() ? 200 : 503;
    send(res, status, { status: status === 200 ? 'ready' : 'not ready' });
    return status;
  }
  if (path === '/metrics' && req.method === 'GET' && deps.metrics) {
    const text = await deps.metrics.text();
    res.writeHead(200, { 'content-type': deps.metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
    return 200;
  }
  if (!gateway || (path !== '/v1/artifacts/download' && path !== '/v1/artifacts/upload')) throw new GatewayError(404, `no route ${req.method} ${path}`);
  if (req.method !== 'POST') throw new GatewayError(405, `${path} takes POST`);
  const claims = gateway.authorize(req.headers.authorization);
  Object.assign(fields, { ns: claims.ns, run: claims.run, pod: claims.pod });
  const body = await readJson(req);
  if (body && typeof body === 'object' && 'uri' in body) fields.uri = String((body as { uri: unknown }).uri).slice(0, 500);
  const answer = path.endsWith('download') ? await gateway.download(claims, body) : await gateway.upload(claims, body);
  fields.objects = 'files' in answer ? answer.files.length : 1;
  send(res, 200, answer);
  return 200;
}

function logRequest(log: Logger, fields: Record<string, unknown>, status: number): void {
  if (fields.path === '/healthz' || fields.path === '/readyz' || fields.path === '/metrics') return;
  const entry = { ...fields, status };
  if (status >= 500) log.error(entry, 'http request');
  else if (status >= 400) log.warn(entry, 'http request');
  else log.info(entry, 'http request');
}

export async function startHttpServer(deps: HttpServerDeps): Promise<HttpServerHandle> {
  const { log } = deps;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0]!;
    // Logged: who (from the verified grant) asked for what. Never the grant itself or a presigned URL.
    const fields: Record<string, unknown> = { method: req.method, path };
    let status = 500;
    try {
      status = await route(deps, req, res, path, fields);
    } catch (e) {
      status = e instanceof GatewayError ? e.status : 500;
      const message = e instanceof GatewayError ? e.message : 'internal error';
      fields.err = e instanceof GatewayError ? message : (e as Error)?.message;
      // A body refused before it was read in full (too large, no grant): answer, then close the connection rather
      // than leave the rest of the body in it.
      const unread = !req.complete;
      if (!res.headersSent) send(res, status, { error: message }, unread);
      else res.destroy();
      if (unread) res.once('finish', () => req.socket?.destroy());
    }
    fields.ms = Date.now() - started;
    if (path === '/v1/artifacts/download' || path === '/v1/artifacts/upload') deps.metrics?.gatewayRequests.inc({ route: path.slice('/v1/artifacts/'.length), code: String(status) });
    logRequest(log, fields, status);
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'http server listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
