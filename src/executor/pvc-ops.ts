// kfp-kubernetes' CreatePVC / DeletePVC and the run workspace (dsl.PipelineConfig(workspace=...)) as plain
// PersistentVolumeClaim objects, built without I/O. The controller creates and deletes them; the local runner
// only resolves names (it has no cluster), so both modes agree on the `name` output.
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../model/types.js';
import { quantityProblem } from '../model/quantity.js';

export class PlatformOpError extends Error {}

export interface PvcObject {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: JsonObject[] };
  spec: JsonObject;
}

const ACCESS_MODES = new Set(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']);
// metadata.name of a PVC: a DNS-1123 subdomain.
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// resource.Quantity, as the API server parses it.

function text(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** A LIST / STRUCT input may arrive as JSON text (from an upstream output). */
function structured(v: JsonValue | undefined): JsonValue | undefined {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as JsonValue;
  } catch {
    return v;
  }
}

export function checkPvcName(name: string, field: string): void {
  if (name.length > 253 || !SUBDOMAIN.test(name)) {
    throw new PlatformOpError(`${field}: "${name}" is not a valid PersistentVolumeClaim name; use lower-case letters, digits, '-' and '.', at most 253 characters, starting and ending with a letter or digit`);
  }
}

/**
 * The claim's name: `pvc_name` as given, or `<run name>-<pvc_name_suffix>` (one leading '-' of the suffix is
 * kept as the separator). KFP's backend prefixes a random id instead; the run name keeps ours deterministic,
 * so a controller restarted mid-creation finds its own claim instead of making a second one.
 */
export function createPvcName(params: Record<string, JsonValue>, runName: string): string {
  const name = text(params.pvc_name);
  const suffix = text(params.pvc_name_suffix);
  if (name && suffix) throw new PlatformOpError('CreatePVC: pvc_name and pvc_name_suffix are both set; give only one of them');
  if (!name && !suffix) throw new PlatformOpError('CreatePVC: neither pvc_name nor pvc_name_suffix is set; give one of them');
  if (name) {
    checkPvcName(name, 'CreatePVC pvc_name');
    return name;
  }
  const full = `${runName}${suffix.startsWith('-') ? '' : '-'}${suffix}`;
  checkPvcName(full, `CreatePVC pvc_name_suffix (claim name "${full}")`);
  return full;
}

export function accessModes(v: JsonValue | undefined, field: string): string[] {
  const list = structured(v);
  if (!Array.isArray(list) || list.length === 0 || !list.every((m) => typeof m === 'string' && ACCESS_MODES.has(m))) {
    throw new PlatformOpError(`${field}: ${JSON.stringify(v ?? null)} is not a list of access modes; use one or more of ${[...ACCESS_MODES].join(', ')}`);
  }
  return list as string[];
}

function quantity(v: JsonValue | undefined, field: string): string {
  const s = typeof v === 'number' ? String(v) : text(v);
  const problem = quantityProblem(s, 'memory');
  if (problem) throw new PlatformOpError(`${field}: "${s.slice(0, 60)}" is not a storage size (${problem}); write it as a Kubernetes quantity such as "5Gi" or "500Mi"`);
  return s;
}

function stringMap(v: JsonValue | undefined, field: string): Record<string, string> {
  const o = structured(v);
  if (o === undefined || o === null || o === '') return {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new PlatformOpError(`${field}: expected a {key: value} dict, got ${JSON.stringify(o)}`);
  return Object.fromEntries(Object.entries(o).map(([k, val]) => [k, typeof val === 'string' ? val : JSON.stringify(val)]));
}

export interface RunRef {
  name: string;
  namespace: string;
  uid: string;
}

/**
 * The claim CreatePVC asks for. `storage_class_name` '' (the SDK's default) means the cluster's default class,
 * unless `volume_name` binds a pre-made volume, which needs no class. Labelled with the run so a claim left
 * behind can be found (`kubectl get pvc -l pipewright.dev/run=<run>`); not owned by it, as on KFP: a claim the
 * pipeline does not delete outlives the run.
 */
export function createPvcObject(params: Record<string, JsonValue>, run: RunRef, labels: Record<string, string>): PvcObject {
  const name = createPvcName(params, run.name);
  const spec: JsonObject = {
    accessModes: accessModes(params.access_modes, 'CreatePVC access_modes'),
    resources: { requests: { storage: quantity(params.size, 'CreatePVC size') } },
  };
  const storageClass = text(params.storage_class_name);
  const volumeName = text(params.volume_name);
  if (storageClass) spec.storageClassName = storageClass;
  else if (volumeName) spec.storageClassName = '';
  if (volumeName) spec.volumeName = volumeName;
  const dataSource = stringMap(params.data_source, 'CreatePVC data_source');
  if (Object.keys(dataSource).length) {
    if (!dataSource.kind || !dataSource.name) throw new PlatformOpError('CreatePVC data_source: needs "kind" and "name" (and "apiGroup" for a VolumeSnapshot)');
    spec.dataSource = dataSource;
  }
  const annotations = stringMap(params.annotations, 'CreatePVC annotations');
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: run.namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec,
  };
}

export function deletePvcName(params: Record<string, JsonValue>): string {
  const name = text(params.pvc_name);
  if (!name) throw new PlatformOpError('DeletePVC: pvc_name is empty; pass the name output of CreatePVC or the name of a claim');
  checkPvcName(name, 'DeletePVC pvc_name');
  return name;
}

/** The mount path KFP gives the workspace in every task (`{{$.workspace_path}}`). */
export const WORKSPACE_MOUNT_PATH = '/kfp-workspace';

export interface WorkspaceDefaults {
  storageClassName?: string;
  accessModes: string[];
}

/** `pipelineConfig.workspace` of the IR's kubernetes platform, if the pipeline asks for a workspace. */
export function workspaceConfig(pipelineConfig: JsonObject | undefined): JsonObject | undefined {
  const w = pipelineConfig?.workspace;
  return w && typeof w === 'object' && !Array.isArray(w) ? w : undefined;
}

/** `<run>-kfp-workspace`; over-long run names are cut and made unique with a hash of the uid. */
export function workspaceClaimName(run: RunRef): string {
  const suffix = '-kfp-workspace';
  if (run.name.length + suffix.length <= 253) return `${run.name}${suffix}`;
  const hash = createHash('sha256').update(run.uid).digest('hex').slice(0, 10);
  return `${run.name.slice(0, 253 - suffix.length - 11).replace(/[-.]+$/, '')}-${hash}${suffix}`;
}

/**
 * The run's workspace claim: size from `workspace.size`, class and access modes from the operator's defaults,
 * then `workspace.kubernetes.pvcSpecPatch` over the spec (top-level fields replaced, as KFP merges it).
 */
export interface WorkspaceClaim {
  name: string;
  run: RunRef;
  defaults: WorkspaceDefaults;
  owner: JsonObject;
  labels: Record<string, string>;
}

export function workspacePvcObject(workspace: JsonObject, { name, run, defaults, owner, labels }: WorkspaceClaim): PvcObject {
  const size = quantity(workspace.size, 'pipeline_config.workspace.size');
  const spec: JsonObject = { accessModes: defaults.accessModes, resources: { requests: { storage: size } } };
  if (defaults.storageClassName) spec.storageClassName = defaults.storageClassName;
  const k8s = workspace.kubernetes;
  const patch = k8s && typeof k8s === 'object' && !Array.isArray(k8s) ? k8s.pvcSpecPatch : undefined;
  if (patch && typeof patch === 'object' && !Array.isArray(patch)) {
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'resources' && v && typeof v === 'object' && !Array.isArray(v)) {
        spec.resources = { ...(spec.resources as JsonObject), ...v };
      } else {
        spec[k] = v;
      }
    }
    if (patch.accessModes !== undefined) accessModes(patch.accessModes, 'pipeline_config.workspace.kubernetes.pvcSpecPatch.accessModes');
  }
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: run.namespace, labels, ownerReferences: [owner] }, spec };
}

