import { describe, expect, it } from '@jest/globals';
import { claimCause, createPvcName, createPvcObject, deletePvcName, missingStorageClassMessage, PlatformOpError, workspaceClaimName, workspaceClassSource, unboundClaimMessage, workspacePvcObject } from './pvc-ops.js';

const run = { name: 'train-7', namespace: 'ml', uid: 'u-1' };
const labels = { 'pipewright.dev/run': 'train-7' };

describe('CreatePVC', () => {
  it('names the claim from pvc_name or from the run and pvc_name_suffix', () => {
    expect(createPvcName({ pvc_name: 'scratch' }, 'r')).toBe('scratch');
    expect(createPvcName({ pvc_name_suffix: '-data' }, 'r')).toBe('r-data');
    expect(createPvcName({ pvc_name_suffix: 'data' }, 'r')).toBe('r-data');
    // The SDK passes absent optional inputs as missing, an explicit None as '' at most.
    expect(createPvcName({ pvc_name: '', pvc_name_suffix: 'x' }, 'r')).toBe('r-x');
  });

  it('refuses both, neither and invalid names, naming the input', () => {
    expect(() => createPvcName({ pvc_name: 'a', pvc_name_suffix: 'b' }, 'r')).toThrow(/give only one/);
    expect(() => createPvcName({}, 'r')).toThrow(/give one of them/);
    expect(() => createPvcName({ pvc_name: 'Bad_Name' }, 'r')).toThrow(/CreatePVC pvc_name: "Bad_Name" is not a valid/);
    expect(() => createPvcName({ pvc_name_suffix: '-x-' }, 'r')).toThrow(/pvc_name_suffix \(claim name "r-x-"\)/);
  });

  it('builds the claim: modes, size, class, static volume, data source, annotations, labels', () => {
    const pvc = createPvcObject(
      { pvc_name_suffix: '-data', access_modes: ['ReadWriteOnce'], size: '5Gi', storage_class_name: 'fast', annotations: { team: 'ml' }, data_source: { kind: 'VolumeSnapshot', name: 'snap', apiGroup: 'snapshot.storage.k8s.io' } },
      run,
      labels,
    );
    expect(pvc).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'train-7-data', namespace: 'ml', labels, annotations: { team: 'ml' } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '5Gi' } },
        storageClassName: 'fast',
        dataSource: { kind: 'VolumeSnapshot', name: 'snap', apiGroup: 'snapshot.storage.k8s.io' },
      },
    });
    // '' = the cluster's default class (no field); a pre-made volume binds without a class.
    expect(createPvcObject({ pvc_name: 'p', access_modes: '["ReadWriteMany"]', size: '1Gi', storage_class_name: '' }, run, labels).spec).toEqual({
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '1Gi' } },
    });
    expect(createPvcObject({ pvc_name: 'p', access_modes: ['ReadOnlyMany'], size: '1Gi', volume_name: 'pv-1' }, run, labels).spec).toMatchObject({ storageClassName: '', volumeName: 'pv-1' });
  });

  it('refuses bad access modes, sizes and data sources with the fix', () => {
    const base = { pvc_name: 'p', access_modes: ['ReadWriteOnce'], size: '1Gi' };
    expect(() => createPvcObject({ ...base, access_modes: ['RWO'] }, run, labels)).toThrow(/access_modes: \["RWO"\] is not a list of access modes; use one or more of ReadWriteOnce/);
    expect(() => createPvcObject({ ...base, access_modes: [] }, run, labels)).toThrow(PlatformOpError);
    expect(() => createPvcObject({ ...base, size: '5 GB' }, run, labels)).toThrow(/size: "5 GB" is not a storage size/);
    expect(() => createPvcObject({ ...base, data_source: { kind: 'PersistentVolumeClaim' } }, run, labels)).toThrow(/needs "kind" and "name"/);
  });
});

describe('DeletePVC', () => {
  it('needs a valid name', () => {
    expect(deletePvcName({ pvc_name: 'train-7-data' })).toBe('train-7-data');
    expect(() => deletePvcName({})).toThrow(/pvc_name is empty/);
    expect(() => deletePvcName({ pvc_name: '../etc' })).toThrow(/not a valid PersistentVolumeClaim name/);
  });
});

