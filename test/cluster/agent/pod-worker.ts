// Runs one pod to its end: volumes, init containers in order (native sidecars kept running), then the containers,
// restart policy, activeDeadlineSeconds and graceful deletion, publishing status at each step.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod, V1PodStatus, V1Probe } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ContainerProcess, type Exit } from './container.js';
import { ContainerProbes } from './probe.js';
import { containerEnv, expand, type Lookups } from './env.js';
import type { ImageMap } from './image-map.js';
import { bwrapArgs, identityArgs, type Hidden, type Mount } from './sandbox.js';
import { podStatus, runningSince, terminated, waiting, type ContainerRecord, type PodFacts } from './status.js';
import { prepareVolume, VolumeError, type VolumeSources } from './volumes.js';

export interface Simulation { delayMs: number; exitCode: number }

export interface WorkerDeps {
  nodeRoot: string;
  bwrap: string;
  imageMap: ImageMap;
  baseEnv: Record<string, string>;
  /** Host directories hidden from containers (sandbox.ts). */
  hidden?: Hidden;
  sources: Lookups & VolumeSources;
  publish(pod: V1Pod, status: V1PodStatus): void;
  event(pod: V1Pod, reason: string, message: string, type?: 'Normal' | 'Warning'): void;
  backoffMs: number;
  simulation(pod: V1Pod): Simulation | undefined;
  /** Services as `name.namespace` (no kube-proxy or DNS here: their names resolve to 127.0.0.1, see hostsFile). */
  services?(): Promise<string[]>;
  log: Logger;
}

/**
 * /etc/hosts for a pod: every Service's DNS names point at 127.0.0.1, where its pods listen (containers share the
 * host's network), so `http://<svc>.<ns>.svc:<port>` works when the Service's port is its target port.
 */
