// The plain manifests in deploy/: parseable, least privilege, credentials only by reference.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const repo = join(new URL('.', import.meta.url).pathname, '../..');
const dir = join(repo, 'deploy');
type Doc = { kind: string; metadata: { name: string }; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[]; spec?: { template: { spec: { containers: { args: string[]; env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } } };
const docs: Doc[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Doc));

describe('deploy/ manifests', () => {
  it('contain the expected objects', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(
      // server-rbac.yaml adds the KFP API server's ServiceAccount, ClusterRole and ClusterRoleBinding.
      ['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'ServiceAccount'],
    );
  });

  it('grant no Secret access, no wildcards, no pod updates', () => {
    for (const d of docs.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
      for (const r of d.rules!) {
        expect(r.resources).not.toContain('secrets');
        expect(r.verbs).not.toContain('*');
        expect(r.resources).not.toContain('*');
        if (r.resources.includes('pods')) expect(r.verbs).not.toEqual(expect.arrayContaining(['update']));
      }
    }
  });

  it('explain every RBAC rule in a comment', () => {
    for (const file of ['rbac.yaml', 'server-rbac.yaml']) {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s+- apiGroups:/.test(line)) expect([file, i + 1, lines[i - 1]!.trim().startsWith('#')]).toEqual([file, i + 1, true]);
      });
    }
  });

  it('give the controller credentials only through secretKeyRef', () => {
    const dep = docs.find((d) => d.kind === 'Deployment')!;
    const env = dep.spec!.template.spec.containers[0]!.env;
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      const e = env.find((x) => x.name === name)!;
      expect(e.value).toBeUndefined();
      expect(e.valueFrom).toHaveProperty('secretKeyRef');
    }
    expect(dep.spec!.template.spec.containers[0]!.args).toEqual(['controller']);
  });

  it('expose the artifact gateway through the Service pipewright-controller on port 8080, and point pods at it', () => {
    const svc = docs.find((d) => d.kind === 'Service') as unknown as { metadata: { name: string; namespace: string }; spec: { ports: { port: number; targetPort: string }[] } };
    expect(svc.metadata.name).toBe('pipewright-controller');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: 8080, targetPort: 'http' })]);
    const env = docs.find((d) => d.kind === 'Deployment')!.spec!.template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === 'PIPEWRIGHT_GATEWAY_URL')?.value).toBe(`http://pipewright-controller.${svc.metadata.namespace}.svc:8080`);
    expect(env.find((e) => e.name === 'PIPEWRIGHT_HTTP_PORT')?.value).toBe('8080');
  });

  it('keep the S3 Secret in the controller\'s namespace only', () => {
    const secrets = docs.filter((d) => d.kind === 'Secret') as unknown as { metadata: { namespace: string } }[];
    expect(secrets.map((s) => s.metadata.namespace)).toEqual(['pipewright-system']);
  });
});
