// The cluster half of the compat pipelines' task settings, without a cluster: the compiled IR (kfp SDK +
// kfp-kubernetes) parsed by the front end, planned by the engine, and turned into a pod by buildTaskPod.
import { readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { configFromEnv } from '../../src/controller/config.js';
import { buildTaskPod } from '../../src/controller/pod-spec.js';
import { userArgv } from '../../src/executor/set-path-staging.js';
import { plan } from '../../src/engine/plan.js';
import { RUN } from '../../src/engine/testing/builders.js';
import { parseKfpIr } from '../../src/model/kfp-ir.js';
import type { JsonValue } from '../../src/model/types.js';

const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000' });
const run = { ...RUN, pipelineRoot: 'minio://pipewright/v2/artifacts' };
const grant = { key: Buffer.alloc(32, 1), nowSec: 1_700_000_000 };

function pods(fixture: string, args: Record<string, JsonValue> = {}): Record<string, V1Pod> {
  const pipeline = parseKfpIr(readFileSync(`test/fixtures/ir/compat/${fixture}.yaml`, 'utf8'));
  const out: Record<string, V1Pod> = {};
  for (const launch of plan({ pipeline, arguments: args, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch) {
    const executor = pipeline.executors[launch.executorLabel];
    if (executor?.kind !== 'container') continue;
    const platform = pipeline.platform.executors[launch.executorLabel];
    out[launch.nodeId] = buildTaskPod({ run, launch, component: pipeline.components[launch.componentName]!, executor, config, grant, ...(platform ? { platform } : {}) });
  }
  return out;
}

const main = (pod: V1Pod) => pod.spec!.initContainers!.find((c) => c.name === 'main')!;
/** The compiled command and args as the user's step runs them (inside set-path staging for Python components). */
const argvOf = (pod: V1Pod): string[] => userArgv(main(pod));

describe('compat kubernetes_platform.py: kfp-kubernetes settings on the task pod', () => {
  const pipeline = parseKfpIr(readFileSync('test/fixtures/ir/compat/kubernetes_platform.yaml', 'utf8'));
  const pod = pods('kubernetes_platform', { pvc_name: 'given-pvc' }).configured!;
  const c = main(pod);

  it('parses the platform document and maps set_timeout to the task timeout', () => {
    expect(Object.keys(pipeline.platform.executors).sort()).toEqual(['exec-configured', 'exec-configured-2', 'exec-configured-3']);
    const task = (pipeline.root.implementation as { dag: { tasks: Record<string, { timeoutSeconds?: number }> } }).dag.tasks.configured!;
    expect(task.timeoutSeconds).toBe(120);
    expect(pod.spec!.activeDeadlineSeconds).toBe(120);
  });

  it('puts secrets and config maps into env and volumes', () => {
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'SECRET_PASSWORD', valueFrom: { secretKeyRef: { name: 'compat-secret', key: 'password', optional: false } } },
      { name: 'CONFIG_MODE', valueFrom: { configMapKeyRef: { name: 'compat-config', key: 'mode', optional: false } } },
    ]));
    const vols = pod.spec!.volumes!;
    const secretVol = vols.find((v) => v.secret?.secretName === 'compat-secret');
    const cmVol = vols.find((v) => v.configMap?.name === 'compat-config');
    expect(c.volumeMounts).toEqual(expect.arrayContaining([
      { name: secretVol!.name, mountPath: '/mnt/secret', readOnly: true },
      { name: cmVol!.name, mountPath: '/mnt/config', readOnly: true },
    ]));
  });

  it('mounts the PVC named by a pipeline parameter and an empty dir', () => {
    const pvc = pod.spec!.volumes!.find((v) => v.persistentVolumeClaim);
    expect(pvc?.persistentVolumeClaim?.claimName).toBe('given-pvc');
    expect(c.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ name: pvc!.name, mountPath: '/mnt/data' })]));
    expect(pod.spec!.volumes).toEqual(expect.arrayContaining([{ name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }]));
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'scratch', mountPath: '/scratch' }]));
  });

  it('schedules with node selector, toleration and node affinity', () => {
    expect(pod.spec!.nodeSelector).toEqual({ disktype: 'ssd' });
    expect(pod.spec!.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'pipelines', effect: 'NoSchedule' }]);
    expect(pod.spec!.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] } },
    ]);
  });

  it('passes a field path as env', () => {
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]));
  });

  it('sets image pull secrets and policy, pod labels and annotations', () => {
    expect(pod.spec!.imagePullSecrets).toEqual([{ name: 'compat-registry' }]);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(pod.metadata!.labels).toMatchObject({ 'compat/label': 'yes' });
    expect(pod.metadata!.annotations).toMatchObject({ 'compat/annotation': 'noted' });
  });
});

