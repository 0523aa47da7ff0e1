// Semantic checks of a pipeline model, for both front ends. Every problem found is reported, each once,
// with where (file + YAML path, task), what, and how to fix it.
import { unsupportedLocalArtifactUri } from './artifact-uri.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { nativePath } from './native-refs.js';
import { checkBounds, checkNesting } from './validate-bounds.js';
import { checkConditions } from './validate-conditions.js';
import { limits, type Limits } from './limits.js';
import { dagScopes, type Ctx } from './validate-context.js';
import { checkGraph } from './validate-graph.js';
import { checkLoops } from './validate-loops.js';
import { checkPlaceholders } from './validate-placeholders.js';
import { checkTypes } from './validate-types.js';
import type { Pipeline } from './types.js';

export { validateArguments, coerceArgument } from './validate-args.js';
export { findCycles } from './validate-graph.js';

export function validatePipeline(p: Pipeline, file?: string, lim: Readonly<Limits> = limits()): Diagnostic[] {
  const ctx: Ctx = { p, out: [], ...(file !== undefined ? { file } : {}) };
  checkBounds(ctx, lim);
  // The other checks walk the DAGs; on a pipeline over the limits they are skipped (their cost is what the limits bound).
  if (ctx.out.some((d) => d.code === 'TOO_MANY_TASKS')) return ctx.out;
  checkGraph(ctx);
  if (!ctx.out.some((d) => d.code === 'CYCLE')) checkNesting(ctx, lim);
  if (ctx.out.some((d) => d.code === 'TOO_DEEP')) return ctx.out;
  checkTypes(ctx);
  checkConditions(ctx);
  checkPlaceholders(ctx);
  checkLoops(ctx);
  // One line per problem: the same fact can be reached from two passes.
  const seen = new Set<string>();
  return ctx.out.filter((d) => {
    const key = `${d.code}\u0000${d.location.path ?? ''}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What the local runner refuses beyond validatePipeline: importers of a constant URI it cannot read (oci://, a
 * modelcar image the cluster mounts), at load time, naming the task and the field.
 */
export function localRunRefusals(p: Pipeline, file?: string): Diagnostic[] {
  const ctx: Ctx = { p, out: [], ...(file !== undefined ? { file } : {}) };
  for (const [label, ex] of Object.entries(ctx.p.executors)) {
    if (ex.kind !== 'importer' || ex.uri.kind !== 'constant') continue;
    const bad = unsupportedLocalArtifactUri(ex.uri.value);
    if (!bad) continue;
    const irPath = `deploymentSpec.executors.${label}.importer`;
    const path = ctx.p.source === 'native' ? `${nativePath(irPath)}.importer.uri` : `${irPath}.artifactUri.constant`;
    const tasks = importerTasks(ctx, label);
    const who = tasks.length ? `task${tasks.length > 1 ? 's' : ''} ${tasks.map((t) => `"${t}"`).join(', ')}: ` : '';
    ctx.out.push(diagnostic('UNSUPPORTED_ARTIFACT_URI', { file: ctx.file, path }, `${who}${bad.message}`, bad.fix));
  }
  return ctx.out;
}

/** The tasks (by name) whose component runs executor `label`. */
function importerTasks(ctx: Ctx, label: string): string[] {
  const names: string[] = [];
  for (const scope of dagScopes(ctx.p)) {
    for (const t of Object.values(scope.dag.tasks)) {
      const c = ctx.p.components[t.component];
      if (c?.implementation.kind === 'executor' && c.implementation.executor === label) names.push(t.name);
    }
  }
  return names;
}
