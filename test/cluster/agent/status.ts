// Pod status the way a kubelet reports it: phase, the five conditions, container states and their reasons.
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ContainerRecord {
  name: string; image: string; init: boolean; sidecar: boolean;
  restartCount: number; state: V1ContainerState; lastState: V1ContainerState;
  /** Set by the probes of the current run (probe.ts): started once a startup probe passed, ready by readiness. */
  started: boolean; ready: boolean;
  containerID?: string;
}

export interface PodFacts {
  phase: Phase; reason?: string; message?: string; startTime: Date;
  initialized: boolean; readyToStart: boolean; containers: ContainerRecord[];
}

const iso = (d: Date | undefined): string | undefined => d?.toISOString().replace(/\.\d{3}Z$/, 'Z');

function toStatus(c: ContainerRecord): V1ContainerStatus {
  const running = !!c.state.running;
  const s: V1ContainerStatus = {
    name: c.name, image: c.image, imageID: '', ready: running && c.ready, restartCount: c.restartCount,
    started: running && c.started, state: c.state, lastState: c.lastState,
  };
  if (c.containerID) s.containerID = c.containerID;
  return s;
}

function cond(type: string, ok: boolean, reason?: string, message?: string): V1PodCondition {
  // null, not absent: status is written as a strategic merge patch, where null removes an earlier value.
  return { type, status: ok ? 'True' : 'False', reason: reason ?? null, message: message ?? null } as unknown as V1PodCondition;
}

/** Conditions are stamped with lastTransitionTime only when their status changes (kept from the previous one). */
export function podStatus(f: PodFacts, previous: V1PodStatus | undefined): V1PodStatus {
  const terminal = f.phase === 'Succeeded' || f.phase === 'Failed';
  const regular = f.containers.filter((c) => !c.init);
  const notReady = regular.filter((c) => !c.state.running || !c.ready).map((c) => c.name);
  const incomplete = f.containers.filter((c) => c.init && (c.sidecar ? !c.state.running : c.state.terminated?.exitCode !== 0))
    .map((c) => c.name);
  const ready = !terminal && notReady.length === 0;
  const notReadyMsg = `containers with unready status: [${notReady.join(' ')}]`;
  const conditions = [
    cond('PodReadyToStartContainers', f.readyToStart && !terminal),
    f.initialized ? cond('Initialized', true, terminal ? 'PodCompleted' : undefined)
      : cond('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
    ready ? cond('Ready', true) : cond('Ready', false, terminal ? 'PodCompleted' : 'ContainersNotReady', terminal ? undefined : notReadyMsg),
    ready ? cond('ContainersReady', true)
      : cond('ContainersReady', false, terminal ? 'PodCompleted' : 'ContainersNotReady', terminal ? undefined : notReadyMsg),
  ];
  const now = iso(new Date());
  for (const c of conditions) {
    const before = previous?.conditions?.find((p) => p.type === c.type);
    c.lastTransitionTime = (before && before.status === c.status ? before.lastTransitionTime : now) as unknown as Date;
    c.lastProbeTime = null as unknown as Date;
  }
  const status: V1PodStatus = {
    phase: f.phase, conditions, hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }], podIP: '127.0.0.1',
    podIPs: [{ ip: '127.0.0.1' }], startTime: iso(f.startTime) as unknown as Date,
    initContainerStatuses: f.containers.filter((c) => c.init).map(toStatus),
    containerStatuses: regular.map(toStatus),
  };
  if (f.reason) status.reason = f.reason;
  if (f.message) status.message = f.message;
  return status;
}

export const waiting = (reason: string, message?: string): V1ContainerState =>
  ({ waiting: message ? { reason, message } : { reason } });
export const runningSince = (d: Date): V1ContainerState => ({ running: { startedAt: iso(d) as unknown as Date } });
export interface TerminatedExtra { containerID?: string; message?: string; reason?: string }

export function terminated(exitCode: number, startedAt: Date, finishedAt: Date,
  { containerID, message, reason }: TerminatedExtra = {}): V1ContainerState {
  const t: Record<string, unknown> = {
    exitCode, reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
    startedAt: iso(startedAt), finishedAt: iso(finishedAt),
  };
  if (containerID) t.containerID = containerID;
  if (message) t.message = message;
  return { terminated: t as unknown as V1ContainerState['terminated'] };
}

export const podKey = (p: V1Pod): string => `${p.metadata?.namespace}/${p.metadata?.name}`;
