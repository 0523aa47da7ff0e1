// Namespaced mode: PIPEWRIGHT_NAMESPACES=a,b and an identity with RoleBindings in a and b only (the rules of
// deploy/rbac.yaml's ClusterRole, as the chart's watchNamespaces makes them), nothing cluster-wide. Runs in a and
// b succeed, a run in c is left alone, every request is namespaced and none is denied, and a pod in b that forges
// the label of a's run does not count as that run's pod.
import { jest } from '@jest/globals';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { ANNOTATION_ATTEMPT, ANNOTATION_NODE, runLabels } from '../../../src/controller/names.js';
import { AUDITED_NAMESPACE } from '../../cluster/control-plane.js';
import { createNamespace, kubectlOk, sleep, waitForPhase } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, waitForRun } from './operator.js';
import { auditEvents, controllerRules, serviceAccountKubeconfig, startControllerAs } from './rbac.js';

jest.setTimeout(240_000);

const SA = 'pipewright-namespaced';
const USER = `system:serviceaccount:${AUDITED_NAMESPACE}:${SA}`;
const t0 = new Date();
const spaces: { name: string; remove: () => Promise<void> }[] = [];
let controller: ControllerHandle | undefined;

beforeAll(async () => {
  await installCrds();
  await kubectlOk(['apply', '-f', 'deploy/namespace.yaml']);
  await kubectlOk(['apply', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: AUDITED_NAMESPACE } }));
  for (const p of ['nsa', 'nsb', 'nsc']) {
    const ns = await createNamespace(p);
    spaces.push(ns);
    await prepareNamespaceForRuns(ns.name);
  }
  for (const ns of spaces.slice(0, 2)) {
    const meta = { name: SA, namespace: ns.name };
    await kubectlOk(['apply', '-f', '-'], stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: controllerRules() }));
    await kubectlOk(['apply', '-f', '-'], stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SA },
      subjects: [{ kind: 'ServiceAccount', name: SA, namespace: AUDITED_NAMESPACE }],
    }));
  }
});

afterAll(async () => {
  await controller?.stop();
  await Promise.all(spaces.map((s) => s.remove()));
});

const RUN = (name: string, seconds: number) => ({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name },
  spec: { pipelineSpec: { params: [], tasks: [{ name: 'hello', image: 'python:3.11', command: ['python3', '-c', `import time; time.sleep(${seconds}); print('hello')`], cache: false }] } },
});

describe('PIPEWRIGHT_NAMESPACES=a,b with RoleBindings only', () => {
  it('runs in a and b succeed, a run in c is ignored, a pod forging a\'s run label in b does not count', async () => {
    const [a, b, c] = spaces.map((s) => s.name) as [string, string, string];
    const kc = await serviceAccountKubeconfig(AUDITED_NAMESPACE, SA);
    controller = await startControllerAs(kc, { PIPEWRIGHT_NAMESPACES: `${a},${b}` });
    await kubectlOk(['apply', '-n', c, '-f', '-'], stringify(RUN('in-c', 0)));
    await kubectlOk(['apply', '-n', a, '-f', '-'], stringify(RUN('in-a', 8)));
    await kubectlOk(['apply', '-n', b, '-f', '-'], stringify(RUN('in-b', 0)));
    const uidA = (await getRun(a, 'in-a')).metadata!.uid!;
    // In b, a pod with a's run labels claiming a failed later attempt of its task: matched by label, it would
    // fail a's run; matched by namespace and owner, it is nobody's.
    await kubectlOk(['apply', '-n', b, '-f', '-'], stringify({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'forged', labels: runLabels('in-a', uidA), annotations: { [ANNOTATION_NODE]: 'hello', [ANNOTATION_ATTEMPT]: '5' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'python:3.11', command: ['python3', '-c', 'import sys; sys.exit(9)'] }] },
    }));
    await waitForPhase(b, 'forged', ['Failed'], 60_000);
    const ra = await waitForRun(a, 'in-a', 120_000);
    const rb = await waitForRun(b, 'in-b', 120_000);
    expect({ a: ra.status?.phase, b: rb.status?.phase, attempt: ra.status?.nodes?.hello?.attempt }).toEqual({ a: 'Succeeded', b: 'Succeeded', attempt: 1 });
    // c: a run the controller would have finished long ago, had it been watched.
    await sleep(2000);
    const rc = await getRun(c, 'in-c');
    expect(rc.status).toBeUndefined();
    expect((await kubectlOk(['get', 'pods', '-n', c, '-o', 'name'])).trim()).toBe('');

    await controller.stop();
    controller = undefined;
    const events = auditEvents(USER, t0);
    expect(events.length).toBeGreaterThan(0);
    const denied = events.filter((e) => e.annotations?.['authorization.k8s.io/decision'] === 'forbid' || e.responseStatus?.code === 403).map((e) => `${e.verb} ${e.requestURI}`);
    expect(denied).toEqual([]);
    // Every resource request names a or b: no cluster-wide list or watch.
    const elsewhere = events.filter((e) => e.objectRef?.resource && ![a, b].includes(e.objectRef.namespace ?? '')).map((e) => `${e.verb} ${e.requestURI}`);
    expect(elsewhere).toEqual([]);
    const watched = new Set(events.filter((e) => e.verb === 'watch').map((e) => `${e.objectRef?.resource} ${e.objectRef?.namespace}`));
    expect([...watched].sort()).toEqual([`pipelineruns ${a}`, `pipelineruns ${b}`, `pipelines ${a}`, `pipelines ${b}`, `pods ${a}`, `pods ${b}`, `recurringruns ${a}`, `recurringruns ${b}`].sort());
  });
});
