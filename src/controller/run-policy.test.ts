// The run-level and pod-level tenancy checks: pipeline root, constant importer URIs, kfp-kubernetes Secret names
// (constants in the IR, names from parameters on the built pod), image pull secrets, the service account.
import type { V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { TenancyConfig } from '../artifacts/tenancy.js';
import type { LaunchRequest } from '../engine/state.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import type { JsonObject } from '../model/types.js';
import { parsePipelineText } from '../model/parse-text.js';
import { checkLaunchInputs, checkPodSecrets, checkRunPolicy, platformSecretNames, podSecretRefs } from './run-policy.js';

const R0 = 'minio://pipewright/v2/artifacts';
const cfg: TenancyConfig = { pipelineRoot: R0, allowedPipelineRoots: [], sharedReadUris: ['minio://datasets/public'], protectedSecrets: ['pipewright-s3', 'pipewright-grant-key'], controllerNamespace: 'pipewright-system', controllerServiceAccount: 'pipewright-controller' };

const native = (extra: string, task = '{name: t, image: busybox, command: [true]}'): string => `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: p}
spec:
${extra}
  tasks:
  - ${task}
`;

const PLATFORM = readFileSync('test/fixtures/ir/compat/kubernetes_platform.yaml', 'utf8');

describe('checkRunPolicy', () => {
  it('accepts a plain pipeline and gives it the configured root', () => {
    expect(checkRunPolicy({ pipeline: parsePipelineText(native('')), namespace: 'a' }, cfg)).toEqual({ pipelineRoot: R0, diagnostics: [] });
    expect(checkRunPolicy({ pipeline: parsePipelineText(native(`  pipelineRoot: ${R0}/a/mine`)), namespace: 'a' }, cfg).pipelineRoot).toBe(`${R0}/a/mine`);
  });

  it.each([
    [`  pipelineRoot: ${R0}/b`, /^pipelineRoot: pipeline root "minio:\/\/pipewright\/v2\/artifacts\/b" is outside namespace a's artifact prefixes/],
    ['  pipelineRoot: minio://other-bucket/root', /pipeline root "minio:\/\/other-bucket\/root" is outside/],
  ])('refuses %s', (extra, want) => {
    const r = checkRunPolicy({ pipeline: parsePipelineText(native(extra)), namespace: 'a' }, cfg);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(want)]);
  });

  it('refuses a constant importer URI in another namespace, naming the executor field', () => {
    const p = parsePipelineText(native('', `{name: imp, importer: {uri: "${R0}/b/run/t/out", type: Dataset}}`));
    const [d] = checkRunPolicy({ pipeline: p, namespace: 'a' }, cfg).diagnostics;
    expect(formatDiagnostic(d!)).toMatch(/^deploymentSpec\.executors\.exec-imp\.importer\.artifactUri\.constant: artifact URI minio:\/\/pipewright\/v2\/artifacts\/b\/run\/t\/out is outside namespace a's artifacts/);
    // Its own and the shared ones pass.
    for (const uri of [`${R0}/a/run/t/out`, 'minio://datasets/public/x.csv']) {
      expect(checkRunPolicy({ pipeline: parsePipelineText(native('', `{name: imp, importer: {uri: "${uri}", type: Dataset}}`)), namespace: 'a' }, cfg).diagnostics).toEqual([]);
    }
  });

  it('refuses constant kfp-kubernetes Secret names of the controller, and leaves names from parameters to the pod check', () => {
    expect(checkRunPolicy({ pipeline: parsePipelineText(PLATFORM), namespace: 'a' }, cfg).diagnostics).toEqual([]);
    const evil = parsePipelineText(PLATFORM.replaceAll('compat-secret', 'pipewright-s3').replaceAll('compat-registry', 'pipewright-grant-key'));
    const lines = checkRunPolicy({ pipeline: evil, namespace: 'a' }, cfg).diagnostics.map(formatDiagnostic);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^platformSpec kubernetes executors\.exec-[a-z-]+\.secretAsEnv\[0\]: Secret "pipewright-s3" is one of the controller's own Secrets/),
      expect.stringMatching(/secretAsVolume\[0\]: Secret "pipewright-s3"/),
      expect.stringMatching(/imagePullSecret\[0\]: Secret "pipewright-grant-key"/),
    ]));
    expect(lines.every((l) => l.includes('(fix: create a Secret of your own in namespace a'))).toBe(true);
  });

  it('refuses pod defaults naming a controller Secret and the controller service account in its namespace', () => {
    const pipeline = parsePipelineText(native(''));
    const r = checkRunPolicy({ pipeline, namespace: 'pipewright-system', serviceAccountName: 'pipewright-controller', podDefaults: { imagePullSecrets: [{ name: 'ok' }, { name: 'pipewright-s3' }] } }, cfg);
    expect(r.diagnostics.map((d) => d.location.path)).toEqual(['spec.podDefaults.imagePullSecrets[1].name', 'spec.serviceAccountName']);
    expect(checkRunPolicy({ pipeline, namespace: 'a', serviceAccountName: 'pipewright-controller' }, cfg).diagnostics).toEqual([]);
  });
});

