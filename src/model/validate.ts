// Semantic checks of a pipeline model, for both front ends. Every problem found is reported, each once,
// with where (file + YAML path, task), what, and how to fix it.
import type { Diagnostic } from './diagnostics.js';
import { checkConditions } from './validate-conditions.js';
import type { Ctx } from './validate-context.js';
import { checkGraph } from './validate-graph.js';
import { checkLoops } from './validate-loops.js';
import { checkPlaceholders } from './validate-placeholders.js';
import { checkTypes } from './validate-types.js';
import type { Pipeline } from './types.js';

export { validateArguments, coerceArgument } from './validate-args.js';
export { findCycles } from './validate-graph.js';

export function validatePipeline(p: Pipeline, file?: string): Diagnostic[] {
  const ctx: Ctx = { p, out: [], ...(file !== undefined ? { file } : {}) };
  checkGraph(ctx);
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
