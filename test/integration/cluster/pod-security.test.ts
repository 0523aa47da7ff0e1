// Pod Security `restricted` on the test cluster (the apiserver's PodSecurity admission enforces the namespace
// label): a pipeline compiled by the real kfp SDK whose components set a non-root user with kfp-kubernetes runs
// to Succeeded, an artifact and an output parameter passing between its tasks; a task that sets no user is
// refused by the API server, and the run says why and what to set.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { createNamespace, kubectl, kubectlOk } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, readS3, startTestController, waitForRun } from './operator.js';

jest.setTimeout(600_000);

const IR = readFileSync('test/fixtures/ir/pod_security.yaml', 'utf8');
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;

const runObject = (name: string, args: Record<string, unknown> = {}) => JSON.stringify({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineYAML: IR, arguments: args },
});

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('restricted');
  await kubectlOk(['label', 'namespace', ns.name, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

describe('a namespace enforcing Pod Security restricted', () => {
  it('is enforced by the API server: a plain pod is refused, naming runAsNonRoot', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'python:3.11', command: ['true'] }] } };
    const r = await kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify(pod));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest".*runAsNonRoot/s);
  });

  it('runs a pipeline whose components set a non-root user to Succeeded, passing an artifact and a parameter', async () => {
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], runObject('nonroot'));
    const run = await waitForRun(ns.name, 'nonroot', 300_000);
    expect([run.status?.phase, run.status?.message]).toEqual(['Succeeded', run.status?.message]);
    const nodes = run.status!.nodes!;
    expect(nodes.produce?.outputs?.parameters).toEqual({ Output: 1000 });
    expect(nodes.consume?.outputs?.parameters).toEqual({ Output: 'restricted from uid 1000, read by uid 2000' });
    expect(await readS3(nodes.produce!.outputs!.artifacts!.data![0]!.uri)).toBe('restricted');
    expect(nodes['condition-1']?.phase).toBe('Skipped');
    expect(nodes.produce?.phase).toBe('Succeeded');

    // What ran: every container of every task pod restricted, the helpers as the image's user.
    const pods = (JSON.parse(await kubectlOk(['get', 'pods', '-n', ns.name, '-l', `pipewright.dev/run-uid=${run.metadata!.uid}`, '-o', 'json'])) as { items: V1Pod[] }).items;
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.spec?.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
        expect([c.name, c.securityContext?.allowPrivilegeEscalation, c.securityContext?.capabilities?.drop, c.securityContext?.runAsNonRoot])
          .toEqual([c.name, false, ['ALL'], true]);
        if (c.name !== 'main') expect(c.securityContext).toMatchObject({ runAsUser: 65532, readOnlyRootFilesystem: true });
      }
    }
  });

  it('fails a task that sets no user with the API server\'s reason, naming runAsNonRoot', async () => {
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], runObject('unconfined', { with_unconfined: true }));
    const run = await waitForRun(ns.name, 'unconfined', 300_000);
    // A refused pod is an infrastructure error of the task (not its code failing), so the run ends in Error.
    expect(run.status?.phase).toBe('Error');
    const task = Object.values(run.status!.nodes!).find((n) => n.task === 'unconfined')!;
    expect(task.phase).toBe('Error');
    // The API server's refusal, fix first: what to set on the component, then each field it asked for.
    expect(task.message).toMatch(/^Pod Security "restricted:latest" refused the task's pod: set a non-root user on the component \(kfp-kubernetes set_security_context\(task, run_as_user=1000\)\); pod or container "main" must set securityContext\.runAsNonRoot=true; container "main" must set securityContext\.allowPrivilegeEscalation=false/);
    expect(run.status?.message).toContain('unconfined');
    // The tasks that set a user still ran (or came from the cache of the run above).
    expect(['Succeeded', 'Cached']).toContain(run.status!.nodes!.consume?.phase);
  });
});