/** Where a workspace claim's storage class came from: the pipeline's pvcSpecPatch, else the operator's default. */
export function workspaceClassSource(workspace: JsonObject): 'pipeline' | 'operator' {
  const k8s = workspace.kubernetes;
  const patch = k8s && typeof k8s === 'object' && !Array.isArray(k8s) ? k8s.pvcSpecPatch : undefined;
  return patch && typeof patch === 'object' && !Array.isArray(patch) && patch.storageClassName !== undefined ? 'pipeline' : 'operator';
}

/**
 * A claim that names a StorageClass the cluster lacks never binds: the message leads with the cause as Kubernetes
 * words it (`storageclass "x" not found`) and says which setting to change.
 */
export function missingStorageClassMessage(claim: { kind: 'workspace' | 'createPvc'; name: string; storageClass: string; source?: 'pipeline' | 'operator' }): string {
  const cause = `storageclass "${claim.storageClass}" not found`;
  if (claim.kind === 'createPvc') {
    return `CreatePVC ${claim.name}: ${cause}; create that StorageClass, or pass an existing storage_class_name (storage_class_name='' uses the cluster's default class)`;
  }
  const fix = claim.source === 'operator'
    ? "set the operator's PIPEWRIGHT_WORKSPACE_STORAGE_CLASS to an existing class (unset: the cluster's default class)"
    : "drop storageClassName from the pipeline's dsl.WorkspaceConfig(kubernetes={'pvcSpecPatch': ...}) to use the cluster's default class, or name an existing one";
  return `the run's workspace claim ${claim.name} cannot be provisioned: ${cause}; create that StorageClass, or ${fix}`;
}

