// The kustomize base deploy/, as `kubectl kustomize` renders it: least privilege, credentials only by reference,
// no Secret, the image set once.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const repo = join(new URL('.', import.meta.url).pathname, '../..');
const dir = join(repo, 'deploy');
const rendered = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
type Doc = { kind: string; metadata: { name: string }; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[]; spec?: { template: { spec: { containers: { args: string[]; env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } } };
const docs: Doc[] = parseAllDocuments(rendered).map((d) => d.toJS() as Doc);

describe('deploy/ manifests', () => {
  it('contain the expected objects', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'CustomResourceDefinition', 'CustomResourceDefinition',
        'CustomResourceDefinition', 'Deployment', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'Service', 'Service', 'ServiceAccount', 'ServiceAccount'],
    );
    // kustomize's order: an apply from nothing creates the Namespace and the CRDs before what lives in them.
    expect(docs.slice(0, 3).map((d) => d.kind)).toEqual(['Namespace', 'CustomResourceDefinition', 'CustomResourceDefinition']);
  });

  it('set the image once, for the controller, the task pods\' helpers and the server alike', () => {
    expect(rendered.match(/ghcr\.io\/pipewright\/pipewright\S*/g)).toEqual(Array(3).fill('ghcr.io/pipewright/pipewright:0.1.0'));
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8').match(/newTag:/g)).toHaveLength(1);
  });

  it('roll the controller when a setting changes (the ConfigMap name carries a hash the Deployment refers to)', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap')!;
    expect(cm.metadata.name).toMatch(/^pipewright-config-[a-z0-9]{10}$/);
    expect(rendered).toContain(`name: ${cm.metadata.name}\n`);
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

  it('give the API server the same Secret and the controller\'s S3 settings (artifact previews, history)', () => {
    const server = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pipewright-server')!;
    const env = server.spec!.template.spec.containers[0]!.env;
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      const e = env.find((x) => x.name === name)!;
      expect(e.value).toBeUndefined();
      expect(e.valueFrom).toHaveProperty('secretKeyRef.name', 'pipewright-s3');
    }
    const config = docs.find((d) => d.kind === 'ConfigMap')!.metadata.name;
    expect(env.find((x) => x.name === 'PIPEWRIGHT_S3_ENDPOINT')!.valueFrom).toHaveProperty('configMapKeyRef.name', config);
  });

  it('expose the artifact gateway through the Service pipewright-controller on port 8080, and point pods at it', () => {
    const svc = docs.find((d) => d.kind === 'Service') as unknown as { metadata: { name: string; namespace: string }; spec: { ports: { port: number; targetPort: string }[] } };
    expect(svc.metadata.name).toBe('pipewright-controller');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: 8080, targetPort: 'http' })]);
    const env = docs.find((d) => d.kind === 'Deployment')!.spec!.template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === 'PIPEWRIGHT_GATEWAY_URL')?.value).toBe('http://pipewright-controller.$(POD_NAMESPACE).svc:8080');
    // $(POD_NAMESPACE) expands only when POD_NAMESPACE comes first, and it is where the Service lives.
    expect(env.findIndex((e) => e.name === 'POD_NAMESPACE')).toBeLessThan(env.findIndex((e) => e.name === 'PIPEWRIGHT_GATEWAY_URL'));
    expect(svc.metadata.namespace).toBe('pipewright-system');
    expect(env.find((e) => e.name === 'PIPEWRIGHT_HTTP_PORT')?.value).toBe('8080');
  });

  it('hold no Secret: the credentials are a Secret the user creates, which an apply never resets', () => {
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    expect(rendered).not.toMatch(/CHANGE-ME|accesskey:|secretkey:/);
  });

  it('run pipewright server as server-rbac.yaml\'s ServiceAccount, behind the Service pipewright-server:8888', () => {
    const dep = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pipewright-server') as unknown as
      { spec: { template: { spec: { serviceAccountName: string; containers: { args: string[]; env?: { name: string }[] }[] } } } };
    expect(dep.spec.template.spec.serviceAccountName).toBe('pipewright-server');
    expect(dep.spec.template.spec.containers[0]!.args).toEqual(['server', '--port=8888', '--address=0.0.0.0', '--namespace=pipewright-system']);
    const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'pipewright-server') as unknown as { spec: { selector: Record<string, string>; ports: { port: number }[] } };
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('server');
    expect(svc.spec.ports[0]!.port).toBe(8888);
    expect(docs.some((d) => d.kind === 'ServiceAccount' && d.metadata.name === 'pipewright-server')).toBe(true);
  });
});

