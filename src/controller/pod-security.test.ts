// Task pods against the Pod Security `restricted` profile (the fields it checks for our pods): the helper
// containers always pass, the user's container passes once its component sets a non-root user.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { plan } from '../engine/plan.js';
import { RUN } from '../engine/testing/builders.js';
import { applyPlatformConfig } from '../executor/platform.js';
import { parseKfpIr } from '../model/kfp-ir.js';
import { configFromEnv } from './config.js';
import { rejectedPodMessage } from './pod-security.js';
import { buildTaskPod, HELPER_UID } from './pod-spec.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000' });
const pipeline = parseKfpIr(readFileSync('examples/training/pipeline.yaml', 'utf8'));
const run = { ...RUN, pipelineRoot: 'minio://pipewright/v2/artifacts' };

function taskPod(platform?: Record<string, unknown>): V1Pod {
  const launch = plan({ pipeline, arguments: {}, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch[0]!;
  const executor = pipeline.executors[launch.executorLabel];
  return buildTaskPod({ run, launch, component: pipeline.components[launch.componentName]!, executor: executor as never, config, grant: { key: Buffer.alloc(32, 1), nowSec: 1_767_225_600 }, ...(platform ? { platform: platform as never } : {}) });
}

/** What the restricted profile's checks say about one container of the pod (empty: allowed). */
function restrictedViolations(pod: V1Pod, c: V1Container): string[] {
  const podSc = pod.spec?.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const out: string[] = [];
  if (sc.allowPrivilegeEscalation !== false) out.push('allowPrivilegeEscalation');
  if (!sc.capabilities?.drop?.includes('ALL')) out.push('capabilities.drop');
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) out.push('runAsNonRoot');
  if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push('runAsUser');
  const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push('seccompProfile');
  if (sc.privileged) out.push('privileged');
  return out;
}

const containers = (pod: V1Pod): V1Container[] => [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
const byName = (pod: V1Pod, name: string): V1Container => containers(pod).find((c) => c.name === name)!;

describe('Pod Security restricted', () => {
  it('runs inputs and outputs fully restricted, as the image user, on a read-only root', () => {
    const pod = taskPod();
    for (const name of ['inputs', 'outputs']) {
      const c = byName(pod, name);
      expect([name, restrictedViolations(pod, c)]).toEqual([name, []]);
      expect(c.securityContext).toMatchObject({ runAsUser: HELPER_UID, runAsGroup: HELPER_UID, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } });
    }
    expect(pod.spec!.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('leaves a component that sets no user as it was, which restricted refuses for runAsNonRoot', () => {
    const pod = taskPod();
    expect(byName(pod, 'main').securityContext).toBeUndefined();
    expect(restrictedViolations(pod, byName(pod, 'main'))).toEqual(['allowPrivilegeEscalation', 'capabilities.drop', 'runAsNonRoot']);
  });

  it('makes the user container restricted when its component sets a non-root user (set_security_context)', () => {
    const pod = taskPod({ securityContext: { runAsUser: 1000 } });
    expect(byName(pod, 'main').securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 1000, runAsNonRoot: true });
    expect(containers(pod).map((c) => [c.name, restrictedViolations(pod, c)])).toEqual([['inputs', []], ['main', []], ['outputs', []]]);
  });

  it('keeps what the component said: run_as_non_root alone, an explicit false, and uid 0', () => {
    const main = (sc: Record<string, unknown>): V1Container => {
      const c: V1Container = { name: 'main' };
      applyPlatformConfig({ metadata: {}, spec: { containers: [] } }, c, { securityContext: sc } as never, {});
      return c;
    };
    expect(main({ runAsNonRoot: true }).securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(main({ runAsUser: 1000, runAsNonRoot: false }).securityContext?.runAsNonRoot).toBe(false);
    expect(main({ runAsUser: 0 }).securityContext?.runAsNonRoot).toBeUndefined();
    expect(main({ runAsGroup: 5 }).securityContext?.runAsNonRoot).toBeUndefined();
  });
});

describe('a refused task pod', () => {
  // The API server's words for a task pod whose component set no user (kube-apiserver v1.34).
  const refusal = 'pods "r-unconfined-806bb83906" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
    + '(container "main" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "main" must set '
    + 'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "main" must set securityContext.runAsNonRoot=true)';

  it('leads with the fix and runAsNonRoot, within the status message limit', () => {
    const m = rejectedPodMessage(refusal);
    expect(m).toBe('Pod Security "restricted:latest" refused the task\'s pod: set a non-root user on the component (kfp-kubernetes '
      + 'set_security_context(task, run_as_user=1000)); pod or container "main" must set securityContext.runAsNonRoot=true; '
      + 'container "main" must set securityContext.allowPrivilegeEscalation=false; container "main" must set securityContext.capabilities.drop=["ALL"]');
    expect(m.slice(0, 300)).toContain('runAsNonRoot=true');
  });

  it('keeps other refusals as the API server said them', () => {
    expect(rejectedPodMessage('exceeded quota: q, requested: pods=1')).toBe("the API server rejected the task's pod: exceeded quota: q, requested: pods=1");
    expect(rejectedPodMessage('pods "p" is forbidden: violates PodSecurity "baseline:v1.34": host namespaces (hostNetwork=true)'))
      .toBe('Pod Security "baseline:v1.34" refused the task\'s pod: the pod defaults must meet the namespace\'s policy; hostNetwork=true');
  });
});