describe('compat kubernetes_platform.py: node selector, tolerations and affinity as JSON parameters', () => {
  it('applies the pipeline parameters\' defaults', () => {
    const spec = pods('kubernetes_platform')['configured-2']!.spec!;
    expect(spec.nodeSelector).toEqual({ pool: 'batch' });
    expect(spec.tolerations).toEqual([{ key: 'spot', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] },
    ]);
  });

  it('applies values given as run arguments, JSON text included', () => {
    const spec = pods('kubernetes_platform', { selector: '{"pool": "gpu"}', tolerations: '[{"key": "one", "operator": "Exists"}]' })['configured-2']!.spec!;
    expect(spec.nodeSelector).toEqual({ pool: 'gpu' });
    expect(spec.tolerations).toEqual([{ key: 'one', operator: 'Exists' }]);
  });
});

describe('compat task_settings.py: resources, accelerator, env and display name on the task pod', () => {
  const all = pods('task_settings');

  it('maps cpu/memory requests and limits', () => {
    expect(main(all['read-env']!).resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
  });

  it('maps the accelerator type and limit to an extended resource limit', () => {
    expect(main(all['read-env-2']!).resources?.limits).toEqual({ 'nvidia.com/gpu': '1' });
  });

  it('resolves set_container_image from a pipeline parameter', () => {
    expect(main(all['read-env-3']!).image).toBe('python:3.11');
    expect(main(pods('task_settings', { image: 'registry.local/tools:1' })['read-env-3']!).image).toBe('registry.local/tools:1');
  });

  it('passes set_env_variable into the container env', () => {
    expect(main(all['read-env']!).env).toEqual(expect.arrayContaining([{ name: 'COMPAT_GREETING', value: 'hello from env' }]));
  });
});

describe('compat volumes.py: platform operations, ephemeral volume, security context', () => {
  const pipeline = parseKfpIr(readFileSync('test/fixtures/ir/compat/volumes.yaml', 'utf8'));
  const all = pods('volumes');

  it('marks CreatePVC / DeletePVC as operations of the executor, never cached, never a pod', () => {
    expect(pipeline.executors['exec-createpvc']).toMatchObject({ kind: 'container', platformOp: 'createPvc' });
    expect(pipeline.executors['exec-deletepvc']).toMatchObject({ kind: 'container', platformOp: 'deletePvc' });
    const launch = plan({ pipeline, arguments: {}, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch.find((l) => l.nodeId === 'createpvc');
    expect(launch?.inputs.parameters).toMatchObject({ pvc_name_suffix: '-shared', access_modes: ['ReadWriteOnce'], size: '10Mi' });
    expect(launch?.cacheFingerprint).toBeUndefined();
  });

  it('adds a generic ephemeral volume with the default storage class and the claim labels', () => {
    const pod = all['scratch-roundtrip']!;
    expect(pod.spec!.volumes).toEqual(expect.arrayContaining([{
      name: 'scratch',
      ephemeral: { volumeClaimTemplate: { metadata: { labels: { compat: 'ephemeral' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Mi' } } } } },
    }]));
    expect(main(pod).volumeMounts).toEqual(expect.arrayContaining([{ name: 'scratch', mountPath: '/scratch' }]));
  });

  it('sets the user container\'s identity and drops its capabilities', () => {
    expect(main(all.identity!).securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 1000, runAsGroup: 3000, runAsNonRoot: true });
    expect(main(all['scratch-roundtrip']!).securityContext).toBeUndefined();
  });
});

describe('compat workspace.py: the run workspace claim', () => {
  it('mounts the claim at {{$.workspace_path}} in the user container only', () => {
    const pipeline = parseKfpIr(readFileSync('test/fixtures/ir/compat/workspace.yaml', 'utf8'));
    const launch = plan({ pipeline, arguments: {}, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch[0]!;
    const executor = pipeline.executors[launch.executorLabel]!;
    if (executor.kind !== 'container') throw new Error('container expected');
    const pod = buildTaskPod({ run, launch, component: pipeline.components[launch.componentName]!, executor, config, grant, workspaceClaim: 'r-kfp-workspace' });
    expect(pod.spec!.volumes).toEqual(expect.arrayContaining([{ name: 'pw-workspace', persistentVolumeClaim: { claimName: 'r-kfp-workspace' } }]));
    expect(main(pod).volumeMounts).toEqual(expect.arrayContaining([{ name: 'pw-workspace', mountPath: '/kfp-workspace' }]));
    expect(argvOf(pod)).toEqual(expect.arrayContaining([expect.stringContaining('"workspace":"/kfp-workspace"')]));
    for (const c of [...pod.spec!.initContainers!, ...pod.spec!.containers].filter((x) => x.name !== 'main')) {
      expect(c.volumeMounts!.some((m) => m.name === 'pw-workspace')).toBe(false);
    }
  });
});

describe('compat task_config.py: task_config_passthroughs on the task pod and in the TaskConfig input', () => {
  const all = pods('task_config');
  const taskConfigOf = (pod: V1Pod, input: string): unknown => {
    const args = argvOf(pod);
    return (JSON.parse(args[args.indexOf('--executor_input') + 1]!) as { inputs: { parameterValues: Record<string, unknown> } }).inputs.parameterValues[input];
  };

  it('reads taskConfigPassthroughs from the IR', () => {
    const pipeline = parseKfpIr(readFileSync('test/fixtures/ir/compat/task_config.yaml', 'utf8'));
    expect(pipeline.components['comp-env-kept-out']!.taskConfigPassthroughs).toEqual([{ field: 'ENV', applyToTask: false }]);
    expect(pipeline.components['comp-plain']!.taskConfigPassthroughs).toBeUndefined();
  });

  it('keeps passed-through fields off the pod unless apply_to_task (KFP: resources, scheduling off; env, volumes on)', () => {
    const pod = all.forwarded!;
    const c = main(pod);
    expect(c.resources).toEqual({});
    expect(c.env).toEqual([
      { name: 'COMPAT_TC_ENV', value: 'forwarded' },
      { name: 'TC_PASSWORD', valueFrom: { secretKeyRef: { name: 'compat-secret', key: 'password', optional: false } } },
    ]);
    expect(pod.spec!.volumes).toEqual(expect.arrayContaining([{ name: 'pvc-0-compat-pvc', persistentVolumeClaim: { claimName: 'compat-pvc' } }]));
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'pvc-0-compat-pvc', mountPath: '/mnt/tc' }]));
    expect(pod.spec!.nodeSelector).toBeUndefined();
    expect(pod.spec!.tolerations).toBeUndefined();
    expect(pod.spec!.affinity).toBeUndefined();
  });

  it('hands the TaskConfig input the settings, resources from a run argument in canonical form', () => {
    expect(taskConfigOf(pods('task_config', { cpu_limit: '2000m' }).forwarded!, 'task_config')).toMatchObject({
      resources: { limits: { cpu: '2', memory: '1Gi', 'nvidia.com/gpu': '1' }, requests: { cpu: '250m', memory: '512Mi' } },
      nodeSelector: { pool: 'trainers' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'training', effect: 'NoSchedule' }],
      volumeMounts: [{ name: 'pvc-0-compat-pvc', mountPath: '/mnt/tc' }],
    });
  });

  it('without passthroughs: everything on the pod, an empty TaskConfig', () => {
    expect(main(all.plain!).env).toEqual([{ name: 'COMPAT_TC_ENV', value: 'plain' }]);
    expect(main(all.plain!).resources).toEqual({ limits: { cpu: '1' } });
    expect(taskConfigOf(all.plain!, 'cfg')).toEqual({ affinity: null, tolerations: null, nodeSelector: null, env: null, volumes: null, volumeMounts: null, resources: {} });
  });

  it('ENV passed through without apply_to_task: in the TaskConfig, not on the pod', () => {
    expect(main(all['env-kept-out']!).env).toEqual([]);
    expect(taskConfigOf(all['env-kept-out']!, 'cfg')).toMatchObject({ env: [{ name: 'COMPAT_TC_ENV', value: 'kept out' }] });
  });
});

describe('compat containerized.py: a target_image component on the cluster', () => {
  it('runs the image with the compiled command unchanged (the module is inside the image)', () => {
    const pod = pods('containerized')['containerized-greet']!;
    expect(main(pod).image).toBe('registry.local/compat/containerized:v1');
    const argv = argvOf(pod);
    expect(argv.slice(0, 4)).toEqual(['python3', '-m', 'kfp.dsl.executor_main', '--executor_input']);
    expect(argv).not.toContain('--component_module_path');
  });
});

describe('compat kubernetes_platform.py: settings on tasks inside a loop', () => {
  it('names the secret from the upstream output in every iteration and reads a label through a field path', () => {
    const pipeline = parseKfpIr(readFileSync('test/fixtures/ir/compat/kubernetes_platform.yaml', 'utf8'));
    const facts = { 'secret-name': { attempt: 1, phase: 'Succeeded' as const, outputs: { parameters: { Output: 'compat-secret' }, artifacts: {} } } };
    const launches = plan({ pipeline, arguments: {}, facts, run, now: '2026-01-01T00:00:00Z' }).launch.filter((l) => l.taskName === 'configured-3');
    expect(launches.map((l) => l.nodeId)).toEqual(['for-loop-2[0]/configured-3']); // parallelism=1
    const l = launches[0]!;
    const executor = pipeline.executors[l.executorLabel]!;
    if (executor.kind !== 'container') throw new Error('container expected');
    const pod = buildTaskPod({ run, launch: l, component: pipeline.components[l.componentName]!, executor, config, grant, platform: pipeline.platform.executors[l.executorLabel]! });
    expect(main(pod).env).toEqual(expect.arrayContaining([
      { name: 'SECRET_PASSWORD', valueFrom: { secretKeyRef: { name: 'compat-secret', key: 'password', optional: false } } },
      { name: 'TASK_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['pipewright.dev/task']" } } },
    ]));
  });
});
