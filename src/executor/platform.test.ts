// Settings the proto has but kfp-kubernetes 2.17 has no helper for yet (so no SDK-compiled fixture): the IR JSON
// is written by hand in the proto's JSON form.
import { describe, expect, it } from '@jest/globals';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { applyPlatformConfig } from './platform.js';

const NODE_AFFINITY = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } };

/** On a pod whose node affinity is set already (the pod builder puts it there first). */
function apply(cfg: Record<string, unknown>): { pod: V1Pod; main: V1Container } {
  const main: V1Container = { name: 'main' };
  const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [], initContainers: [main], affinity: { nodeAffinity: NODE_AFFINITY } } };
  applyPlatformConfig(pod, main, cfg as never, {});
  return { pod, main };
}

describe('pod affinity (PodAffinityTerm)', () => {
  it('maps required and preferred, affinity and anti-affinity terms', () => {
    const { pod } = apply({
      podAffinity: [
        { matchPodLabels: { app: 'cache' }, topologyKey: 'kubernetes.io/hostname' },
        { matchPodExpressions: [{ key: 'tier', operator: 'In', values: ['gpu'] }], topologyKey: 'zone', weight: 40, anti: true, namespaces: ['ml'] },
        { matchPodLabels: { app: 'db' }, matchNamespaceLabels: { team: 'ml' }, topologyKey: 'zone', anti: true },
      ],
    });
    expect(pod.spec!.affinity).toEqual({
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } }] },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 40, podAffinityTerm: { topologyKey: 'zone', labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gpu'] }] }, namespaces: ['ml'] } }],
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } }, namespaceSelector: { matchLabels: { team: 'ml' } } }],
      },
      nodeAffinity: NODE_AFFINITY,
    });
  });
});

describe('shared memory', () => {
  it('mounts a memory-backed volume at /dev/shm, sized when asked', () => {
    const { pod, main } = apply({ enabledSharedMemory: { volumeName: 'shm-big', size: '1Gi' } });
    expect(pod.spec!.volumes).toEqual([{ name: 'shm-big', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }]);
    expect(main.volumeMounts).toEqual([{ name: 'shm-big', mountPath: '/dev/shm' }]);
    expect(apply({ enabledSharedMemory: {} }).pod.spec!.volumes).toEqual([{ name: 'shm', emptyDir: { medium: 'Memory' } }]);
  });
});