describe('workspace', () => {
  const owner = { apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', name: 'train-7', uid: 'u-1', controller: true };
  it('is <run>-kfp-workspace, shortened with a hash for long run names', () => {
    expect(workspaceClaimName(run)).toBe('train-7-kfp-workspace');
    const long = workspaceClaimName({ ...run, name: 'a'.repeat(250) });
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^a+-[0-9a-f]{10}-kfp-workspace$/);
    // Two long runs with the same cut name still get different claims.
    expect(workspaceClaimName({ ...run, name: 'a'.repeat(250), uid: 'u-2' })).not.toBe(long);
  });

  it('takes size from the pipeline, class and modes from the operator, then the pipeline patch', () => {
    const pvc = workspacePvcObject({ size: '2Gi', kubernetes: { pvcSpecPatch: { storageClassName: 'nfs', accessModes: ['ReadWriteMany'] } } }, { name: 'w', run, defaults: { storageClassName: 'standard', accessModes: ['ReadWriteOnce'] }, owner, labels });
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'nfs' });
    expect(pvc.metadata.ownerReferences).toEqual([owner]);
    expect(workspacePvcObject({ size: '1Gi', kubernetes: { pvcSpecPatch: {} } }, { name: 'w', run, defaults: { accessModes: ['ReadWriteOnce'] }, owner, labels }).spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
    expect(() => workspacePvcObject({ size: 'big' }, { name: 'w', run, defaults: { accessModes: ['ReadWriteOnce'] }, owner, labels })).toThrow(/pipeline_config.workspace.size: "big"/);
  });
});

describe('a claim naming a missing StorageClass', () => {
  it('says where the class came from and leads with the cause in Kubernetes words', () => {
    const fromPipeline = { size: '1Gi', kubernetes: { pvcSpecPatch: { storageClassName: 'standard' } } };
    expect(workspaceClassSource(fromPipeline)).toBe('pipeline');
    expect(workspaceClassSource({ size: '1Gi' })).toBe('operator');
    expect(workspaceClassSource({ size: '1Gi', kubernetes: { pvcSpecPatch: { accessModes: ['ReadWriteOnce'] } } })).toBe('operator');
    const ws = missingStorageClassMessage({ kind: 'workspace', name: 'r-kfp-workspace', storageClass: 'standard', source: 'pipeline' });
    expect(ws).toMatch(/^the run's workspace claim r-kfp-workspace cannot be provisioned: storageclass "standard" not found; create that StorageClass, or drop storageClassName/);
    expect(missingStorageClassMessage({ kind: 'workspace', name: 'c', storageClass: 'fast', source: 'operator' })).toContain('PIPEWRIGHT_WORKSPACE_STORAGE_CLASS');
    expect(missingStorageClassMessage({ kind: 'createPvc', name: 'r-data', storageClass: 'fast' })).toBe(
      'CreatePVC r-data: storageclass "fast" not found; create that StorageClass, or pass an existing storage_class_name (storage_class_name=\'\' uses the cluster\'s default class)',
    );
  });
});

describe('unboundClaimMessage', () => {
  const sched = 'unschedulable: 0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims';
  it('names the stuck claim, its class and provisioner and where its events are, before the scheduler\'s words', () => {
    expect(unboundClaimMessage([
      { name: 'ok', phase: 'Bound', storageClassName: 'fast' },
      { name: 'r-kfp-workspace', phase: 'Pending', storageClassName: 'never', provisioner: 'example.com/never' },
      { name: 'gone', missing: true },
    ], 'team', sched)).toBe('claim r-kfp-workspace is Pending: no volume from StorageClass "never" (provisioner example.com/never) yet; its events say why (kubectl describe pvc r-kfp-workspace -n team); '
      + `claim gone does not exist in namespace team; ${sched}`);
  });
  it('gives the claim\'s own reason from its events when there is one', () => {
    expect(unboundClaimMessage([{ name: 'data', phase: 'Pending', storageClassName: 'gone', cause: 'storageclass.storage.k8s.io "gone" not found' }], 'team', sched))
      .toBe('claim data is Pending: storageclass.storage.k8s.io "gone" not found (kubectl describe pvc data -n team)');
  });
  it('says nothing when every claim is bound', () => {
    expect(unboundClaimMessage([{ name: 'ok', phase: 'Bound' }], 'team', sched)).toBeUndefined();
    expect(unboundClaimMessage([], 'team', sched)).toBeUndefined();
  });
});

describe('claimCause', () => {
  it('prefers the latest Warning, else the latest event, on one line', () => {
    const waiting = { type: 'Normal', reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'x'\n or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running.", lastTimestamp: '2026-01-01T00:00:09Z' };
    const failed = { type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gone" not found', lastTimestamp: '2026-01-01T00:00:05Z' };
    const older = { type: 'Warning', reason: 'ProvisioningFailed', message: 'older', lastTimestamp: '2026-01-01T00:00:01Z' };
    expect(claimCause([older, waiting, failed])).toBe('storageclass.storage.k8s.io "gone" not found');
    expect(claimCause([waiting])).toBe("Waiting for a volume to be created either by the external provisioner 'x' or manually by the system administrator");
    expect(claimCause([])).toBeUndefined();
    expect(claimCause([{ type: 'Warning', reason: 'X', message: 'y'.repeat(400) }])!.length).toBe(200);
  });
});
