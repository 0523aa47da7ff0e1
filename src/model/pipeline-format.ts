// Which front end reads a parsed document — one rule for the CLI, the controller and the API server: a Pipewright
// spec says so in its apiVersion; KFP IR (what kfp.compiler writes) has a root and pipelineInfo or deploymentSpec.
import { PipelineError, diagnostic } from './diagnostics.js';
import { describe, isObject } from './yaml-reader.js';

export const NATIVE_API_GROUP = 'pipewright.dev/';

export function looksLikeNative(doc: unknown): boolean {
  return isObject(doc) && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith(NATIVE_API_GROUP);
}

export function looksLikeKfpIr(doc: unknown): boolean {
  return isObject(doc) && ('pipelineInfo' in doc || 'deploymentSpec' in doc) && 'root' in doc;
}

export type PipelineFormat = 'native' | 'kfp-ir' | 'unknown';

export function pipelineFormat(doc: unknown): PipelineFormat {
  return looksLikeNative(doc) ? 'native' : looksLikeKfpIr(doc) ? 'kfp-ir' : 'unknown';
}

const EXPECTED = `a KFP pipeline compiled to YAML (pipelineInfo, root, deploymentSpec, schemaVersion) or a Pipewright spec (apiVersion: ${NATIVE_API_GROUP}v1alpha1, kind: PipelineSpec)`;

/** The error for a document of neither format, saying what it looks like instead. */
export function notAPipeline(doc: unknown, file?: string): PipelineError {
  return new PipelineError([diagnostic('NOT_A_PIPELINE', { file }, `this is not a pipeline: the ${file ? 'file' : 'text'} ${looksLike(doc)}`, `pass ${EXPECTED}`)]);
}

/** A short description of a YAML document that is not a pipeline, for the error message. */
function looksLike(doc: unknown): string {
  if (doc === undefined) return 'is empty';
  if (!isObject(doc)) return `holds ${describe(doc)}, not a mapping`;
  const api = typeof doc.apiVersion === 'string' ? doc.apiVersion : undefined;
  const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
  if (api?.startsWith('argoproj.io/')) return `is an Argo ${kind ?? 'object'} (KFP v1 output); recompile with kfp>=2 (kfp.compiler.Compiler)`;
  if (api?.startsWith('pipelines.kubeflow.org/')) return `is a KFP ${kind ?? 'object'} manifest; compile to plain IR YAML (without kubernetes_manifest_format)`;
  if (api || kind) return `is a Kubernetes object (${[api, kind].filter(Boolean).join(', ')})`;
  if ('implementation' in doc || ('inputs' in doc && 'name' in doc)) return 'looks like a KFP v1 component spec; compile a @dsl.pipeline that uses it';
  if ('pipelineInfo' in doc || 'deploymentSpec' in doc || 'components' in doc) return 'looks like KFP IR without its root DAG; pass the whole YAML that kfp.compiler writes';
  const keys = Object.keys(doc);
  return `is a mapping with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`;
}
