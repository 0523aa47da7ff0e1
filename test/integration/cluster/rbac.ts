// What the RBAC tests share: a controller that authenticates as a ServiceAccount with a token from the
// TokenRequest API (what a pod's projected token is), and the kube-apiserver's audit log of that identity.
import * as k8s from '@kubernetes/client-node';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type ControllerHandle, type ControllerHooks } from '../../../src/controller/main.js';
import { AUDIT_LOG } from '../../cluster/control-plane.js';
import { clusterState, kubectlOk } from './helpers.js';
import { controllerEnv, startControllerWith } from './operator.js';

/** A kubeconfig that authenticates as namespace/serviceAccount with a fresh bound token. */
export async function serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<k8s.KubeConfig> {
  const token = (await kubectlOk(['create', 'token', serviceAccount, '-n', namespace, '--duration=2h'])).trim();
  const s = clusterState();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: s.apiserverUrl, caFile: join(s.dir, 'pki', 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: serviceAccount, token }],
    contexts: [{ name: serviceAccount, cluster: 'test', user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return kc;
}

/** A controller in this process with the given identity (leadership loss is only logged). */
export async function startControllerAs(kc: k8s.KubeConfig, env: NodeJS.ProcessEnv, hooks: ControllerHooks = {}): Promise<ControllerHandle> {
  return startControllerWith(kc, { ...controllerEnv(''), ...env }, hooks);
}

export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  annotations?: Record<string, string>;
}

/** The audit log's events for one user since a time (the policy logs only service accounts of pipewright-system). */
export function auditEvents(username: string, since: Date): AuditEvent[] {
  const file = join(clusterState().dir, 'logs', AUDIT_LOG);
  if (!existsSync(file)) throw new Error(`no audit log at ${file}: the test cluster's kube-apiserver runs without --audit-log-path`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.user?.username === username && Date.parse(e.requestReceivedTimestamp) >= since.getTime());
}

/** `verb group/resource[/subresource]`, the unit in which RBAC grants. */
export const permission = (verb: string, group: string, resource: string): string => `${verb} ${group || 'core'}/${resource}`;

export function permissionOf(e: AuditEvent): string | undefined {
  const o = e.objectRef;
  if (!o?.resource) return undefined; // discovery and other non-resource URLs
  return permission(e.verb, o.apiGroup ?? '', o.subresource ? `${o.resource}/${o.subresource}` : o.resource);
}

export interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }

/** Every permission a manifest's Roles and ClusterRoles grant. */
export function grantedBy(file: string): Set<string> {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as { kind: string; rules?: Rule[] });
  const out = new Set<string>();
  for (const d of docs.filter((x) => x.kind === 'Role' || x.kind === 'ClusterRole')) {
    for (const r of d.rules ?? []) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(permission(v, g, res));
  }
  return out;
}

/** Rules of deploy/rbac.yaml's ClusterRole (the controller's rules, without the Lease). */
export function controllerRules(file = 'deploy/rbac.yaml'): Rule[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as { kind: string; rules?: Rule[] });
  return docs.find((d) => d.kind === 'ClusterRole')!.rules!;
}
