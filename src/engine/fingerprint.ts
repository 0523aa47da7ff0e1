// Cache fingerprint with KFP's ingredients: the component's executor (image, unsubstituted command and args),
// resolved input parameters, input artifact URIs, and output specs (names and types, not URIs).
// Scoped like KFP's cache lookup (which filters by pipeline name and namespace): the pipeline name and the
// run's namespace are part of every key, so equal components in different pipelines never share an entry.
import { createHash } from 'node:crypto';
import { own } from '../util/own.js';
import type { Component, Pipeline, Task } from '../model/types.js';
import type { ResolvedInputs } from './state.js';

export function cacheFingerprint(pipeline: Pipeline, comp: Component, task: Task, inputs: ResolvedInputs, namespace = ''): string {
  const hash = createHash('sha256');
  if (task.caching.key) {
    hash.update(`${namespace}\0${pipeline.name}\0${comp.name}\0${task.caching.key}`);
    return hash.digest('hex');
  }
  const label = comp.implementation.kind === 'executor' ? comp.implementation.executor : '';
  const executor = own(pipeline.executors, label);
  const platform = own(pipeline.platform.executors, label);
  const key = {
    namespace,
    pipeline: pipeline.name,
    executor: executor ?? null,
    platform: platform ?? null,
    inputParameters: sortKeys(inputs.parameters),
    inputArtifacts: Object.fromEntries(
      Object.keys(inputs.artifacts)
        .sort()
        .map((k) => [k, (own(inputs.artifacts, k) ?? []).map((a) => a.uri)]),
    ),
    outputParameters: sortKeys(Object.fromEntries(Object.entries(comp.outputs.parameters).map(([k, d]) => [k, d.type]))),
    outputArtifacts: sortKeys(Object.fromEntries(Object.entries(comp.outputs.artifacts).map(([k, d]) => [k, d.type.schemaTitle]))),
    // What a TaskConfig input receives depends on them (absent: keys unchanged from before they existed).
    ...(comp.taskConfigPassthroughs ? { taskConfigPassthroughs: comp.taskConfigPassthroughs } : {}),
  };
  hash.update(stableStringify(key));
  return hash.digest('hex');
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as T]));
}

/** JSON with object keys sorted at every level, so equal values always hash the same. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}
