// The kubelet's log endpoint (/containerLogs/{ns}/{pod}/{container}) over HTTPS on the node's kubelet port, so
// `kubectl logs` (with -f, --previous, --tail, --timestamps) works through the apiserver.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';

export interface LogSource {
  logFile(ns: string, pod: string, container: string, previous: boolean): string | undefined | 'no-pod';
  isRunning(ns: string, pod: string, container: string): boolean;
}

interface Query { follow: boolean; timestamps: boolean; tailLines?: number; limitBytes?: number; sinceSeconds?: number }

const format = (line: string, q: Query): string | undefined => {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(line);
  if (!m) return undefined;
  if (q.sinceSeconds !== undefined && Date.parse(m[1]!) < Date.now() - q.sinceSeconds * 1000) return undefined;
  const body = m[3] === 'F' ? `${m[4]}\n` : m[4]!;
  return q.timestamps ? `${m[1]} ${body}` : body;
};

function readFrom(file: string, offset: number): { text: string; next: number } {
  let size: number;
  try { size = statSync(file).size; } catch { return { text: '', next: offset }; }
  if (size <= offset) return { text: '', next: offset };
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try { readSync(fd, buf, 0, buf.length, offset); } finally { closeSync(fd); }
  const end = buf.lastIndexOf(0x0a) + 1; // only whole log records
  return { text: buf.subarray(0, end).toString('utf8'), next: offset + end };
}

interface Target { ns: string; pod: string; c: string; previous: boolean }

async function serve(res: ServerResponse, src: LogSource, { ns, pod, c, previous }: Target, q: Query): Promise<void> {
  const file = src.logFile(ns, pod, c, previous);
  if (file === 'no-pod' || file === undefined) {
    // The kubelet answers a missing previous container with 400, which kubectl shows as BadRequest.
    res.writeHead(file === 'no-pod' ? 404 : 400, { 'content-type': 'text/plain' });
    res.end(file === 'no-pod' ? `pod ${ns}/${pod} not found on this node` : `previous terminated container "${c}" in pod "${pod}" not found`);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
  let sent = 0;
  const emit = (text: string, tail?: number): boolean => {
    let lines = text.split('\n').filter(Boolean).map((l) => format(l, q)).filter((l): l is string => l !== undefined);
    if (tail !== undefined) lines = tail === 0 ? [] : lines.slice(-tail);
    let out = lines.join('');
    if (q.limitBytes !== undefined) out = out.slice(0, Math.max(0, q.limitBytes - sent));
    sent += Buffer.byteLength(out);
    if (out) res.write(out);
    return q.limitBytes === undefined || sent < q.limitBytes;
  };
  let { text, next } = readFrom(file, 0);
  let more = emit(text, q.tailLines);
  while (more && q.follow && !res.destroyed) {
    const running = !previous && src.isRunning(ns, pod, c);
    await new Promise((r) => setTimeout(r, 200));
    ({ text, next } = readFrom(file, next));
    more = emit(text);
    if (!running) break; // read once more after the container ended, then stop
  }
  res.end();
}

export function startLogServer(port: number, tls: { cert: Buffer; key: Buffer; ca: Buffer }, src: LogSource): Promise<Server> {
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://node');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/healthz') { res.end('ok'); return; }
    if (!m || req.method !== 'GET') { res.writeHead(404); res.end('not found'); return; }
    const num = (k: string): number | undefined => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) : undefined);
    const bool = (k: string): boolean => ['true', '1'].includes(url.searchParams.get(k) ?? '');
    const q: Query = { follow: bool('follow'), timestamps: bool('timestamps'), tailLines: num('tailLines'),
      limitBytes: num('limitBytes'), sinceSeconds: num('sinceSeconds') };
    serve(res, src, { ns: decodeURIComponent(m[1]!), pod: decodeURIComponent(m[2]!), c: decodeURIComponent(m[3]!), previous: bool('previous') }, q)
      .catch(() => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