export function hostsFile(services: string[], podNamespace: string): string {
  const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback'];
  for (const key of services) {
    const [name, ns] = key.split('.') as [string, string];
    const names = [`${name}.${ns}.svc.cluster.local`, `${name}.${ns}.svc`, `${name}.${ns}`, ...(ns === podNamespace ? [name] : [])];
    lines.push(`127.0.0.1 ${names.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  if (signal.aborted) { resolve(); return; }
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

const MAX_MESSAGE = 4096;

export class PodWorker {
  readonly done: Promise<void>;
  private pod: V1Pod;
  private readonly dir: string;
  private readonly stopping = new AbortController();
  private stopGraceMs = 30_000;
  private deadlineExceeded = false;
  private readonly facts: PodFacts;
  private readonly procs = new Map<string, ContainerProcess>();
  private readonly records = new Map<string, ContainerRecord>();
  private readonly exitWaiters = new Set<() => void>();
  private lastStatus: V1PodStatus | undefined;
  private seq = 0;

  /**
   * Deletes the pod's volumes and container files once its processes are gone (the pod was deleted). The logs stay:
   * they are small, and the suite's secret scan reads every task log at the end.
   */
  removeFiles(): void {
    for (const sub of ['volumes', 'containers']) {
      try {
        rmSync(join(this.dir, sub), { recursive: true, force: true });
      } catch (e) {
        this.deps.log.warn({ dir: join(this.dir, sub), err: (e as Error).message }, 'cannot remove a deleted pod\'s files');
      }
    }
  }

  constructor(pod: V1Pod, private readonly deps: WorkerDeps) {
    this.pod = pod;
    this.dir = join(deps.nodeRoot, 'pods', pod.metadata!.uid!);
    const spec = pod.spec!;
    const records: ContainerRecord[] = [
      ...(spec.initContainers ?? []).map((c) => this.record(c, true, spec.containers.length > 0 && c.restartPolicy === 'Always')),
      ...spec.containers.map((c) => this.record(c, false, false)),
    ];
    const initWaiting = (spec.initContainers?.length ?? 0) > 0 ? 'PodInitializing' : 'ContainerCreating';
    for (const r of records) r.state = waiting(r.init ? 'PodInitializing' : initWaiting);
    this.lastStatus = pod.status;
    this.facts = {
      phase: 'Pending', startTime: pod.status?.startTime ? new Date(pod.status.startTime) : new Date(),
      initialized: !spec.initContainers?.length, readyToStart: false, containers: records,
    };
    this.done = this.run().catch((e: Error) => {
      deps.log.error({ err: e, pod: this.key }, 'pod worker failed');
      this.facts.phase = 'Failed';
      this.facts.message = e.message.slice(0, MAX_MESSAGE);
      this.publish();
    });
  }

  get key(): string { return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`; }
  get uid(): string { return this.pod.metadata!.uid!; }
  get stopped(): boolean { return this.stopping.signal.aborted; }

  /** Log file of a container: current run, or the previous one. */
  logFile(container: string, previous: boolean): string | undefined {
    const r = this.records.get(container);
    if (!r) return undefined;
    const n = previous ? r.restartCount - 1 : r.restartCount;
    return n < 0 ? undefined : join(this.dir, 'logs', container, `${n}.log`);
  }

  /** True while the container may still write to its current log. */
  isRunning(container: string): boolean { return this.procs.has(container); }

  update(pod: V1Pod): void {
    this.pod = { ...pod, status: this.pod.status };
    if (pod.metadata?.deletionTimestamp && !this.stopped) {
      this.stop((pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    }
  }

  /** Stops every container: SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs: number): void {
    this.stopGraceMs = graceMs;
    this.stopping.abort();
    for (const [name, p] of this.procs) {
      if (this.records.get(name)?.sidecar) continue; // sidecars stop after the containers, as in a kubelet
      void p.stop(graceMs);
    }
    if (this.procs.size > 0) this.deps.event(this.pod, 'Killing', 'Stopping containers');
  }

  private record(c: V1Container, init: boolean, sidecar: boolean): ContainerRecord {
    const r: ContainerRecord = {
      name: c.name, image: c.image ?? '', init, sidecar, restartCount: 0, state: {}, lastState: {}, started: false, ready: false,
    };
    this.records.set(c.name, r);
    return r;
  }

  private publish(): void {
    const status = podStatus(this.facts, this.lastStatus);
    this.lastStatus = status;
    this.deps.publish(this.pod, status);
  }

  private async run(): Promise<void> {
    const spec = this.pod.spec!;
    const sim = this.deps.simulation(this.pod);
    if (!sim) this.publish(); // simulated pods skip Pending: a third fewer writes when thousands run
    const deadline = spec.activeDeadlineSeconds;
    let deadlineTimer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      const left = this.facts.startTime.getTime() + deadline * 1000 - Date.now();
      deadlineTimer = setTimeout(() => {
        if (this.stopped) return;
        this.deadlineExceeded = true;
        this.deps.event(this.pod, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline', 'Warning');
        this.stop((spec.terminationGracePeriodSeconds ?? 30) * 1000);
      }, Math.max(0, left));
    }
    try {
      if (sim) await this.simulate(sim);
      else await this.runContainers();
    } finally {
      clearTimeout(deadlineTimer);
    }
    this.finish();
  }

  private async simulate(sim: Simulation): Promise<void> {
    const started = new Date();
    this.facts.initialized = true;
    this.facts.readyToStart = true;
    for (const r of this.facts.containers) { r.state = runningSince(started); r.started = true; r.ready = true; }
    this.facts.phase = 'Running';
    if (sim.delayMs > 0) this.publish();
    await sleep(sim.delayMs, this.stopping.signal);
    const end = new Date();
    for (const r of this.facts.containers) {
      const code = this.stopped ? 137 : r.init ? 0 : sim.exitCode;
      r.state = terminated(code, started, end, { containerID: `simulated://${this.uid}/${r.name}` });
    }
  }

  private async runContainers(): Promise<void> {
    const spec = this.pod.spec!;
    const mounts = await this.prepareVolumes();
    if (!mounts) return;
    this.facts.readyToStart = true;
    this.publish();
    const sidecars: Promise<boolean>[] = [];
    try {
      for (const c of spec.initContainers ?? []) {
        if (this.stopped) return;
        if (this.records.get(c.name)!.sidecar) {
          sidecars.push(this.loop(c, mounts, 'Always'));
          await this.started(c.name); // the next init container starts once the sidecar runs
          continue;
        }
        if (!await this.loop(c, mounts, spec.restartPolicy === 'Never' ? 'Never' : 'OnFailure')) return;
      }
      if (this.stopped) return;
      this.facts.initialized = true;
      for (const r of this.facts.containers) if (!r.init) r.state = waiting('ContainerCreating');
      await Promise.all(spec.containers.map((c) => this.loop(c, mounts, spec.restartPolicy ?? 'Always')));
    } finally {
      // Containers are done (or the pod is stopping): sidecars go last, in reverse order, and are not restarted.
      this.stopping.abort();
      const left = [...this.procs.entries()].filter(([n]) => this.records.get(n)?.sidecar).reverse();
      for (const [, p] of left) await p.stop(this.stopGraceMs);
      await Promise.all(sidecars);
    }
  }

  private async started(name: string): Promise<void> {
    while (!this.stopped && !this.records.get(name)?.state.running && !this.records.get(name)?.state.terminated) {
      await sleep(20, this.stopping.signal);
    }
  }

  private async prepareVolumes(): Promise<Map<string, string> | undefined> {
    const spec = this.pod.spec!;
    const hostPaths = new Map<string, string>();
    for (let attempt = 0; ; attempt++) {
      try {
        for (const v of spec.volumes ?? []) {
          if (!hostPaths.has(v.name)) hostPaths.set(v.name, await prepareVolume(this.pod, v, this.dir, this.deps.nodeRoot, this.deps.sources));
        }
        return hostPaths;
      } catch (e) {
        if (!(e instanceof VolumeError) && !(e as { status?: number }).status) throw e;
        if (attempt % 15 === 0) this.deps.event(this.pod, 'FailedMount', `MountVolume.SetUp failed: ${(e as Error).message}`, 'Warning');
        await sleep(2000, this.stopping.signal);
        if (this.stopped) return undefined;
      }
    }
  }

  /** Runs a container until its restart policy lets it rest; false if it ended in failure. */
  private async loop(c: V1Container, volumes: Map<string, string>, policy: string): Promise<boolean> {
    const r = this.records.get(c.name)!;
    for (let backoff = this.deps.backoffMs; ; backoff = Math.min(backoff * 2, 300_000)) {
      if (this.stopped) return false;
      const exit = await this.runOnce(c, r, volumes);
      if (exit === undefined) return false;
      const restart = !this.stopped && (policy === 'Always' || (policy === 'OnFailure' && exit.exitCode !== 0));
      if (!restart) return exit.exitCode === 0;
      r.lastState = r.state;
      r.restartCount++;
      r.state = waiting('CrashLoopBackOff', `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.name} pod=${this.pod.metadata?.name}_${this.pod.metadata?.namespace}(${this.uid})`);
      this.publish();
      this.deps.event(this.pod, 'BackOff', 'Back-off restarting failed container', 'Warning');
      await sleep(backoff, this.stopping.signal);
    }
  }

  private async runOnce(c: V1Container, r: ContainerRecord, volumes: Map<string, string>): Promise<Exit | undefined> {
    const cdir = join(this.dir, 'containers', c.name);
    mkdirSync(cdir, { recursive: true });
    const termFile = join(cdir, `termination-${r.restartCount}`);
    writeFileSync(termFile, '');
    const rule = this.deps.imageMap(c.image ?? '');
    let argv: string[];
    let env: Record<string, string>;
    let identity: string[];
    try {
      identity = identityArgs(this.pod.spec?.securityContext, c.securityContext, rule.user);
      const path = [...(rule.pathPrepend ?? []), this.deps.baseEnv.PATH ?? '/usr/bin:/bin'].join(':');
      env = await containerEnv(this.pod, c, { ...this.deps.baseEnv, ...rule.env, PATH: path,
        HOSTNAME: this.pod.spec?.hostname ?? this.pod.metadata!.name! }, this.deps.sources);
      const cmd = c.command?.length ? c.command : rule.entrypoint ?? [];
      argv = [...cmd, ...(c.args ?? [])].map((a) => expand(a, env));
      if (!argv.length) throw new Error(`no command given and image ${c.image} has no known entrypoint`);
    } catch (e) {
      r.state = waiting('CreateContainerConfigError', (e as Error).message);
      this.publish();
      this.deps.event(this.pod, 'Failed', `Error: ${(e as Error).message}`, 'Warning');
      await sleep(this.deps.backoffMs, this.stopping.signal);
      return this.stopped ? undefined : this.runOnce(c, r, volumes);
    }
    const mounts: Mount[] = (c.volumeMounts ?? []).map((m) => {
      const host = volumes.get(m.name);
      if (!host) throw new Error(`volumeMount ${m.name} has no volume`);
      const sub = m.subPath ? join(host, expand(m.subPath, env)) : host;
      if (m.subPath && !existsSync(sub)) mkdirSync(sub, { recursive: true });
      return { host: sub, path: m.mountPath, readOnly: !!m.readOnly };
    });
    mounts.push({ host: termFile, path: c.terminationMessagePath ?? '/dev/termination-log', readOnly: false });
    if (this.deps.services) {
      const hosts = join(cdir, `hosts-${r.restartCount}`);
      writeFileSync(hosts, hostsFile(await this.deps.services().catch(() => []), this.pod.metadata!.namespace!));
      mounts.push({ host: hosts, path: '/etc/hosts', readOnly: true });
    }
    for (const b of rule.binds ?? []) mounts.push({ host: b.host, path: b.path, readOnly: b.readOnly ?? false });
    const logFile = join(this.dir, 'logs', c.name, `${r.restartCount}.log`);
    rmSync(logFile, { force: true });
    const id = `pipewright://${this.uid.slice(0, 8)}-${c.name}-${++this.seq}`;
    const proc = new ContainerProcess({
      bwrap: this.deps.bwrap, sandbox: [...identity, ...bwrapArgs(mounts, c.workingDir, [], this.deps.hidden, c.securityContext?.readOnlyRootFilesystem === true)], argv, env, logFile,
    });
    this.procs.set(c.name, proc);
    r.containerID = id;
    r.state = runningSince(proc.startedAt);
    // Without probes a running container is started and ready at once (one status write, as before).
    r.started = !c.startupProbe;
    r.ready = r.started && !c.readinessProbe;
    this.facts.phase = this.facts.initialized ? 'Running' : 'Pending';
    this.deps.event(this.pod, 'Started', `Started container ${c.name}`);
    this.publish();
    const probes = this.probe(c, r, proc);
    const exit = await proc.exited;
    probes.stop();
    r.started = false;
    r.ready = false;
    this.procs.delete(c.name);
    const finishedAt = new Date();
    const message = exit.startError ?? this.terminationMessage(c, termFile, logFile, exit.exitCode);
    r.state = terminated(exit.exitCode, proc.startedAt, finishedAt,
      { containerID: id, message, reason: exit.startError ? 'StartError' : undefined });
    this.publish();
    return exit;
  }

  /** Startup, readiness and liveness probes of this run (probe.ts); a container without probes is ready at once. */
  private probe(c: V1Container, r: ContainerRecord, proc: ContainerProcess): ContainerProbes {
    const grace = (p: V1Probe | undefined): number =>
      (p?.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const probes = new ContainerProbes(c, {
      onStarted: () => { if (!r.started) { r.started = true; this.publish(); } },
      onReady: (ready) => { if (r.ready !== ready) { r.ready = ready; this.publish(); } },
      onKill: (kind, message) => {
        this.deps.event(this.pod, 'Killing', message);
        void proc.stop(grace(kind === 'Startup' ? c.startupProbe : c.livenessProbe));
      },
      event: (reason, message, type) => this.deps.event(this.pod, reason, message, type),
    });
    return probes;
  }

  private terminationMessage(c: V1Container, termFile: string, logFile: string, exitCode: number): string | undefined {
    let msg = '';
    try { msg = readFileSync(termFile, 'utf8').slice(0, MAX_MESSAGE); } catch { /* none */ }
    if (!msg && exitCode !== 0 && c.terminationMessagePolicy === 'FallbackToLogsOnError') {
      try {
        const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).slice(-80)
          .map((l) => l.replace(/^\S+ \S+ [FP] /, ''));
        msg = lines.join('\n');
        if (msg) msg += '\n';
        if (msg.length > 2048) msg = msg.slice(msg.length - 2048);
      } catch { /* no log */ }
    }
    return msg || undefined;
  }

  private finish(): void {
    const regular = this.facts.containers.filter((r) => !r.init);
    const initFailed = this.facts.containers.some((r) => r.init && !r.sidecar && (r.state.terminated?.exitCode ?? 0) !== 0);
    const allZero = regular.every((r) => r.state.terminated?.exitCode === 0);
    this.facts.phase = !initFailed && allZero && !this.deadlineExceeded ? 'Succeeded' : 'Failed';
    if (this.deadlineExceeded) {
      this.facts.reason = 'DeadlineExceeded';
      this.facts.message = 'Pod was active on the node longer than the specified deadline';
    }
    this.publish();
    // No container of an ended pod runs again, so nothing can read its pod-local volumes. A kubelet keeps them
    // until the pod is deleted, but this one node holds every pod: Argo's pods each copy its 109 MB executor into
    // an emptyDir, and 1,000 of them filled this machine's disk.
    try {
      rmSync(join(this.dir, 'volumes'), { recursive: true, force: true });
    } catch (e) {
      this.deps.log.warn({ dir: join(this.dir, 'volumes'), err: (e as Error).message }, 'cannot remove an ended pod\'s volumes');
    }
  }
}
