// The two controllers bench/argo.ts compares, each started as its own process in a fresh namespace, and the
// per-process figures read from /proc (CPU seconds from /proc/PID/stat, peak RSS from VmHWM in /proc/PID/status).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';

export interface Proc {
  child: ChildProcess;
  /** CPU seconds (user + system) used so far. */
  cpuSec(): number;
  /** Peak resident set size so far, MiB. */
  peakRssMb(): number;
  /** How the process ended on its own (exit code or signal), while it was not being stopped. */
  crashed(): string | undefined;
  stop(): Promise<void>;
}

const TICKS = 100; // CLK_TCK on Linux

function procOf(child: ChildProcess, name: string, log: (m: string) => void): Proc {
  const pid = child.pid!;
  let tail = '';
  child.stderr?.on('data', (b: Buffer) => {
    tail = (tail + b.toString()).slice(-4000);
  });
  child.stdout?.resume();
  let exited = false;
  let stopping = false;
  let crash: string | undefined;
  const done = new Promise<void>((r) => child.on('exit', (code, sig) => {
    exited = true;
    if (!stopping) crash = `${name} exited with ${code ?? sig}`;
    if ((code && code !== 143) || (sig && sig !== 'SIGTERM')) log(`${name} exited with ${code ?? sig}: ${tail.slice(-1500)}`);
    r();
  }));
  let lastCpu = 0;
  let lastRss = 0;
  return {
    child,
    cpuSec() {
      try {
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        lastCpu = (Number(f[11]) + Number(f[12])) / TICKS;
      } catch { /* exited: the last reading stands */ }
      return lastCpu;
    },
    peakRssMb() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) lastRss = Number(m[1]) / 1024;
      } catch { /* exited */ }
      return lastRss;
    },
    crashed: () => crash,
    async stop() {
      stopping = true;
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}

export interface PipewrightOptions { repo: string; kubeconfig: string; ns: string; env: NodeJS.ProcessEnv; workers: string }

/** `pipewright controller` from the built project (npm run build), watching one namespace. */
export function startPipewright(o: PipewrightOptions, log: (m: string) => void): Proc {
  const child = spawn(process.execPath, [path.join(o.repo, 'bin/pipewright.js'), 'controller', '--kubeconfig', o.kubeconfig, '--namespace', o.ns, '--workers', o.workers, '--no-leader-elect'], {
    env: { ...process.env, ...o.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return procOf(child, 'pipewright controller', log);
}

/** Argo's settings: its defaults, or the tuning its docs (scaling.md, environment-variables.md) name. */
export interface ArgoTuning { name: string; args: string[]; env: Record<string, string>; config: Record<string, string> }

export const ARGO_TUNINGS: Record<string, ArgoTuning> = {
  default: { name: 'Argo (defaults)', args: [], env: {}, config: {} },
  // Client QPS/burst as Pipewright's defaults (200/400), 64 workflow workers (default 32), the requeue time at its
  // floor (1 s; default 10 s), and the pod-creation rate limit raised to the same QPS.
  tuned: {
    name: 'Argo (tuned)', args: ['--qps', '200', '--burst', '400', '--workflow-workers', '64'], env: { DEFAULT_REQUEUE_TIME: '1s' },
    config: { resourceRateLimit: 'limit: 200\nburst: 400\n' },
  },
};

export const ARGO_EXECUTOR_IMAGE = 'quay.io/argoproj/argoexec:v4.0.5';

/**
 * Argo's namespace-scoped setup: its minimal controller ConfigMap (metrics off: no port to collide on) and the
 * executor Role of its quick-start manifests (create/patch WorkflowTaskResults) bound to the default
 * ServiceAccount its pods run as.
 */
export async function argoNamespaceSetup(kc: k8s.KubeConfig, ns: string, tuning: ArgoTuning): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'workflow-controller-configmap' }, data: { metricsConfig: 'enabled: false\n', ...tuning.config } } });
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'executor' }, rules: [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: {
    metadata: { name: 'executor-default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'executor' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
  } });
}

export interface ArgoOptions { bin: string; kubeconfig: string; ns: string; tuning: ArgoTuning }

/** workflow-controller, namespaced to `ns`, leader election off (one instance). */
export function startArgo(o: ArgoOptions, log: (m: string) => void): Proc {
  const args = ['--kubeconfig', o.kubeconfig, '--namespace', o.ns, '--namespaced', '--managed-namespace', o.ns,
    '--executor-image', ARGO_EXECUTOR_IMAGE, '--loglevel', process.env.ARGO_LOG_LEVEL ?? 'warn', ...o.tuning.args];
  const child = spawn(o.bin, args, { env: { ...process.env, ...o.tuning.env, LEADER_ELECTION_DISABLE: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return procOf(child, 'workflow-controller', log);
}
