// Workspace claims on the cluster: KFP's pipeline_with_workspace shape (storageClassName: standard) runs, since the
// test cluster offers `standard`; a claim of a class that exists but never provisions is reported on the run within
// seconds with the claim's own state and reason (from its events: the volume controller's words), and the run fails
// at spec.pendingTimeout instead of staying Running; so does a claim of the user's (pvcMount) naming a missing class.
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

jest.setTimeout(180_000);

const IR = readFileSync('test/fixtures/ir/compat/workspace_class.yaml', 'utf8');
const never = `pw-never-${randomBytes(3).toString('hex')}`;
const missing = `pw-missing-${randomBytes(3).toString('hex')}`;
// The same task mounting a claim of the user's (kfp-kubernetes mount_pvc) instead of the run's workspace.
const MOUNT_IR = IR.replace("constant: '{{$.workspace_path}}'", 'constant: /mnt/data').replace(/---\nplatforms:[\s\S]*$/, `---
platforms:
  kubernetes:
    deploymentSpec:
      executors:
        exec-write-note:
          pvcMount:
          - mountPath: /mnt/data
            pvcNameParameter:
              runtimeValue:
                constant: data-missing
`);
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('claims');
  await prepareNamespaceForRuns(ns.name);
  // A class that exists but whose provisioner runs nowhere: its claims stay Pending for ever.
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: never }, provisioner: 'example.com/never', volumeBindingMode: 'Immediate' }));
  // A claim of a class the cluster lacks, made by the user (the controller only checks the classes of claims it makes).
  await kubectlOk(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-missing' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: missing, resources: { requests: { storage: '1Mi' } } } }));
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
  await kubectl(['delete', 'storageclass', never, '--ignore-not-found']);
});

const run = (name: string, pipelineYAML: string, extra: Record<string, unknown> = {}): string => JSON.stringify({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name, namespace: ns.name }, spec: { pipelineYAML, ...extra },
});

describe('workspace claims', () => {
  it('runs pipeline_with_workspace on `standard`; an unbindable claim says why within seconds and fails at the pending deadline', async () => {
    await kubectlOk(['apply', '-f', '-'], run('ws-standard', IR));
    await kubectlOk(['apply', '-f', '-'], run('ws-never', IR.replace('storageClassName: standard', `storageClassName: ${never}`), { pendingTimeout: '20s' }));
    await kubectlOk(['apply', '-f', '-'], run('mount-missing', MOUNT_IR, { pendingTimeout: '20s' }));
    // The volume controller's event on the claim: waiting for the class's external provisioner, or, while its
    // cache has not seen the class created just before (a loaded machine), that the class is not found.
    const why = [
      `Waiting for a volume to be created either by the external provisioner 'example.com/never' or manually by the system administrator`,
      `storageclass.storage.k8s.io "${never}" not found`,
    ];
    const claimOf = (message: string | undefined): string | undefined =>
      why.map((w) => `claim ws-never-kfp-workspace is Pending: ${w} (kubectl describe pvc ws-never-kfp-workspace -n ${ns.name})`).find((c) => message?.includes(c));
    const t0 = Date.now();
    let seen = '';
    let claim: string | undefined;
    await waitUntil('the claim\'s state in the run message', async () => {
      const r = await getRun(ns.name, 'ws-never');
      seen = `${r.status?.phase}: ${r.status?.message ?? ''} / write-note: ${r.status?.nodes?.['write-note']?.message ?? ''}`;
      claim = r.status?.phase === 'Running' ? claimOf(r.status?.message) : undefined;
      return claim !== undefined;
    }, 30_000, 250).catch((e: Error) => {
      throw new Error(`${e.message}; last seen ${seen}`);
    });
    const reportedMs = Date.now() - t0;
    const stuck = await getRun(ns.name, 'ws-never');
    expect(stuck.status?.phase).toBe('Running');
    expect(claimOf(stuck.status?.nodes?.['write-note']?.message)).toBe(stuck.status?.nodes?.['write-note']?.message);

    const failed = await waitForRun(ns.name, 'ws-never', 90_000);
    const failedMs = Date.now() - t0;
    process.stderr.write(`unbindable claim: reported after ${reportedMs} ms, run Failed after ${failedMs} ms (pendingTimeout 20s)\n`);
    expect(failed.status?.phase).toBe('Failed');
    expect(failed.status?.nodes?.['write-note']?.message).toMatch(/did not start within the pending deadline of 20s: claim ws-never-kfp-workspace is Pending: /);
    expect(claimOf(failed.status?.nodes?.['write-note']?.message)).toBeDefined();
    expect(claim).toBeDefined();
    expect(failed.status?.message).toContain('did not start within the pending deadline of 20s');
    // Its pod is gone: a volume provisioned later must not start a task of a failed run.
    const pods = await kubectlOk(['get', 'pods', '-n', ns.name, '-l', `pipewright.dev/run=ws-never`, '-o', 'name']);
    expect(pods.trim()).toBe('');

    // The user's claim of a missing class: the claim's own reason, as the volume controller words it.
    const cause = `claim data-missing is Pending: storageclass.storage.k8s.io "${missing}" not found (kubectl describe pvc data-missing -n ${ns.name})`;
    const mount = await waitForRun(ns.name, 'mount-missing', 90_000);
    expect(mount.status?.phase).toBe('Failed');
    expect(mount.status?.nodes?.['write-note']?.message).toContain(`did not start within the pending deadline of 20s: ${cause}`);

    const ok = await waitForRun(ns.name, 'ws-standard', 120_000);
    expect(ok.status?.phase).toBe('Succeeded');
    expect(ok.status?.nodes?.['write-note']?.outputs?.parameters).toEqual({ Output: 'note.txt' });
  });
});
