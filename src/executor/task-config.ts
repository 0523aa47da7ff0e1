// A task's pod settings (resources, env, volumes, scheduling) and the `dsl.TaskConfig` value KFP derives from
// them. Pure and shared: the cluster pod builder puts on the pod what the component's
// `task_config_passthroughs` leave there, and both modes hand a TaskConfig input the same value.
//
// KFP (backend/src/v2/driver: getTaskConfigOptions, initPodSpecPatch, extendPodSpecPatch, container.go):
// - no passthroughs: every setting applies to the pod and none reaches the TaskConfig;
// - with passthroughs: a listed field goes to the TaskConfig, and stays on the pod only with apply_to_task;
//   fields not listed are applied to neither;
// - every TASK_CONFIG input gets `json.Marshal(TaskConfig)`: all seven keys, `null` for unset fields,
//   `resources: {}` when not passed through, Kubernetes quantities in canonical form.
import type { V1Affinity, V1EnvVar, V1ResourceRequirements, V1Toleration, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { Component, ContainerExecutor, JsonObject, JsonValue, Resources, TaskConfigField } from '../model/types.js';
import { parseQuantity } from '../model/quantity.js';
import { platformTaskSettings } from './platform.js';
import type { ExecutorInput } from './types.js';

/** Everything a TaskConfig can carry, as the pod would get it; plus the accelerator's node selector (ours). */
export interface TaskSettings {
  env: V1EnvVar[];
  resources: V1ResourceRequirements;
  volumes: V1Volume[];
  volumeMounts: V1VolumeMount[];
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  /** GKE-style accelerator names select nodes; not a TaskConfig field (KFP does not do this). */
  acceleratorNodeSelector?: Record<string, string>;
}

/** Accelerator type → extended resource and, for GKE-style names, a node selector. */
export function acceleratorResources(type: string): { resource: string; nodeSelector?: Record<string, string> } {
  if (type.includes('/')) return { resource: type };
  if (/^TPU/i.test(type)) return { resource: 'google.com/tpu', nodeSelector: { 'cloud.google.com/gke-tpu-accelerator': type.toLowerCase().replace(/_/g, '-') } };
  return { resource: 'nvidia.com/gpu', nodeSelector: { 'cloud.google.com/gke-accelerator': type.toLowerCase().replace(/_/g, '-') } };
}

export function resourceRequirements(r: Resources, resolve: (s: string) => string): { resources: V1ResourceRequirements; nodeSelector?: Record<string, string> } {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (r.cpuRequest) requests.cpu = resolve(r.cpuRequest);
  if (r.memoryRequest) requests.memory = resolve(r.memoryRequest);
  if (r.cpuLimit) limits.cpu = resolve(r.cpuLimit);
  if (r.memoryLimit) limits.memory = resolve(r.memoryLimit);
  let nodeSelector: Record<string, string> | undefined;
  if (r.accelerator) {
    const acc = acceleratorResources(resolve(r.accelerator.type));
    limits[acc.resource] = resolve(r.accelerator.count);
    nodeSelector = acc.nodeSelector;
  }
  const resources: V1ResourceRequirements = {};
  if (Object.keys(requests).length) resources.requests = requests;
  if (Object.keys(limits).length) resources.limits = limits;
  return nodeSelector ? { resources, nodeSelector } : { resources };
}

/**
 * The task's settings from its executor (env, resources) and kfp-kubernetes config. `resolve` substitutes
 * placeholders (resources and env values from pipeline parameters); `params` names platform values.
 */
export function taskSettings(executor: ContainerExecutor, platform: JsonObject | undefined, params: Record<string, JsonValue>, resolve: (s: string) => string): TaskSettings {
  const { resources, nodeSelector: acceleratorNodeSelector } = resourceRequirements(executor.resources, resolve);
  const p = platformTaskSettings(platform, params);
  const s: TaskSettings = {
    env: [...executor.env.map((e) => ({ name: e.name, value: resolve(e.value) })), ...p.env],
    resources,
    volumes: p.volumes,
    volumeMounts: p.volumeMounts,
  };
  if (p.nodeSelector) s.nodeSelector = p.nodeSelector;
  if (p.tolerations) s.tolerations = p.tolerations;
  if (p.affinity) s.affinity = p.affinity;
  if (acceleratorNodeSelector) s.acceleratorNodeSelector = acceleratorNodeSelector;
  return s;
}

export interface PassthroughRouting {
  /** The field reaches a TaskConfig input. */
  toConfig: (f: TaskConfigField) => boolean;
  /** The field is applied to the task itself (pod; locally: the process env). */
  toTask: (f: TaskConfigField) => boolean;
}

/** KFP's getTaskConfigOptions. */
export function passthroughRouting(component: Pick<Component, 'taskConfigPassthroughs'>): PassthroughRouting {
  const list = component.taskConfigPassthroughs ?? [];
  if (!list.length) return { toConfig: () => false, toTask: () => true };
  const byField = new Map(list.map((p) => [p.field, p.applyToTask]));
  return { toConfig: (f) => byField.has(f), toTask: (f) => byField.get(f) === true };
}

/** Whether the component has a `dsl.TaskConfig` input at all. */
export function hasTaskConfigInput(component: Component): boolean {
  return Object.values(component.inputs.parameters).some((d) => d.type === 'TASK_CONFIG');
}

/** The JSON KFP's driver puts into every TASK_CONFIG input (Go's json.Marshal of driver.TaskConfig). */
export function taskConfigValue(s: TaskSettings, route: PassthroughRouting): JsonObject {
  const json = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v)) as JsonValue;
  const some = <T>(xs: T[] | undefined): T[] | undefined => (xs && xs.length ? xs : undefined);
  const pick = (f: TaskConfigField, v: unknown): JsonValue => (route.toConfig(f) && v !== undefined ? json(v) : null);
  const resources: JsonObject = {};
  if (route.toConfig('RESOURCES')) {
    for (const k of ['limits', 'requests'] as const) {
      const m = s.resources[k];
      if (m && Object.keys(m).length) resources[k] = Object.fromEntries(Object.entries(m).map(([n, q]) => [n, canonicalQuantity(String(q))]));
    }
  }
  return {
    affinity: pick('KUBERNETES_AFFINITY', s.affinity),
    tolerations: pick('KUBERNETES_TOLERATIONS', s.tolerations),
    nodeSelector: pick('KUBERNETES_NODE_SELECTOR', s.nodeSelector),
    // The driver's env list is never nil once ENV is passed through: [] rather than null. Empty values are omitted.
    env: route.toConfig('ENV') ? json(s.env.map((e) => (e.value === '' ? { name: e.name, ...(e.valueFrom ? { valueFrom: e.valueFrom } : {}) } : e))) : null,
    volumes: pick('KUBERNETES_VOLUMES', some(s.volumes)),
    volumeMounts: pick('KUBERNETES_VOLUMES', some(s.volumeMounts)),
    resources,
  };
}

