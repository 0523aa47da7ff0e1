// The PipelineRun `submit` creates, from what it was given: pipeline text (a file, or a .py compiled), a Pipeline
// object in the cluster, or a PipelineRun manifest (e.g. from `pipewright export`). Pure.
import { PipelineError, diagnostic } from '../../model/diagnostics.js';
import type { JsonValue, Pipeline } from '../../model/types.js';
import { validateArguments } from '../../model/validate-args.js';
import { API_VERSION } from '../../controller/names.js';
import type { PipelineRunObject } from '../../controller/types.js';

export type Source =
  | { kind: 'text'; text: string; pipeline: Pipeline }
  | { kind: 'pipeline'; name: string; pipeline: Pipeline }
  | { kind: 'run'; manifest: PipelineRunObject; pipeline?: Pipeline };

export interface SubmitNaming {
  name?: string;
  generateName?: string;
}

/** A name prefix from a pipeline's name: DNS-1123, short enough for the 5-character suffix the server adds. */
export function namePrefix(pipelineName: string): string {
  const base = pipelineName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50).replace(/-+$/, '');
  return `${base || 'run'}-`;
}

/** True when a parsed YAML document is a PipelineRun manifest rather than a pipeline. */
export function isRunManifest(doc: unknown): doc is PipelineRunObject {
  return !!doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === 'PipelineRun';
}

function badInput(code: string, path: string, message: string, fix: string): PipelineError {
  return new PipelineError([diagnostic(code, { path }, message, fix)]);
}

function typedArguments(source: Source, rawArgs: Record<string, string>): Record<string, JsonValue> {
  if (!source.pipeline) return rawArgs;
  const given: Record<string, JsonValue> = source.kind === 'run' ? { ...(source.manifest.spec?.arguments ?? {}), ...rawArgs } : rawArgs;
  const { values, diagnostics } = validateArguments(source.pipeline, given);
  if (diagnostics.length > 0) throw new PipelineError(diagnostics);
  return values;
}

type Naming = { name: string } | { generateName: string };

function namingOf(naming: SubmitNaming): Naming | undefined {
  if (naming.name && naming.generateName) throw badInput('INVALID_OPTION', '--name', '--name and --generate-name exclude each other', 'pass one of them');
  if (naming.name) return { name: naming.name };
  return naming.generateName ? { generateName: naming.generateName } : undefined;
}

function fromManifest(m: PipelineRunObject, naming: Naming | undefined, prefix: string, args: Record<string, JsonValue>, labels: Record<string, string>): PipelineRunObject {
  const own: Naming = m.metadata?.name ? { name: m.metadata.name } : { generateName: m.metadata?.generateName ?? prefix };
  const { cancel: _cancel, ...spec } = m.spec ?? {};
  return {
    apiVersion: API_VERSION, kind: 'PipelineRun',
    metadata: { ...(naming ?? own), labels: { ...(m.metadata?.labels ?? {}), ...labels }, ...(m.metadata?.annotations ? { annotations: m.metadata.annotations } : {}) },
    spec: { ...spec, ...(Object.keys(args).length ? { arguments: args } : {}) },
  };
}

/**
 * The run to create. `rawArgs` are --arg values as typed (coerced by the pipeline's parameter types and checked
 * when the pipeline is known); a manifest's own arguments are kept unless overridden; spec.cancel is dropped.
 */
export function buildRun(source: Source, rawArgs: Record<string, string>, naming: SubmitNaming, labels: Record<string, string> = {}): PipelineRunObject {
  const chosen = namingOf(naming);
  const args = typedArguments(source, rawArgs);
  const prefix = namePrefix(source.pipeline?.name ?? (source.kind === 'pipeline' ? source.name : 'run'));
  if (source.kind === 'run') return fromManifest(source.manifest, chosen, prefix, args, labels);
  return {
    apiVersion: API_VERSION, kind: 'PipelineRun',
    metadata: { ...(chosen ?? { generateName: prefix }), ...(Object.keys(labels).length ? { labels } : {}) },
    spec: {
      ...(source.kind === 'text' ? { pipelineYAML: source.text } : { pipelineRef: { name: source.name } }),
      ...(Object.keys(args).length ? { arguments: args } : {}),
    },
  };
}