describe('platformSecretNames', () => {
  it('resolves constants, legacy names and names from parameters', () => {
    const cfg0: JsonObject = {
      secretAsEnv: [{ secretNameParameter: { componentInputParameter: 'name' } }, { secretName: 'legacy' }],
      secretAsVolume: [{ secretNameParameter: { taskOutputParameter: { producerTask: 'p', outputParameterKey: 'Output' } } }],
      imagePullSecret: [{ secretNameParameter: { runtimeValue: { constant: 'reg' } } }],
    };
    expect(platformSecretNames(cfg0, {})).toEqual([{ field: 'secretAsEnv[1]', name: 'legacy' }, { field: 'imagePullSecret[0]', name: 'reg' }]);
    expect(platformSecretNames(cfg0, { name: 'pipewright-s3', 'p.Output': 'x' }).map((s) => s.name)).toEqual(['pipewright-s3', 'legacy', 'x', 'reg']);
  });
});

describe('checkPodSecrets', () => {
  const pod = (extra: Partial<NonNullable<V1Pod['spec']>>, mainEnv: NonNullable<V1Pod['spec']>['containers'][number]['env'] = []): V1Pod => ({
    metadata: { name: 'p' },
    spec: {
      // The helper containers are built by the controller: what they name is not the pipeline's choice.
      initContainers: [{ name: 'inputs', env: [{ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'pipewright-s3', key: 'secretkey' } } }] }, { name: 'main', env: mainEnv }],
      containers: [{ name: 'outputs', env: [{ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'pipewright-s3', key: 'secretkey' } } }] }],
      ...extra,
    },
  });

  it('passes a pod whose pipeline names only its own Secrets', () => {
    const p = pod({ volumes: [{ name: 'v', secret: { secretName: 'mine' } }], imagePullSecrets: [{ name: 'reg' }] }, [{ name: 'X', valueFrom: { secretKeyRef: { name: 'mine', key: 'k' } } }]);
    expect(checkPodSecrets(p, 'a', cfg)).toBeUndefined();
    expect(podSecretRefs(p).map((r) => r.name)).toEqual(['mine', 'reg', 'mine']);
  });

  it.each([
    ['env', pod({}, [{ name: 'X', valueFrom: { secretKeyRef: { name: 'pipewright-s3', key: 'secretkey' } } }]), 'task pod container main env X'],
    ['envFrom', pod({ initContainers: [{ name: 'main', envFrom: [{ secretRef: { name: 'pipewright-grant-key' } }] }] }), 'task pod container main envFrom'],
    ['volume', pod({ volumes: [{ name: 'secret-0-x', secret: { secretName: 'pipewright-s3' } }] }), 'task pod volume secret-0-x'],
    ['projected', pod({ volumes: [{ name: 'proj', projected: { sources: [{ secret: { name: 'pipewright-s3' } }] } }] }), 'task pod volume proj'],
    ['image pull secret', pod({ imagePullSecrets: [{ name: 'pipewright-s3' }] }), 'task pod imagePullSecrets'],
  ])('refuses the controller Secret as %s', (_what, p, field) => {
    const d = checkPodSecrets(p, 'a', cfg);
    expect(d?.location.path).toBe(field);
    expect(d?.message).toMatch(/controller's own Secrets/);
  });
});

describe('checkLaunchInputs', () => {
  const launch = (uri: string): LaunchRequest => ({
    nodeId: 'read', taskName: 'read', displayName: 'read', componentName: 'comp-read', executorLabel: 'exec-read', attempt: 1,
    inputs: { parameters: {}, artifacts: { ds: [{ name: 'ds', uri, type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' }, metadata: {} }] } },
    outputs: { parameters: {}, artifacts: {} },
  }) as unknown as LaunchRequest;

  it('passes own and shared inputs and refuses any other, naming the input', () => {
    expect(checkLaunchInputs(launch(`${R0}/a/r/t/out`), 'a', cfg)).toBeUndefined();
    expect(checkLaunchInputs(launch('minio://datasets/public/x'), 'a', cfg)).toBeUndefined();
    expect(formatDiagnostic(checkLaunchInputs(launch(`${R0}/b/r/t/out`), 'a', cfg)!)).toMatch(/^input artifact 'ds': artifact URI minio:\/\/pipewright\/v2\/artifacts\/b\/r\/t\/out is outside namespace a's artifacts/);
  });
});
