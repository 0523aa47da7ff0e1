// The test cluster a benchmark starts for itself (test/cluster/run.sh): its directory and ports, the node agent
// sized for thousands of simulated pods, and up/down. Default ports are below Linux's ephemeral range (32768+),
// where an outgoing connection of any process may already hold one.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

export interface ClusterState {
  kubeconfig: string;
  s3: { host: string; port: number; accessKey: string; secretKey: string };
}

export interface BenchCluster {
  dir: string;
  portBase: string;
  up(): Promise<void>;
  down(): Promise<void>;
  /** What `up` wrote: the kubeconfig and the S3 server. */
  state(): ClusterState;
}

/**
 * `~/.cache/pipewright/<name>` on ports from `defaultPortBase`, unless PIPEWRIGHT_CLUSTER_DIR /
 * PIPEWRIGHT_CLUSTER_PORT_BASE say otherwise. `agentEnv` adds node agent settings (it inherits this environment).
 */
export function benchCluster(repo: string, name: string, defaultPortBase: number, agentEnv: Record<string, string> = {}): BenchCluster {
  const dir = process.env.PIPEWRIGHT_CLUSTER_DIR ?? path.join(homedir(), '.cache/pipewright', name);
  const portBase = process.env.PIPEWRIGHT_CLUSTER_PORT_BASE ?? String(defaultPortBase);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIPEWRIGHT_CLUSTER_DIR: dir,
    PIPEWRIGHT_CLUSTER_PORT_BASE: portBase,
    // Task pods request 50m CPU / 64Mi for the outputs container: 1,000 at once need 50 CPUs and 64Gi.
    PW_AGENT_PODS: '20000',
    PW_AGENT_CPU: '1000',
    PW_AGENT_MEMORY: '4000Gi',
    PW_AGENT_LOG_LEVEL: 'warn',
    ...agentEnv,
  };
  const run = (cmd: 'up' | 'down'): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', [path.join(repo, 'test/cluster/run.sh'), cmd], { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`test/cluster/run.sh ${cmd} exited with ${code}`))));
    });
  return {
    dir,
    portBase,
    up: () => run('up'),
    down: () => run('down'),
    state: () => JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ClusterState,
  };
}
