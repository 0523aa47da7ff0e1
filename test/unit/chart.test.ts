// The Helm chart through the real helm binary (built by test/cluster/build.sh from its Go module): lint --strict,
// the values schema, and what `helm template` renders for the values that change the objects.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const repo = join(new URL('.', import.meta.url).pathname, '../..');
const chart = join(repo, 'charts/pipewright');
const version = /^HELM_VERSION=(\S+)$/m.exec(readFileSync(join(repo, 'test/cluster/versions.env'), 'utf8'))![1]!;
const helmBin = join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright'), 'bin', `helm-${version}`, 'helm');

interface Obj {
  apiVersion: string; kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  rules?: { resources: string[]; resourceNames?: string[]; verbs: string[] }[];
  roleRef?: { name: string }; subjects?: { name: string; namespace: string }[];
}

function helm(args: string[]): { code: number; out: string; err: string } {
  if (!existsSync(helmBin)) throw new Error(`${helmBin} is missing: run bash test/cluster/build.sh (builds helm ${version})`);
  const r = spawnSync(helmBin, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: '/tmp/pipewright-helm-cache', HELM_CONFIG_HOME: '/tmp/pipewright-helm-config' } });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

function render(release: string, set: string[] = [], namespace = 'pipewright-system'): Obj[] {
  const r = helm(['template', release, chart, '--skip-tests', '--namespace', namespace, ...set.flatMap((s) => ['--set', s])]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.err}`);
  return parseAllDocuments(r.out).map((d) => d.toJS() as Obj).filter(Boolean);
}

/** By kind (and name); without a name, the controller's objects (the server's have component=server). */
const find = (objs: Obj[], kind: string, name?: string): Obj | undefined =>
  objs.find((o) => o.kind === kind && (name === undefined ? o.metadata.labels?.['app.kubernetes.io/component'] !== 'server' : o.metadata.name === name));
const env = (dep: Obj): Record<string, string | undefined> =>
  Object.fromEntries((dep.spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));

describe('the Helm chart', () => {
  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', chart]);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('refuses values of the wrong type or unknown keys, naming the field', () => {
    const bad = helm(['template', 'pw', chart, '--set', 'controller.replicas=notanumber']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/controller\/replicas|controller\.replicas/);
    const unknown = helm(['template', 'pw', chart, '--set', 'controller.replica=2']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/replica/);
  });

  it('derives every name from the release: the release "pipewright" gets deploy/\'s names, two releases share none', () => {
    const a = render('pipewright');
    const dep = find(a, 'Deployment')!;
    expect(dep.metadata.name).toBe('pipewright-controller');
    expect(dep.spec.template.spec.serviceAccountName).toBe('pipewright-controller');
    expect(env(dep).PIPEWRIGHT_LEASE_NAME).toBe('pipewright-leader-election');
    expect(env(dep).PIPEWRIGHT_GATEWAY_URL).toBe('http://pipewright-controller.pipewright-system.svc:8080');
    expect(find(a, 'Service')!.metadata.name).toBe('pipewright-controller');
    const b = render('team', [], 'pipewright-system');
    const names = (objs: Obj[]): string[] => objs.filter((o) => o.kind !== 'CustomResourceDefinition').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(b).filter((n) => names(a).includes(n))).toEqual([]);
    const depB = find(b, 'Deployment')!;
    expect(env(depB).PIPEWRIGHT_LEASE_NAME).toBe('team-pipewright-leader-election');
    // The Lease Role names exactly the Lease the controller uses.
    const role = b.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('leader-election'))!;
    expect(role.rules!.flatMap((r) => r.resourceNames ?? [])).toEqual(['team-pipewright-leader-election']);
    expect(find(b, 'ClusterRoleBinding')!.subjects).toEqual([expect.objectContaining({ name: 'team-pipewright-controller', namespace: 'pipewright-system' })]);
  });

  it('creates the ServiceAccount with annotations (IRSA, Workload Identity), or uses an existing one', () => {
    const created = render('pw', ['serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::1:role/pw']);
    expect(find(created, 'ServiceAccount')!.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/pw' });
    const existing = render('pw', ['serviceAccount.create=false', 'serviceAccount.name=mine']);
    expect(find(existing, 'ServiceAccount')).toBeUndefined();
    expect(find(existing, 'Deployment')!.spec.template.spec.serviceAccountName).toBe('mine');
    const missing = helm(['template', 'pw', chart, '--set', 'serviceAccount.create=false']);
    expect(missing.err).toMatch(/serviceAccount\.name is required/);
  });

  it('takes the security contexts and probes from values', () => {
    const objs = render('pw', ['controller.podSecurityContext.runAsUser=1234', 'controller.readinessProbe.periodSeconds=3']);
    const pod = find(objs, 'Deployment')!.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1234, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.containers[0].readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 3 });
    expect(pod.containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('sizes V8\'s heap from maxHeapMB and semiSpaceMB (NODE_OPTIONS), as deploy/ does, or leaves Node\'s default', () => {
    const nodeOptions = (set: string[]): string | undefined =>
      (find(render('pw', set), 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value?: string }[]).find((e) => e.name === 'NODE_OPTIONS')?.value;
    const deployed = readFileSync(join(repo, 'deploy', 'deployment.yaml'), 'utf8').match(/NODE_OPTIONS\n\s+value: "([^"]+)"/)?.[1];
    expect(nodeOptions([])).toBe('--max-old-space-size=160 --max-semi-space-size=2');
    expect(nodeOptions([])).toBe(deployed);
    expect(nodeOptions(['controller.maxHeapMB=384', 'controller.semiSpaceMB=null'])).toBe('--max-old-space-size=384');
    expect(nodeOptions(['controller.maxHeapMB=null', 'controller.semiSpaceMB=null'])).toBeUndefined();
  });

  it('adds a PodDisruptionBudget only with more than one replica, and a ServiceMonitor only when asked', () => {
    expect(find(render('pw'), 'PodDisruptionBudget')).toBeUndefined();
    const ha = render('pw', ['controller.replicas=2']);
    expect(find(ha, 'PodDisruptionBudget')!.spec).toEqual({ minAvailable: 1, selector: { matchLabels: find(ha, 'Deployment')!.spec.selector.matchLabels } });
    expect(find(render('pw'), 'ServiceMonitor')).toBeUndefined();
    const sm = find(render('pw', ['metrics.serviceMonitor.enabled=true']), 'ServiceMonitor')!;
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(find(render('pw'), 'Service')!.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('renders the CRDs as templates Helm upgrades and uninstall keeps, unchanged from the generated files', () => {
    const crds = render('pw').filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(['pipelineruns.pipewright.dev', 'pipelines.pipewright.dev', 'recurringruns.pipewright.dev']);
    for (const c of crds) {
      expect(c.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
      const file = parse(readFileSync(join(repo, 'crds', `pipewright.dev_${c.metadata.name.split('.')[0]}.yaml`), 'utf8')) as Obj;
      expect(c.spec).toEqual(file.spec);
    }
    expect(existsSync(join(chart, 'crds'))).toBe(false); // Helm would install those once and never upgrade them
    expect(render('pw', ['crds.install=false']).filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
  });

  it('reads S3 credentials from the existing Secret by default, or from none', () => {
    const withSecret = env(find(render('pw'), 'Deployment')!);
    expect(Object.keys(withSecret)).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
    expect(find(render('pw'), 'Secret')).toBeUndefined();
    const none = env(find(render('pw', ['s3.secret.name=']), 'Deployment')!);
    expect(Object.keys(none)).not.toContain('AWS_ACCESS_KEY_ID');
  });

  it('gives the API server the controller\'s S3 settings and Secret (artifact previews, history) unless server.artifacts=false', () => {
    const server = (set: string[] = []) => find(render('pw', set), 'Deployment', 'pw-pipewright-server')!.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: Obj }>;
    const on = server();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(on.find((e) => e.name === name)?.valueFrom).toHaveProperty('secretKeyRef');
    expect(on.find((e) => e.name === 'PIPEWRIGHT_S3_ENDPOINT')?.valueFrom).toEqual({ configMapKeyRef: { name: 'pw-pipewright-config', key: 'PIPEWRIGHT_S3_ENDPOINT', optional: true } });
    expect(on.some((e) => e.value !== undefined && /AWS_/.test(e.name))).toBe(false);
    expect(server(['server.artifacts=false']).map((e) => e.name)).toEqual(['LOG_LEVEL']);
    expect(server(['s3.secret.name=']).map((e) => e.name)).toEqual(['LOG_LEVEL']);
  });

  it('bundles a versitygw S3 server only when asked, and points the controller at it with generated credentials', () => {
    expect(render('pw').filter((o) => o.metadata.name === 'pw-pipewright-s3')).toEqual([]);
    const objs = render('pw', ['s3.bundled.enabled=true']);
    const dep = find(objs, 'Deployment', 'pw-pipewright-s3')!;
    const versitygw = /^VERSITYGW_VERSION=(\S+)$/m.exec(readFileSync(join(repo, 'test/cluster/versions.env'), 'utf8'))![1]!;
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe(`ghcr.io/versity/versitygw:${versitygw}`); // the version the test cluster runs
    expect(c.args).toEqual(['--port', ':7070', '--health', '/health', 'posix', '--sidecar', '/meta', '/data']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 's3' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 's3' });
    expect(dep.spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }]);
    expect(find(objs, 'Service', 'pw-pipewright-s3')!.spec.ports).toEqual([{ name: 's3', port: 7070, targetPort: 's3', protocol: 'TCP' }]);
    const secret = find(objs, 'Secret', 'pw-pipewright-s3') as unknown as { data: Record<string, string> };
    const access = Buffer.from(secret.data.accesskey!, 'base64').toString();
    expect([access, Buffer.from(secret.data.secretkey!, 'base64').toString()]).toEqual([expect.stringMatching(/^pw[a-z0-9]{18}$/), expect.stringMatching(/^[A-Za-z0-9]{40}$/)]);
    const controller = find(objs, 'Deployment', 'pw-pipewright-controller')!.spec.template.spec.containers[0];
    const refs = (controller.env as { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[]).filter((e) => e.name.startsWith('AWS_'));
    expect(refs.map((e) => e.valueFrom?.secretKeyRef?.name)).toEqual(['pw-pipewright-s3', 'pw-pipewright-s3']);
    const cm = find(objs, 'ConfigMap', 'pw-pipewright-config') as unknown as { data: Record<string, string> };
    expect(cm.data).toMatchObject({ PIPEWRIGHT_S3_ENDPOINT: 'pw-pipewright-s3.pipewright-system.svc', PIPEWRIGHT_S3_PORT: '7070', PIPEWRIGHT_S3_SECRET: 'pw-pipewright-s3' });
    // Keys given in values are used (helm template / Argo CD cannot look up the generated ones).
    const given = find(render('pw', ['s3.bundled.enabled=true', 's3.secret.accessKey=devkey', 's3.secret.secretKey=devsecret']), 'Secret', 'pw-pipewright-s3') as unknown as { data: Record<string, string> };
    expect(given.data).toEqual({ accesskey: Buffer.from('devkey').toString('base64'), secretkey: Buffer.from('devsecret').toString('base64') });
    // Persistence: a claim instead of the emptyDir.
    const kept = render('pw', ['s3.bundled.enabled=true', 's3.bundled.persistence.enabled=true', 's3.bundled.persistence.size=2Gi']);
    expect(find(kept, 'PersistentVolumeClaim', 'pw-pipewright-s3')!.spec.resources).toEqual({ requests: { storage: '2Gi' } });
    expect(find(kept, 'Deployment', 'pw-pipewright-s3')!.spec.template.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'pw-pipewright-s3' } }, { name: 'tmp', emptyDir: {} }]);
    const badPort = helm(['template', 'pw', chart, '--set', 's3.bundled.port=0']);
    expect([badPort.code !== 0, badPort.err]).toEqual([true, expect.stringMatching(/s3\/bundled\/port|s3\.bundled\.port/)]);
    const badSize = helm(['template', 'pw', chart, '--set', 's3.bundled.persistence.size=lots']);
    expect([badSize.code !== 0, badSize.err]).toEqual([true, expect.stringMatching(/size/)]);
  });

  it('has a helm test that runs a pipeline with the chart\'s image and its own narrow Role', () => {
    const r = helm(['template', 'pw', chart, '--namespace', 'ns1', '--show-only', 'templates/tests/test-pipeline.yaml']);
    expect(r.code).toBe(0);
    const objs = parseAllDocuments(r.out).map((d) => d.toJS() as Obj);
    const pod = find(objs, 'Pod')!;
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec.containers[0].image).toBe('ghcr.io/pipewright/pipewright:0.1.0');
    expect(find(objs, 'Role')!.rules).toEqual([{ apiGroups: ['pipewright.dev'], resources: ['pipelineruns'], verbs: ['create', 'get', 'delete'] }]);
  });

  it('deploys pipewright server with its own ServiceAccount, Service on 8888 and deploy/server-rbac.yaml\'s rules', () => {
    const objs = render('pipewright');
    const dep = find(objs, 'Deployment', 'pipewright-server')!;
    const pod = dep.spec.template.spec;
    expect(pod.serviceAccountName).toBe('pipewright-server');
    expect(pod.containers[0].args).toEqual(['server', '--port=8888', '--address=0.0.0.0', '--namespace=pipewright-system']);
    expect(pod.containers[0].image).toBe('ghcr.io/pipewright/pipewright:0.1.0');
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // The server's pods are not the controller's: neither Service selects the other's.
    expect(dep.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('server');
    expect(find(objs, 'Service', 'pipewright-server')!.spec).toMatchObject({ selector: dep.spec.selector.matchLabels, ports: [{ name: 'http', port: 8888, targetPort: 'http', protocol: 'TCP' }] });
    expect(find(objs, 'Service', 'pipewright-controller')!.spec.selector['app.kubernetes.io/component']).toBe('controller');
    expect(find(objs, 'ServiceAccount', 'pipewright-server')).toBeDefined();
    const deployRole = parseAllDocuments(readFileSync(join(repo, 'deploy/server-rbac.yaml'), 'utf8')).map((d) => d.toJS() as Obj).find((o) => o.kind === 'ClusterRole')!;
    expect(find(objs, 'ClusterRole', 'pipewright-server')!.rules).toEqual(deployRole.rules);
    expect(find(objs, 'ClusterRoleBinding', 'pipewright-server')!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pipewright-server', namespace: 'pipewright-system' }]);
  });

  it('takes the server\'s port, namespace, anonymous access and audiences from values, or leaves it out', () => {
    const objs = render('pw', ['server.port=9999', 'server.defaultNamespace=team', 'server.allowAnonymous=true', 'server.tokenAudiences={pipelines.kubeflow.org}']);
    expect(find(objs, 'Deployment', 'pw-pipewright-server')!.spec.template.spec.containers[0].args)
      .toEqual(['server', '--port=9999', '--address=0.0.0.0', '--namespace=team', '--allow-anonymous', '--token-audience=pipelines.kubeflow.org']);
    expect(find(objs, 'Service', 'pw-pipewright-server')!.spec.ports[0].port).toBe(9999);
    const off = render('pw', ['server.enabled=false']);
    expect(off.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'server')).toEqual([]);
    const bad = helm(['template', 'pw', chart, '--set', 'server.port=http']);
    expect(bad.err).toMatch(/server/);
  });
});

