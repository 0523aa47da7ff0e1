// The Node object and its heartbeats: registration, the Lease in kube-node-lease, and the Ready condition.
import { readFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import type { Logger } from 'pino';
import { ApiError, type Kube } from './kube.js';

export interface NodeOptions {
  name: string; kubeletPort: number; capacity: Record<string, string>; kubeletVersion: string;
}

const microTime = (): string => new Date().toISOString().replace('Z', '000Z');
const iso = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function nodeStatus(o: NodeOptions, readySince: string): Record<string, unknown> {
  const now = iso();
  const cond = (type: string, status: string, reason: string, message: string): Record<string, string> =>
    ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: readySince });
  let bootID = '';
  try { bootID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { /* not Linux */ }
  return {
    capacity: o.capacity, allocatable: o.capacity,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'pipewright node agent is posting ready status'),
    ],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: o.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
    nodeInfo: {
      machineID: '', systemUUID: '', bootID, kernelVersion: release(), osImage: 'pipewright node agent',
      containerRuntimeVersion: 'pipewright://0.1.0', kubeletVersion: o.kubeletVersion, kubeProxyVersion: '',
      operatingSystem: 'linux', architecture: arch() === 'x64' ? 'amd64' : arch(),
    },
  };
}

export class NodeHeartbeat {
  private readonly readySince = iso();
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 0;

  constructor(private readonly kube: Kube, private readonly o: NodeOptions, private readonly log: Logger) {}

  async register(): Promise<void> {
    for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
      try {
        const existing = await this.kube.get(`/api/v1/nodes/${this.o.name}`);
        if (!existing) {
          await this.kube.req('POST', '/api/v1/nodes', {
            apiVersion: 'v1', kind: 'Node',
            metadata: { name: this.o.name, labels: {
              'kubernetes.io/hostname': this.o.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
              'pipewright.io/node-agent': 'true',
            } },
          });
        }
        await this.postStatus();
        await this.renewLease();
        this.log.info({ node: this.o.name }, 'node registered');
        return;
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'node registration failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.renewLease().catch((e: Error) => this.log.warn({ err: e.message }, 'lease renewal failed'));
      if (Date.now() - this.lastStatus > 60_000) {
        this.postStatus().catch((e: Error) => this.log.warn({ err: e.message }, 'node status update failed'));
      }
    }, 10_000);
  }

  stop(): void { clearInterval(this.timer); }

  private async postStatus(): Promise<void> {
    await this.kube.req('PATCH', `/api/v1/nodes/${this.o.name}/status`, { status: nodeStatus(this.o, this.readySince) },
      'application/strategic-merge-patch+json');
    this.lastStatus = Date.now();
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.o.name}`;
    const lease = await this.kube.get<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(path);
    if (!lease) {
      const node = await this.kube.get<{ metadata: { uid: string } }>(`/api/v1/nodes/${this.o.name}`);
      await this.kube.req('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name: this.o.name, ownerReferences: node ? [{ apiVersion: 'v1', kind: 'Node', name: this.o.name, uid: node.metadata.uid }] : [] },
        spec: { holderIdentity: this.o.name, leaseDurationSeconds: 40, renewTime: microTime() },
      });
      return;
    }
    lease.spec.renewTime = microTime();
    try { await this.kube.req('PUT', path, lease); } catch (e) { if (!(e instanceof ApiError && e.status === 409)) throw e; }
  }
}
