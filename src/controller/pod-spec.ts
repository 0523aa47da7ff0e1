// One pod per task attempt, built without I/O:
//   init `inputs`  (pipewright image, a read grant)     downloads input artifacts into emptyDirs
//   init `modelcar-<i>` (an oci:// input's image)       copies its /models where KFP's path expects it
//   init `main`    (the user's image, nothing)          runs the resolved command (a KFP Python component's
//                                                       then copies set_path outputs into /tmp: set-path-staging.ts)
//   container `outputs` (pipewright image, write grant) uploads outputs, reports them in its termination message
// No S3 credential enters the pod: the helpers hold a grant for this task's inputs and root only, and fetch
// presigned URLs for it from the controller's artifact gateway (docs/adr/0003-artifact-grants.md).
// Running the user's step as an init container gives its exit code and logs their own status, makes the
// pod's resource request the user's (max of init containers), and needs nothing inside the user's image.
import type { V1Container, V1EnvVar, V1Pod, V1SecurityContext, V1Toleration, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { LaunchRequest, RunContext } from '../engine/state.js';
import { buildExecutorInput, clusterLocalPath, runInfoFor } from '../executor/executor-input.js';
import { downloadsFor, outputsSpecFor } from '../executor/pod-io-spec.js';
import { resolveCommand } from '../executor/placeholders.js';
import { modelcarParts } from '../executor/modelcar.js';
import { withSetPathStaging } from '../executor/set-path-staging.js';
import { applyPlatformConfig } from '../executor/platform.js';
import { WORKSPACE_MOUNT_PATH } from '../executor/pvc-ops.js';
import { hasTaskConfigInput, passthroughRouting, taskConfigValue, taskSettings, withTaskConfig } from '../executor/task-config.js';
import type { Component, ContainerExecutor, JsonObject } from '../model/types.js';
import { signGrant } from '../artifacts/grant.js';
import type { ControllerConfig } from './config.js';
import { ANNOTATION_ATTEMPT, ANNOTATION_CACHE, ANNOTATION_NODE, LABEL_TASK, labelValue, runLabels, runOwnerReference, taskPodName } from './names.js';

export const OUTPUT_PARAMS_DIR = '/tmp/kfp/outputs';
// /tmp is shared too: a path the task picks with Artifact.set_path (KFP's samples use /tmp/...) must be readable
// by the outputs step, as it is by KFP's launcher, which runs inside the user's container.
const MOUNTS = [
  { name: 'pw-tmp', path: '/tmp' },
  { name: 'pw-minio', path: '/minio' },
  { name: 'pw-s3', path: '/s3' },
  { name: 'pw-gcs', path: '/gcs' },
  { name: 'pw-outputs', path: OUTPUT_PARAMS_DIR },
];

/** The image's own user (Dockerfile USER 65532:65532): the helpers run as it wherever the pod lands. */
export const HELPER_UID = 65532;
/**
 * The Pod Security `restricted` profile, fully, for `inputs` and `outputs`. They write only to the pod's
 * emptyDirs (mkdirShared leaves those world-writable, so the user's container may run as any uid).
 */
export const HELPER_SECURITY_CONTEXT: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: HELPER_UID,
  runAsGroup: HELPER_UID,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

export interface PodDefaults {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: JsonObject[];
  imagePullSecrets?: { name: string }[];
}

export interface TaskPodInput {
  run: RunContext;
  launch: LaunchRequest;
  component: Component;
  executor: ContainerExecutor;
  platform?: JsonObject;
  serviceAccountName?: string;
  podDefaults?: PodDefaults;
  config: ControllerConfig;
  /** The run's workspace claim, mounted at {{$.workspace_path}} in the user's container. */
  workspaceClaim?: string;
  /** The grant's signing key and the time it is issued at (unix seconds): passed in to keep this builder pure. */
  grant: { key: Buffer | undefined; nowSec: number };
}

export const GRANT_ENV = { gateway: 'PIPEWRIGHT_GATEWAY_URL', grant: 'PIPEWRIGHT_GRANT' } as const;
/** A grant outlives the task's own deadline (or a week without one) by an hour: time for Pending and outputs. */
export const GRANT_DEFAULT_SECONDS = 7 * 24 * 3600;
export const GRANT_SLACK_SECONDS = 3600;

/** The helpers' gateway address and grant: read the launch's object-store inputs, write under its task root. */
function taskGrantEnv(input: TaskPodInput, podName: string, reads: string[]): V1EnvVar[] {
  const { run, launch, config } = input;
  if (!input.grant.key) throw new Error('the controller has no S3 credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) to serve artifacts with');
  if (!config.http.gatewayUrl) throw new Error('PIPEWRIGHT_GATEWAY_URL is not set');
  const grant = signGrant({
    v: 1, ns: run.namespace, run: run.uid, pod: podName,
    read: reads,
    write: [launch.taskRoot],
    exp: input.grant.nowSec + (launch.timeoutSeconds || GRANT_DEFAULT_SECONDS) + GRANT_SLACK_SECONDS,
  }, input.grant.key);
  return [{ name: GRANT_ENV.gateway, value: config.http.gatewayUrl }, { name: GRANT_ENV.grant, value: grant }];
}

export { acceleratorResources, resourceRequirements } from '../executor/task-config.js';

/** Artifact.set_path outside the shared mounts: copied out of the user's container before it ends (set-path-staging.ts). */
function stageSetPathsOutOf(main: V1Container, executorOutputFile: string): void {
  const sharedNames = new Set(MOUNTS.map((m) => m.name));
  const own = (main.volumeMounts ?? []).filter((m) => !sharedNames.has(m.name)).map((m) => m.mountPath);
  const staged = withSetPathStaging(main.command ?? [], main.args ?? [], executorOutputFile, { shared: MOUNTS.map((m) => m.path), private: own });
  if (staged.command.length) main.command = staged.command;
  if (staged.args.length) main.args = staged.args;
  else delete main.args;
}

export function buildTaskPod(input: TaskPodInput): V1Pod {
  const { run, launch, component, executor, config } = input;
  const runInfo = runInfoFor(run, launch, WORKSPACE_MOUNT_PATH);
  const built = buildExecutorInput(launch, component, {
    localPath: clusterLocalPath,
    run: runInfo,
    outputParameterFile: (name) => `${OUTPUT_PARAMS_DIR}/${name}`,
  });
  const resolveField = (s: string): string => resolveCommand([s], { executorInput: built, run: runInfo, localPath: clusterLocalPath })[0] ?? s;
  const params = { ...launch.inputs.parameters, ...launch.platformParameters };
  const settings = taskSettings(executor, input.platform, params, resolveField);
  // task_config_passthroughs: what a TaskConfig input receives, and what stays on the pod.
  const route = passthroughRouting(component);
  const executorInput = hasTaskConfigInput(component) ? withTaskConfig(built, component, taskConfigValue(settings, route)) : built;
  const ctx = { executorInput, run: runInfo, localPath: clusterLocalPath };
  const command = resolveCommand(executor.command, ctx);
  const args = resolveCommand(executor.args, ctx);
  const onPod = route.toTask;
  const mounts: V1VolumeMount[] = MOUNTS.map((m) => ({ name: m.name, mountPath: m.path }));
  const volumes: V1Volume[] = MOUNTS.map((m) => ({ name: m.name, emptyDir: {} }));
  if (onPod('KUBERNETES_VOLUMES')) {
    volumes.push(...settings.volumes);
    mounts.push(...settings.volumeMounts);
  }

  const main: V1Container = {
    name: 'main',
    image: resolveField(executor.image),
    env: onPod('ENV') ? settings.env : [],
    resources: onPod('RESOURCES') ? settings.resources : {},
    volumeMounts: [...mounts],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  if (input.workspaceClaim) {
    volumes.push({ name: 'pw-workspace', persistentVolumeClaim: { claimName: input.workspaceClaim } });
    main.volumeMounts!.push({ name: 'pw-workspace', mountPath: WORKSPACE_MOUNT_PATH });
  }
  if (command.length) main.command = command;
  if (args.length) main.args = args;
  // oci:// inputs (modelcars): each image's /models copied into an emptyDir at KFP's path by an init container.
  const modelcars = modelcarParts(launch);
  volumes.push(...modelcars.volumes);
  main.volumeMounts!.push(...modelcars.mounts);

  const downloads = downloadsFor(launch);
  const outputsSpec = JSON.stringify(outputsSpecFor(launch, executorInput));
  const podName = taskPodName(run.name, run.uid, launch.nodeId, launch.attempt);
  const grantEnv = taskGrantEnv(input, podName, downloads.map((d) => d.uri));
  const io = (name: string, sub: string, env: V1EnvVar[]): V1Container => {
    const c: V1Container = {
      name,
      image: config.image,
      args: ['pod', sub],
      env: [...env, ...grantEnv],
      volumeMounts: MOUNTS.map((m) => ({ name: m.name, mountPath: m.path })),
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      securityContext: structuredClone(HELPER_SECURITY_CONTEXT),
    };
    if (config.imagePullPolicy) c.imagePullPolicy = config.imagePullPolicy;
    return c;
  };
  // `inputs` always runs: besides downloads it prepares the output folders, as KFP's launcher does.
  const initContainers: V1Container[] = [
    io('inputs', 'inputs', [
      { name: 'PIPEWRIGHT_DOWNLOADS', value: JSON.stringify(downloads) },
      { name: 'PIPEWRIGHT_OUTPUTS', value: outputsSpec },
    ]),
    ...modelcars.initContainers,
    main,
  ];

  const defaults = input.podDefaults ?? {};
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName,
      namespace: run.namespace,
      labels: {
        ...defaults.labels,
        ...runLabels(run.name, run.uid),
        [LABEL_TASK]: labelValue(launch.taskName),
      },
      annotations: {
        ...defaults.annotations,
        // `kubectl logs <pod>` shows the user's step, not the outputs helper.
        'kubectl.kubernetes.io/default-container': 'main',
        [ANNOTATION_NODE]: launch.nodeId,
        [ANNOTATION_ATTEMPT]: String(launch.attempt),
        ...(launch.cacheFingerprint ? { [ANNOTATION_CACHE]: launch.cacheFingerprint } : {}),
      },
      ownerReferences: [runOwnerReference(run.name, run.uid)],
    },
    spec: {
      restartPolicy: 'Never',
      initContainers,
      containers: [io('outputs', 'outputs', [{ name: 'PIPEWRIGHT_OUTPUTS', value: outputsSpec }])],
      volumes,
      // Pod-wide so the user's container gets it too (restricted asks it of every container).
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    },
  };
  const spec = pod.spec!;
  // Nothing in a task needs the Kubernetes API unless its run names an account for it.
  if (input.serviceAccountName) spec.serviceAccountName = input.serviceAccountName;
  else spec.automountServiceAccountToken = false;
  if (launch.timeoutSeconds) spec.activeDeadlineSeconds = launch.timeoutSeconds;
  const selector = { ...defaults.nodeSelector, ...settings.acceleratorNodeSelector, ...(onPod('KUBERNETES_NODE_SELECTOR') ? settings.nodeSelector : {}) };
  if (Object.keys(selector).length) spec.nodeSelector = selector;
  const tolerations = [...((defaults.tolerations ?? []) as V1Toleration[]), ...(onPod('KUBERNETES_TOLERATIONS') ? (settings.tolerations ?? []) : [])];
  if (tolerations.length) spec.tolerations = tolerations;
  if (onPod('KUBERNETES_AFFINITY') && settings.affinity) spec.affinity = settings.affinity;
  if (defaults.imagePullSecrets?.length) spec.imagePullSecrets = defaults.imagePullSecrets;
  if (input.platform) applyPlatformConfig(pod, main, input.platform, params);
  stageSetPathsOutOf(main, executorInput.outputs.outputFile);
  return pod;
}
