// Container probes as a kubelet runs them: startup, readiness and liveness, each an httpGet or tcpSocket check of
// the pod's address (127.0.0.1: pods share the host's network here) every periodSeconds after
// initialDelaySeconds, with successThreshold / failureThreshold. Readiness sets the container's `ready`; a failed
// startup or liveness probe kills the container, which its pod's restartPolicy then restarts (or not).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export interface ProbeResult { ok: boolean; message?: string }

export const POD_IP = '127.0.0.1';

/** A probe's port: a number, or the name of one of the container's ports. */
export function probePort(port: number | string | undefined, c: V1Container): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port ${String(port)} is not a port of container ${c.name}`);
  return named.containerPort;
}

function httpProbe(p: NonNullable<V1Probe['httpGet']>, c: V1Container, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const https = p.scheme === 'HTTPS';
    const headers = Object.fromEntries((p.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const req = (https ? httpsRequest : httpRequest)({
      host: p.host || POD_IP, port: probePort(p.port as number | string, c), path: p.path || '/', method: 'GET',
      headers: { 'User-Agent': 'kube-probe/1.34', Accept: '*/*', ...headers }, timeout: timeoutMs,
      ...(https ? { rejectUnauthorized: false } : {}), // a kubelet does not verify the certificate either
    }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
    req.on('error', (e) => resolve({ ok: false, message: `Get "${https ? 'https' : 'http'}://${p.host || POD_IP}:${String(p.port)}${p.path ?? '/'}": ${e.message}` }));
    req.end();
  });
}

function tcpProbe(p: NonNullable<V1Probe['tcpSocket']>, c: V1Container, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const port = probePort(p.port as number | string, c);
    const s = connect({ host: p.host || POD_IP, port, timeout: timeoutMs });
    s.on('connect', () => { s.destroy(); resolve({ ok: true }); });
    s.on('timeout', () => { s.destroy(); resolve({ ok: false, message: `dial tcp ${POD_IP}:${port}: i/o timeout` }); });
    s.on('error', (e) => resolve({ ok: false, message: `dial tcp ${POD_IP}:${port}: ${e.message}` }));
  });
}

/**
 * One check. exec and grpc probes are not run by this node agent (it cannot enter a running sandbox): they count
 * as passing, so a pod using them behaves as if it had no such probe; the agent says so in an event.
 */
export async function probeOnce(p: V1Probe, c: V1Container): Promise<ProbeResult> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  try {
    if (p.httpGet) return await httpProbe(p.httpGet, c, timeoutMs);
    if (p.tcpSocket) return await tcpProbe(p.tcpSocket, c, timeoutMs);
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  return { ok: true, message: 'unsupported' };
}

export type ProbeKind = 'Startup' | 'Readiness' | 'Liveness';

/** Consecutive results against the thresholds: the state flips after successThreshold / failureThreshold in a row. */
export class Threshold {
  private successes = 0;
  failures = 0;
  constructor(private readonly successThreshold: number, private readonly failureThreshold: number, public passing: boolean) {}
  /** Returns the new state when this result flips it, else undefined. */
  record(ok: boolean): boolean | undefined {
    if (ok) { this.successes++; this.failures = 0; } else { this.failures++; this.successes = 0; }
    if (!this.passing && ok && this.successes >= this.successThreshold) { this.passing = true; return true; }
    if (this.passing && !ok && this.failures >= this.failureThreshold) { this.passing = false; return false; }
    return undefined;
  }
}

export interface ProbeHooks {
  /** Readiness changed (and the startup probe, when there is one, has passed: `started`). */
  onReady(ready: boolean): void;
  onStarted(): void;
  /** A startup or liveness probe failed failureThreshold times: the container must be killed. */
  onKill(kind: ProbeKind, message: string): void;
  event(reason: string, message: string, type?: 'Normal' | 'Warning'): void;
}

const wait = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  if (signal.aborted) { resolve(); return; }
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** The probes of one run of a container; stop() when the process ends. */
export class ContainerProbes {
  private readonly stopping = new AbortController();

  constructor(private readonly c: V1Container, private readonly hooks: ProbeHooks) {
    const startup = c.startupProbe;
    void (startup ? this.loop('Startup', startup, false) : Promise.resolve(true)).then((passed) => {
      if (!passed || this.stopping.signal.aborted) return;
      hooks.onStarted();
      if (c.readinessProbe) void this.loop('Readiness', c.readinessProbe, false);
      else hooks.onReady(true);
      if (c.livenessProbe) void this.loop('Liveness', c.livenessProbe, true);
    });
  }

  stop(): void { this.stopping.abort(); }

  /** Startup resolves true once it passes; readiness and liveness run until stop() or a kill. */
  private async loop(kind: ProbeKind, p: V1Probe, initiallyPassing: boolean): Promise<boolean> {
    const signal = this.stopping.signal;
    const unsupported = !p.httpGet && !p.tcpSocket;
    if (unsupported) this.hooks.event('ProbeUnsupported', `${kind} probe of ${this.c.name}: only httpGet and tcpSocket probes run on this node; treated as passing`, 'Warning');
    // Startup and liveness only ever need successThreshold 1 (the API requires it).
    const t = new Threshold(kind === 'Readiness' ? (p.successThreshold ?? 1) : 1, p.failureThreshold ?? 3, initiallyPassing);
    await wait((p.initialDelaySeconds ?? 0) * 1000, signal);
    while (!signal.aborted) {
      const r = await probeOnce(p, this.c);
      if (signal.aborted) return false;
      if (!r.ok) this.hooks.event('Unhealthy', `${kind} probe failed: ${r.message ?? ''}`, 'Warning');
      const flip = t.record(r.ok);
      if (kind === 'Startup') {
        if (flip === true) return true;
        if (t.failures >= (p.failureThreshold ?? 3)) {
          this.hooks.onKill(kind, `Container ${this.c.name} failed startup probe, will be restarted`);
          return false; // never started: readiness and liveness do not run
        }
      } else if (kind === 'Readiness') {
        if (flip !== undefined) this.hooks.onReady(flip);
      } else if (flip === false) {
        this.hooks.onKill(kind, `Container ${this.c.name} failed liveness probe, will be restarted`);
        return false;
      }
      await wait((p.periodSeconds ?? 10) * 1000, signal);
    }
    return false;
  }
}
