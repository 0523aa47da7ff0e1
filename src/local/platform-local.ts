// kfp-kubernetes settings in a local run, where a task is a process and not a pod. What a process can be given is
// applied: constant env, pod labels and annotations read through field paths (use_field_path_as_env), Secrets
// as env from a local secrets directory (`--secrets-dir`). Every other setting is named in a warning: a local run
// never drops one silently, so a task that relies on it does not fail later without a word. Pure.
import type { V1EnvVar } from '@kubernetes/client-node';
import type { JsonObject, JsonValue } from '../model/types.js';

/** Platform keys that only mean something on a cluster, by the kfp-kubernetes call that sets them. */
const CLUSTER_ONLY: Record<string, string> = {
  pvcMount: 'mount_pvc',
  secretAsVolume: 'use_secret_as_volume',
  configMapAsVolume: 'use_config_map_as_volume',
  nodeSelector: 'add_node_selector',
  tolerations: 'add_toleration',
  nodeAffinity: 'add_node_affinity',
  podAffinity: 'pod affinity',
  imagePullSecret: 'set_image_pull_secrets',
  imagePullPolicy: 'set_image_pull_policy',
  emptyDirMounts: 'empty_dir_mount',
  genericEphemeralVolume: 'add_ephemeral_volume',
  enabledSharedMemory: 'shared memory',
  securityContext: 'set_security_context',
};
/** Applied locally elsewhere or here: env (below) and the deadline (the runner's timeout). */
const HANDLED = new Set(['secretAsEnv', 'configMapAsEnv', 'fieldPathAsEnv', 'podMetadata', 'activeDeadlineSeconds']);

/** Where Secrets come from locally: `<dir>/<secret name>/<key>` files, as a Secret volume lays them out. */
export interface LocalSecrets {
  dir: string;
  read: (name: string, key: string) => string | undefined;
}

export interface LocalTaskEnv {
  env: Record<string, string>;
  /** One line per setting not applied, naming the task, the kfp-kubernetes call and what is missing. */
  warnings: string[];
  /** A setting that must apply and cannot (a Secret key that is not there): the task fails with this. */
  error?: string;
}

const FIELD = /^metadata\.(labels|annotations)\[(?:'([^']*)'|"([^"]*)")\]$/;

function strings(v: JsonValue | undefined): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

/** What the env list leaves for the warnings: settings without a local value, and whether pod metadata was read. */
interface EnvLeftovers {
  podMeta: { labels: Record<string, string>; annotations: Record<string, string> };
  unsetSecrets: Map<string, string[]>;
  unsetConfigMaps: Map<string, string[]>;
  metadataRead: boolean;
}

const addTo = (m: Map<string, string[]>, k: string, v: string): void => void m.set(k, [...(m.get(k) ?? []), v]);

/** The process env of a task from its resolved env list (taskSettings) and its kfp-kubernetes settings. */
export function localTaskEnv(list: V1EnvVar[], platform: JsonObject | undefined, task: string, secrets?: LocalSecrets): LocalTaskEnv {
  const out: LocalTaskEnv = { env: {}, warnings: [] };
  const meta = platform?.podMetadata && typeof platform.podMetadata === 'object' && !Array.isArray(platform.podMetadata) ? platform.podMetadata : {};
  const left: EnvLeftovers = { podMeta: { labels: strings(meta.labels), annotations: strings(meta.annotations) }, unsetSecrets: new Map(), unsetConfigMaps: new Map(), metadataRead: false };
  for (const e of list) envVar(e, out, left, task, secrets);
  warnLeftovers(out, left, platform, task);
  return out;
}

/** One env entry: a constant, a pod metadata field, a Secret key from the secrets directory; else noted for a warning. */
function envVar(e: V1EnvVar, out: LocalTaskEnv, left: EnvLeftovers, task: string, secrets: LocalSecrets | undefined): void {
  if (e.value !== undefined) {
    out.env[e.name] = e.value;
    return;
  }
  const field = e.valueFrom?.fieldRef?.fieldPath;
  const secret = e.valueFrom?.secretKeyRef;
  const configMap = e.valueFrom?.configMapKeyRef;
  if (field !== undefined) {
    const m = FIELD.exec(field);
    if (m) {
      // As the kubelet: a label or annotation the pod does not have reads as ''.
      out.env[e.name] = left.podMeta[m[1] as 'labels' | 'annotations'][m[2] ?? m[3] ?? ''] ?? '';
      left.metadataRead = true;
    } else {
      out.warnings.push(`task ${task}: use_field_path_as_env ${e.name}='${field}' has no value locally (only metadata.labels['…'] and metadata.annotations['…'], from add_pod_label/add_pod_annotation); ${e.name} is not set`);
    }
  } else if (secret) {
    const name = secret.name ?? '';
    if (!secrets) {
      addTo(left.unsetSecrets, name, e.name);
      return;
    }
    const value = secrets.read(name, secret.key);
    if (value !== undefined) out.env[e.name] = value;
    else if (!secret.optional) {
      out.error ??= `use_secret_as_env: Secret '${name}' key '${secret.key}' (for ${e.name}) is not in the secrets directory: create ${secrets.dir}/${name}/${secret.key}, or mark it optional`;
    }
  } else if (configMap) {
    addTo(left.unsetConfigMaps, configMap.name ?? '', e.name);
  }
}

/** One warning per setting a local task could not be given, naming the kfp-kubernetes call. */
function warnLeftovers(out: LocalTaskEnv, left: EnvLeftovers, platform: JsonObject | undefined, task: string): void {
  for (const [name, vars] of left.unsetSecrets) {
    out.warnings.push(`task ${task}: use_secret_as_env (Secret '${name}') needs a secrets directory locally; ${vars.join(', ')} not set (pass --secrets-dir DIR with DIR/${name}/<key> files)`);
  }
  for (const [name, vars] of left.unsetConfigMaps) {
    out.warnings.push(`task ${task}: use_config_map_as_env (ConfigMap '${name}') is a cluster setting; ${vars.join(', ')} not set locally`);
  }
  if (!left.metadataRead && (Object.keys(left.podMeta.labels).length || Object.keys(left.podMeta.annotations).length)) {
    out.warnings.push(`task ${task}: add_pod_label/add_pod_annotation: a local task is no pod; they are read locally only through use_field_path_as_env`);
  }
  for (const key of Object.keys(platform ?? {})) {
    if (HANDLED.has(key)) continue;
    out.warnings.push(`task ${task}: ${CLUSTER_ONLY[key] ?? `kfp-kubernetes setting ${key}`} is a cluster setting; ignored locally`);
  }
}