/**
 * What the claims a pending pod waits on say about themselves: name, phase, class, provisioner, and `cause`, the
 * latest event about the claim (`ProvisioningFailed: storageclass.storage.k8s.io "x" not found`).
 */
export interface ClaimState { name: string; phase?: string; storageClassName?: string; provisioner?: string; missing?: boolean; cause?: string }

/** An event about a claim, as much as claimCause reads. */
export interface ClaimEvent { type?: string; reason?: string; message?: string; lastTimestamp?: Date | string; eventTime?: Date | string; count?: number }

/**
 * The claim's own reason from its events: the latest Warning (ProvisioningFailed: `storageclass.storage.k8s.io "x"
 * not found`, a provisioner's error) or else the latest event (ExternalProvisioning: waiting for the provisioner),
 * its first sentence on one line (a task message holds 300 characters); undefined without events.
 */
export function claimCause(events: readonly ClaimEvent[]): string | undefined {
  const at = (e: ClaimEvent): number => Date.parse(String(e.lastTimestamp ?? e.eventTime ?? '')) || 0;
  const newest = (list: ClaimEvent[]): ClaimEvent | undefined => list.filter((e) => e.message).sort((a, b) => at(b) - at(a))[0];
  const e = newest(events.filter((x) => x.type === 'Warning')) ?? newest([...events]);
  if (!e) return undefined;
  const text = e.message!.replace(/\s+/g, ' ').trim().replace(/(?<=\S{3})\. .*$/, '');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * A pod the scheduler cannot place because of its claims: the claims' own reason (from their events) where known,
 * else their state (class, who should provision it, where the events are) and the scheduler's words. Undefined
 * when no claim is stuck.
 */
export function unboundClaimMessage(claims: ClaimState[], namespace: string, scheduler: string): string | undefined {
  const stuck = claims.filter((c) => c.missing || c.phase !== 'Bound');
  if (!stuck.length) return undefined;
  const parts = stuck.map((c) => {
    if (c.missing) return `claim ${c.name} does not exist in namespace ${namespace}`;
    const cls = c.storageClassName ? `StorageClass "${c.storageClassName}"` : 'no StorageClass';
    const by = c.provisioner ? ` (provisioner ${c.provisioner})` : '';
    if (c.cause) return `claim ${c.name} is ${c.phase ?? 'Pending'}: ${c.cause} (kubectl describe pvc ${c.name} -n ${namespace})`;
    return `claim ${c.name} is ${c.phase ?? 'Pending'}: no volume from ${cls}${by} yet; its events say why (kubectl describe pvc ${c.name} -n ${namespace})`;
  });
  // The scheduler's words ("unbound immediate PersistentVolumeClaims") add nothing to a claim's own reason.
  return stuck.some((c) => c.cause) ? parts.join('; ') : `${parts.join('; ')}; ${scheduler}`;
}
