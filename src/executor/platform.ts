// kfp-kubernetes' per-executor settings (secrets, config maps, PVCs, scheduling, pod metadata) for a task pod.
// Names may come from constants or from the task's input parameters. Pure: the cluster pod builder applies
// them, and both modes read the part a `dsl.TaskConfig` input receives (see task-config.ts).
import type { V1Affinity, V1Container, V1EnvVar, V1LabelSelector, V1Pod, V1PodAffinityTerm, V1PodSpec, V1Toleration, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { JsonObject, JsonValue } from '../model/types.js';

type Params = Record<string, JsonValue>;

function obj(v: JsonValue | undefined): JsonObject {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function list(v: JsonValue | undefined): JsonObject[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/**
 * {runtimeValue: {constant}} | {componentInputParameter: name} | {taskOutputParameter: {producerTask, outputParameterKey}}
 * | a plain legacy name field. `params`: the launch's platformParameters (enclosing-DAG inputs by name, sibling
 * outputs as `<task>.<output>`) over the task's own input parameters.
 */
export function resolveName(entry: JsonObject, paramField: string, legacyField: string, params: Params): string | undefined {
  const p = obj(entry[paramField]);
  const constant = obj(p.runtimeValue).constant;
  if (typeof constant === 'string') return constant;
  const input = p.componentInputParameter;
  if (typeof input === 'string') {
    const v = params[input];
    return typeof v === 'string' ? v : undefined;
  }
  const tp = obj(p.taskOutputParameter);
  if (typeof tp.producerTask === 'string' && typeof tp.outputParameterKey === 'string') {
    const v = params[`${tp.producerTask}.${tp.outputParameterKey}`];
    return typeof v === 'string' ? v : undefined;
  }
  const legacy = entry[legacyField];
  return typeof legacy === 'string' ? legacy : undefined;
}

/** The value an InputParameterSpec names (constant, enclosing-DAG input, sibling output); undefined when unset. */
export function resolveValue(spec: JsonValue | undefined, params: Params): JsonValue | undefined {
  const p = obj(spec);
  if (p.runtimeValue !== undefined) return obj(p.runtimeValue).constant ?? undefined;
  let v: JsonValue | undefined;
  if (typeof p.componentInputParameter === 'string') v = params[p.componentInputParameter];
  const tp = obj(p.taskOutputParameter);
  if (typeof tp.producerTask === 'string' && typeof tp.outputParameterKey === 'string') v = params[`${tp.producerTask}.${tp.outputParameterKey}`];
  // STRUCT/LIST inputs may arrive as JSON text.
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as JsonValue;
    } catch {
      return undefined;
    }
  }
  return v ?? undefined;
}

function volumeName(prefix: string, name: string, i: number): string {
  return `${prefix}-${i}-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-$/, '');
}

/**
 * The kfp-kubernetes settings KFP's TaskConfig can carry (env, volumes, scheduling), in the order KFP's driver
 * adds them (extendPodSpecPatch). `nodeSelector`/`tolerations`/`affinity` are undefined when not configured.
 */
export interface PlatformTaskSettings {
  env: V1EnvVar[];
  volumes: V1Volume[];
  volumeMounts: V1VolumeMount[];
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
}

export function platformTaskSettings(cfg: JsonObject | undefined, params: Params): PlatformTaskSettings {
  const out: PlatformTaskSettings = { env: [], volumes: [], volumeMounts: [] };
  if (!cfg) return out;
  const { env, volumes, volumeMounts: mounts } = out;

  list(cfg.pvcMount).forEach((e, i) => {
    const name = resolveName(e, 'pvcNameParameter', 'constant', params) ?? (typeof e.componentInputParameter === 'string' ? (params[e.componentInputParameter] as string) : undefined);
    if (!name) return;
    const vol = volumeName('pvc', name, i);
    volumes.push({ name: vol, persistentVolumeClaim: { claimName: name } });
    mounts.push({ name: vol, mountPath: String(e.mountPath), ...(e.subPath ? { subPath: String(e.subPath) } : {}) });
  });
  list(cfg.secretAsVolume).forEach((e, i) => {
    const name = resolveName(e, 'secretNameParameter', 'secretName', params);
    if (!name) return;
    const vol = volumeName('secret', name, i);
    volumes.push({ name: vol, secret: { secretName: name, optional: e.optional === true } });
    mounts.push({ name: vol, mountPath: String(e.mountPath), readOnly: true });
  });
  list(cfg.secretAsEnv).forEach((e) => {
    const name = resolveName(e, 'secretNameParameter', 'secretName', params);
    if (!name) return;
    for (const k of list(e.keyToEnv)) {
      env.push({ name: String(k.envVar), valueFrom: { secretKeyRef: { name, key: String(k.secretKey), optional: e.optional === true } } });
    }
  });
  list(cfg.configMapAsVolume).forEach((e, i) => {
    const name = resolveName(e, 'configMapNameParameter', 'configMapName', params);
    if (!name) return;
    const vol = volumeName('configmap', name, i);
    volumes.push({ name: vol, configMap: { name, optional: e.optional === true } });
    mounts.push({ name: vol, mountPath: String(e.mountPath), readOnly: true });
  });
  list(cfg.configMapAsEnv).forEach((e) => {
    const name = resolveName(e, 'configMapNameParameter', 'configMapName', params);
    if (!name) return;
    for (const k of list(e.keyToEnv)) {
      env.push({ name: String(k.envVar), valueFrom: { configMapKeyRef: { name, key: String(k.configMapKey), optional: e.optional === true } } });
    }
  });
  list(cfg.fieldPathAsEnv).forEach((e) => env.push({ name: String(e.name), valueFrom: { fieldRef: { fieldPath: String(e.fieldPath) } } }));

  const selectorCfg = obj(cfg.nodeSelector);
  const labels = obj(selectorCfg.labels);
  // add_node_selector_json: a {label: value} struct from a parameter; takes precedence over labels.
  const selectorJson = obj(resolveValue(selectorCfg.nodeSelectorJson, params));
  const selector = { ...(labels as Record<string, string>), ...Object.fromEntries(Object.entries(selectorJson).map(([k, v]) => [k, String(v)])) };
  if (Object.keys(selector).length) out.nodeSelector = selector;

  // add_toleration_json: one Toleration object or a list of them, from a parameter.
  const tolerationJson = list(cfg.tolerations).flatMap((t) => {
    if (t.tolerationJson === undefined) return [];
    const v = resolveValue(t.tolerationJson, params);
    return (Array.isArray(v) ? v : v ? [v] : []).map(obj) as V1Toleration[];
  });
  const tolerations = list(cfg.tolerations).filter((t) => t.tolerationJson === undefined).map((t) => {
    const tol: V1Toleration = {};
    if (t.key !== undefined) tol.key = String(t.key);
    if (t.operator !== undefined) tol.operator = String(t.operator);
    if (t.value !== undefined) tol.value = String(t.value);
    if (t.effect !== undefined) tol.effect = String(t.effect);
    if (t.tolerationSeconds !== undefined) tol.tolerationSeconds = Number(t.tolerationSeconds);
    return tol;
  });
  if (tolerations.length || tolerationJson.length) out.tolerations = [...tolerations, ...tolerationJson];

  const affinity = list(cfg.nodeAffinity).filter((a) => a.nodeAffinityJson === undefined);
  // add_node_affinity_json: a whole Kubernetes NodeAffinity from a parameter; its terms join the others.
  const affinityJson = list(cfg.nodeAffinity)
    .filter((a) => a.nodeAffinityJson !== undefined)
    .map((a) => obj(resolveValue(a.nodeAffinityJson, params)));
  if (affinity.length || affinityJson.some((a) => Object.keys(a).length)) {
    const required = [
      ...affinity.filter((a) => a.weight === undefined).map((a) => ({ matchExpressions: list(a.matchExpressions) as never[] })),
      ...affinityJson.flatMap((a) => list(obj(a.requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms) as never[]),
    ];
    const preferred = [
      ...affinity.filter((a) => a.weight !== undefined).map((a) => ({ weight: Number(a.weight), preference: { matchExpressions: list(a.matchExpressions) as never[] } })),
      ...affinityJson.flatMap((a) => list(a.preferredDuringSchedulingIgnoredDuringExecution) as never[]),
    ];
    out.affinity = {
      nodeAffinity: {
        ...(required.length ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: required } } : {}),
        ...(preferred.length ? { preferredDuringSchedulingIgnoredDuringExecution: preferred } : {}),
      },
    };
  }
  return out;
}

/**
 * The settings that stay on the pod whatever `task_config_passthroughs` says: empty dirs, ephemeral volumes,
 * shared memory, security context, pod affinity, image pull secrets and policy, pod labels and annotations, the
 * active deadline. (The rest: platformTaskSettings.) Runs after the node affinity is on the pod.
 */
export function applyPlatformConfig(pod: V1Pod, main: V1Container, cfg: JsonObject, params: Params): void {
  const spec = pod.spec!;
  applyVolumesAndIdentity(spec, main, cfg);
  applyPodAffinity(spec, list(cfg.podAffinity));
  list(cfg.emptyDirMounts).forEach((e) => {
    const vol = String(e.volumeName);
    (spec.volumes ??= []).push({ name: vol, emptyDir: { ...(e.medium ? { medium: String(e.medium) } : {}), ...(e.sizeLimit ? { sizeLimit: String(e.sizeLimit) } : {}) } });
    (main.volumeMounts ??= []).push({ name: vol, mountPath: String(e.mountPath) });
  });
  const pullSecrets = list(cfg.imagePullSecret)
    .map((e) => resolveName(e, 'secretNameParameter', 'secretName', params))
    .filter((n): n is string => !!n)
    .map((name) => ({ name }));
  if (pullSecrets.length) spec.imagePullSecrets = [...(spec.imagePullSecrets ?? []), ...pullSecrets];
  if (typeof cfg.imagePullPolicy === 'string') main.imagePullPolicy = cfg.imagePullPolicy;
  const meta = obj(cfg.podMetadata);
  const md = pod.metadata!;
  md.labels = { ...(obj(meta.labels) as Record<string, string>), ...md.labels };
  md.annotations = { ...(obj(meta.annotations) as Record<string, string>), ...md.annotations };
  if (cfg.activeDeadlineSeconds !== undefined) spec.activeDeadlineSeconds = Number(cfg.activeDeadlineSeconds);
}

function applyVolumesAndIdentity(spec: V1PodSpec, main: V1Container, cfg: JsonObject): void {
  const volumes = (spec.volumes ??= []);
  const mounts = (main.volumeMounts ??= []);
  // add_ephemeral_volume: a claim made from the template for the pod's lifetime (Kubernetes names it <pod>-<volume>).
  list(cfg.genericEphemeralVolume).forEach((e) => {
    const vol = String(e.volumeName);
    const md = obj(e.metadata);
    const claimSpec = {
      accessModes: (Array.isArray(e.accessModes) ? e.accessModes : []).map(String),
      resources: { requests: { storage: String(e.size) } },
      ...(e.defaultStorageClass === true ? {} : { storageClassName: String(e.storageClassName ?? '') }),
    };
    const claimMeta = { ...(Object.keys(obj(md.labels)).length ? { labels: obj(md.labels) as Record<string, string> } : {}), ...(Object.keys(obj(md.annotations)).length ? { annotations: obj(md.annotations) as Record<string, string> } : {}) };
    volumes.push({ name: vol, ephemeral: { volumeClaimTemplate: { ...(Object.keys(claimMeta).length ? { metadata: claimMeta } : {}), spec: claimSpec } } });
    mounts.push({ name: vol, mountPath: String(e.mountPath) });
  });
  // Shared memory (the proto's enabledSharedMemory; no SDK helper yet): a memory-backed /dev/shm.
  if (cfg.enabledSharedMemory !== undefined) {
    const shm = obj(cfg.enabledSharedMemory);
    const vol = typeof shm.volumeName === 'string' && shm.volumeName ? shm.volumeName : 'shm';
    volumes.push({ name: vol, emptyDir: { medium: 'Memory', ...(typeof shm.size === 'string' && shm.size ? { sizeLimit: shm.size } : {}) } });
    mounts.push({ name: vol, mountPath: '/dev/shm' });
  }
  // set_security_context: identity fields on the user's container; capabilities dropped as KFP's compiler does.
  // A non-zero runAsUser also states runAsNonRoot (it changes nothing at run time), so that setting a user is
  // all a component needs to pass the Pod Security `restricted` profile (docs/security.md).
  const sc = obj(cfg.securityContext);
  if (Object.keys(sc).length) {
    const uid = sc.runAsUser !== undefined ? Number(sc.runAsUser) : undefined;
    const nonRoot = sc.runAsNonRoot !== undefined ? sc.runAsNonRoot === true : uid !== undefined && uid > 0 ? true : undefined;
    main.securityContext = {
      ...main.securityContext,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      ...(uid !== undefined ? { runAsUser: uid } : {}),
      ...(sc.runAsGroup !== undefined ? { runAsGroup: Number(sc.runAsGroup) } : {}),
      ...(nonRoot !== undefined ? { runAsNonRoot: nonRoot } : {}),
    };
  }
}

function selector(labels: JsonValue | undefined, expressions: JsonValue | undefined): V1LabelSelector | undefined {
  const matchLabels = obj(labels) as Record<string, string>;
  const matchExpressions = list(expressions).map((e) => ({ key: String(e.key), operator: String(e.operator), ...(Array.isArray(e.values) ? { values: e.values.map(String) } : {}) }));
  if (!Object.keys(matchLabels).length && !matchExpressions.length) return undefined;
  return { ...(Object.keys(matchLabels).length ? { matchLabels } : {}), ...(matchExpressions.length ? { matchExpressions } : {}) };
}

/** The proto's PodAffinityTerm list: `anti` picks anti-affinity, a `weight` makes the term preferred. */
function applyPodAffinity(spec: V1PodSpec, terms: JsonObject[]): void {
  if (!terms.length) return;
  const affinity: V1Affinity = { ...spec.affinity };
  for (const t of terms) {
    const labelSelector = selector(t.matchPodLabels, t.matchPodExpressions);
    const namespaceSelector = selector(t.matchNamespaceLabels, t.matchNamespaceExpressions);
    const term: V1PodAffinityTerm = {
      topologyKey: String(t.topologyKey ?? 'kubernetes.io/hostname'),
      ...(labelSelector ? { labelSelector } : {}),
      ...(namespaceSelector ? { namespaceSelector } : {}),
      ...(Array.isArray(t.namespaces) && t.namespaces.length ? { namespaces: t.namespaces.map(String) } : {}),
    };
    const key = t.anti === true ? 'podAntiAffinity' : 'podAffinity';
    const target = (affinity[key] ??= {});
    if (t.weight !== undefined && Number(t.weight) > 0) {
      (target.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight: Number(t.weight), podAffinityTerm: term });
    } else {
      (target.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    }
  }
  spec.affinity = affinity;
}