/** The ExecutorInput with `value` in every TASK_CONFIG input of the component (what the driver does). */
export function withTaskConfig(ei: ExecutorInput, component: Component, value: JsonObject): ExecutorInput {
  const names = Object.entries(component.inputs.parameters).filter(([, d]) => d.type === 'TASK_CONFIG').map(([n]) => n);
  if (!names.length) return ei;
  const parameterValues = { ...ei.inputs.parameterValues };
  for (const n of names) parameterValues[n] = value;
  return { ...ei, inputs: { ...ei.inputs, parameterValues } };
}

const DECIMAL_SUFFIX: Record<number, string> = { [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * A Kubernetes quantity in the canonical form Go's resource.Quantity marshals to ("1000m" → "1",
 * "0.5" → "500m", "1024Mi" → "1Gi"); values below a milli-unit round up, as Kubernetes does. Exponent
 * forms ("1e3") and text that is not a quantity are returned unchanged.
 */
export function canonicalQuantity(q: string): string {
  const parsed = parseQuantity(q);
  if (!parsed || parsed.exponent) return q;
  const { milli: abs, binary } = parsed;
  const neg = parsed.negative;
  // Binary form: integral, |v| ≥ 1024, and the input was binary.
  if (binary && abs % 1000n === 0n && abs / 1000n >= 1024n) {
    let v = abs / 1000n;
    let i = 0;
    while (i < BINARY_SUFFIX.length - 1 && v % 1024n === 0n) {
      v /= 1024n;
      i++;
    }
    return `${neg ? '-' : ''}${v}${BINARY_SUFFIX[i]}`;
  }
  // Decimal form: the largest multiple-of-3 exponent (from milli) that leaves an integer mantissa.
  let v = abs;
  let e = -3;
  while (e < 18 && v !== 0n && v % 1000n === 0n) {
    v /= 1000n;
    e += 3;
  }
  if (v === 0n) return '0';
  return `${neg ? '-' : ''}${v}${DECIMAL_SUFFIX[e]}`;
}
