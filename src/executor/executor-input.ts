// Builds KFP's ExecutorInput for one launch, as the backend driver + launcher would (protojson camelCase).
import { createHash } from 'node:crypto';
import type { LaunchRequest, RunContext, RuntimeArtifact } from '../engine/state.js';
import type { Component, JsonObject } from '../model/types.js';
import { isOci, ociLocalPath } from './modelcar.js';
import { resolveString } from './placeholders.js';
import type { ArtifactListJson, ExecutorInput, LocalPathFn, RunInfo, RuntimeArtifactJson } from './types.js';

export const EXECUTOR_OUTPUT_FILE = 'executor_output.json';

const MOUNTS: [string, string][] = [
  ['gs://', '/gcs/'],
  ['s3://', '/s3/'],
  ['minio://', '/minio/'],
];

/** In a cluster pod: the SDK's mapping of object-store URIs to mount paths; other URIs are paths already. */
export function clusterLocalPath(uri: string): string {
  if (isOci(uri)) return ociLocalPath(uri);
  for (const [scheme, mount] of MOUNTS) if (uri.startsWith(scheme)) return mount + uri.slice(scheme.length);
  return uri;
}

/** Locally URIs are absolute host paths (file:// tolerated), so path == uri. */
export function hostLocalPath(uri: string): string {
  return uri.startsWith('file://') ? decodeURIComponent(uri.slice('file://'.length)) : uri;
}

function joinUri(dir: string, name: string): string {
  return `${dir.endsWith('/') ? dir.slice(0, -1) : dir}/${name}`;
}

/** A stable per-task id in UUID form, so re-planning gives the same value. */
export function taskUuid(runUid: string, nodeId: string): string {
  const h = createHash('sha256').update(`${runUid}\0${nodeId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function runInfoFor(run: RunContext, req: LaunchRequest, workspacePath: string): RunInfo {
  return {
    jobName: run.displayName,
    jobResourceName: run.name,
    jobUuid: run.uid,
    taskName: req.taskName,
    taskUuid: taskUuid(run.uid, req.nodeId),
    createTime: run.createTime,
    // Runs are not scheduled: the schedule time is the creation time (as KFP does for one-off runs).
    scheduleTime: run.createTime,
    pipelineRoot: run.pipelineRoot,
    workspacePath,
  };
}

function artifactJson(a: RuntimeArtifact): RuntimeArtifactJson {
  return { name: a.name, type: { schemaTitle: a.type.schemaTitle, schemaVersion: a.type.schemaVersion }, uri: a.uri, metadata: a.metadata };
}

export interface BuildOptions {
  localPath: LocalPathFn;
  run: RunInfo;
  /** Where the task writes output parameter `name`; default `<task root>/<name>` (kfp.local). */
  outputParameterFile?: (name: string) => string;
}

export function buildExecutorInput(req: LaunchRequest, component: Component, opts: BuildOptions): ExecutorInput {
  const outputFile = opts.localPath(joinUri(req.taskRoot, EXECUTOR_OUTPUT_FILE));
  const taskRootPath = opts.localPath(req.taskRoot);
  const paramFile = opts.outputParameterFile ?? ((name: string) => joinUri(taskRootPath, name));

  // Component defaults first (launcher's addDefaultParams), then the resolved values win.
  const parameterValues: JsonObject = {};
  for (const [name, def] of Object.entries(component.inputs.parameters)) {
    if (def.default !== undefined) parameterValues[name] = def.default;
  }
  for (const [name, value] of Object.entries(req.inputs.parameters)) parameterValues[name] = value;

  const inputArtifacts: Record<string, ArtifactListJson> = {};
  for (const [name, list] of Object.entries(req.inputs.artifacts)) {
    inputArtifacts[name] = { artifacts: list.map(artifactJson) };
  }

  const outParams: Record<string, { outputFile: string }> = {};
  for (const name of Object.keys(req.outputs.parameters)) outParams[name] = { outputFile: paramFile(name) };
  const outArtifacts: Record<string, ArtifactListJson> = {};
  for (const [name, spec] of Object.entries(req.outputs.artifacts)) {
    outArtifacts[name] = { artifacts: [{ name, type: { ...spec.type }, uri: spec.uri }] };
  }

  const ei: ExecutorInput = {
    inputs: { parameterValues, artifacts: inputArtifacts },
    outputs: { parameters: outParams, artifacts: outArtifacts, outputFile },
  };
  return resolveSelfReferences(ei, req.templates ?? {}, opts);
}

/**
 * The pipeline's own constants that hold placeholders (req.templates: f-strings such as "Hello
 * {{$.inputs.parameters['pipelinechannel--name']}}", {{$.pipeline_job_name}}, {{$.workspace_path}}) are expanded
 * here, once, from the text as compiled: a value substituted in is never scanned again. Every other value (run
 * arguments, upstream outputs, defaults) is data and stays as written, as KFP's driver resolves placeholders only
 * in the container's command and args (docs/security.md).
 */
function resolveSelfReferences(ei: ExecutorInput, templates: Record<string, string>, opts: BuildOptions): ExecutorInput {
  const names = Object.keys(templates).filter((n) => typeof ei.inputs.parameterValues[n] === 'string');
  if (!names.length) return ei;
  const ctx = { executorInput: ei, run: opts.run, localPath: opts.localPath };
  const resolved: JsonObject = { ...ei.inputs.parameterValues };
  for (const name of names) resolved[name] = resolveString(templates[name]!, ctx, false);
  return { ...ei, inputs: { ...ei.inputs, parameterValues: resolved } };
}
