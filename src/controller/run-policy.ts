// The tenancy rules (src/artifacts/tenancy.ts) applied to a run and to each task pod before it is created. Pure.
// A run is refused as a whole for what is fixed in it (its pipeline root, constant importer URIs, constant
// Secret names, its service account); a task is refused for what is only known at run time (names and URIs
// from parameters, the built pod).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { checkPipelineRoot, checkReadUri, checkSecretName, checkServiceAccount, type TenancyConfig } from '../artifacts/tenancy.js';
import type { LaunchRequest } from '../engine/state.js';
import { resolveName } from '../executor/platform.js';
import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import { badModelcarUri, isOci } from '../executor/modelcar.js';
import type { JsonObject, JsonValue, Pipeline } from '../model/types.js';
import type { PodDefaults } from './pod-spec.js';

export interface RunPolicyInput {
  pipeline: Pipeline;
  namespace: string;
  serviceAccountName?: string;
  podDefaults?: PodDefaults;
}

const asList = (v: JsonValue | undefined): JsonObject[] => (Array.isArray(v) ? v.filter((e): e is JsonObject => !!e && typeof e === 'object' && !Array.isArray(e)) : []);

/** kfp-kubernetes fields that name a Secret: use_secret_as_env, use_secret_as_volume, set_image_pull_secrets. */
const SECRET_FIELDS = ['secretAsEnv', 'secretAsVolume', 'imagePullSecret'] as const;

/** Secret names an executor's kfp-kubernetes config refers to; `params` resolves names given by parameters. */
export function platformSecretNames(cfg: JsonObject | undefined, params: Record<string, JsonValue>): { field: string; name: string }[] {
  const out: { field: string; name: string }[] = [];
  for (const f of SECRET_FIELDS) {
    asList(cfg?.[f]).forEach((e, i) => {
      const name = resolveName(e, 'secretNameParameter', 'secretName', params);
      if (name) out.push({ field: `${f}[${i}]`, name });
    });
  }
  return out;
}

/**
 * An artifact URI a run may read: inside the namespace's prefixes (tenancy), or an oci:// image (a modelcar, pulled
 * by the kubelet with the pod's own pull secrets, not read from S3) that is a valid image reference.
 */
export function checkImportedUri(uri: string, ns: string, cfg: TenancyConfig, field: string): Diagnostic | undefined {
  if (!isOci(uri)) return checkReadUri(uri, ns, cfg, field);
  const bad = badModelcarUri(uri);
  return bad ? diagnostic('UNSUPPORTED_ARTIFACT_URI', { path: field }, bad.message, bad.fix) : undefined;
}

/** The run's pipeline root, and every reason to refuse the run before anything runs. */
export function checkRunPolicy(input: RunPolicyInput, cfg: TenancyConfig): { pipelineRoot: string; diagnostics: Diagnostic[] } {
  const { pipeline, namespace: ns } = input;
  const diagnostics: Diagnostic[] = [];
  const rootField = pipeline.source === 'native' ? 'pipelineRoot' : 'defaultPipelineRoot (pipeline_root)';
  const r = checkPipelineRoot(pipeline.defaultPipelineRoot, ns, cfg, rootField);
  if ('diagnostic' in r) diagnostics.push(r.diagnostic);
  for (const [label, ex] of Object.entries(pipeline.executors)) {
    if (ex.kind !== 'importer' || ex.uri.kind !== 'constant') continue;
    const d = checkImportedUri(ex.uri.value, ns, cfg, `deploymentSpec.executors.${label}.importer.artifactUri.constant`);
    if (d) diagnostics.push(d);
  }
  for (const [label, platform] of Object.entries(pipeline.platform.executors)) {
    for (const s of platformSecretNames(platform, {})) {
      const d = checkSecretName(s.name, ns, cfg, `platformSpec kubernetes executors.${label}.${s.field}`);
      if (d) diagnostics.push(d);
    }
  }
  (input.podDefaults?.imagePullSecrets ?? []).forEach((s, i) => {
    const d = checkSecretName(s.name, ns, cfg, `spec.podDefaults.imagePullSecrets[${i}].name`);
    if (d) diagnostics.push(d);
  });
  const sa = checkServiceAccount(input.serviceAccountName, ns, cfg);
  if (sa) diagnostics.push(sa);
  return { pipelineRoot: 'root' in r ? r.root : cfg.pipelineRoot, diagnostics };
}

/** Input artifacts of a launch outside what the namespace may read (whatever produced their URIs). */
export function checkLaunchInputs(launch: LaunchRequest, ns: string, cfg: TenancyConfig): Diagnostic | undefined {
  for (const [name, list] of Object.entries(launch.inputs.artifacts)) {
    for (const a of list) {
      const d = checkImportedUri(a.uri, ns, cfg, `input artifact '${name}'`);
      if (d) return d;
    }
  }
  return undefined;
}

// The pod I/O containers are built by the controller from its own config; everything else on the pod may carry
// names a pipeline chose.
const HELPERS = new Set(['inputs', 'outputs']);

function containerSecrets(c: V1Container): { field: string; name: string }[] {
  const out: { field: string; name: string }[] = [];
  for (const e of c.env ?? []) {
    const name = e.valueFrom?.secretKeyRef?.name;
    if (name) out.push({ field: `container ${c.name} env ${e.name}`, name });
  }
  for (const e of c.envFrom ?? []) if (e.secretRef?.name) out.push({ field: `container ${c.name} envFrom`, name: e.secretRef.name });
  return out;
}

/** Every Secret a built task pod refers to, outside the pipewright helper containers. */
export function podSecretRefs(pod: V1Pod): { field: string; name: string }[] {
  const spec = pod.spec ?? { containers: [] };
  const out: { field: string; name: string }[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) out.push({ field: `volume ${v.name}`, name: v.secret.secretName });
    for (const s of v.projected?.sources ?? []) if (s.secret?.name) out.push({ field: `volume ${v.name}`, name: s.secret.name });
  }
  for (const s of spec.imagePullSecrets ?? []) if (s.name) out.push({ field: 'imagePullSecrets', name: s.name });
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) if (!HELPERS.has(c.name)) out.push(...containerSecrets(c));
  return out;
}

/** The first Secret of the controller's a task pod would mount or read (names from parameters end up here). */
export function checkPodSecrets(pod: V1Pod, ns: string, cfg: TenancyConfig): Diagnostic | undefined {
  for (const ref of podSecretRefs(pod)) {
    const d = checkSecretName(ref.name, ns, cfg, `task pod ${ref.field}`);
    if (d) return d;
  }
  return undefined;
}
