// Loading a pipeline from a file (the CLI and the local runner): read it, or compile a .py with the real kfp SDK,
// then hand the text to the pure src/model/parse-text.ts. The I/O adapter of the model's front ends.
import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { PipelineError, diagnostic } from '../model/diagnostics.js';
import { parseCompiledIr, parsePipelineText } from '../model/parse-text.js';
import type { Pipeline } from '../model/types.js';
import { compileKfpPipeline } from './compile-kfp.js';
import { KFP_SDK_VERSION } from './python-env.js';

export interface LoadOptions {
  logger: Logger;
  onProgress?: (line: string) => void;
  /** For .py files defining several pipelines. */
  pipelineFunc?: string;
  /** Extra packages a .py file imports at compile time (e.g. kfp-kubernetes). */
  packages?: string[];
}

export async function loadPipeline(file: string, opts: LoadOptions): Promise<Pipeline> {
  if (file.endsWith('.py')) {
    const text = await compilePython(file, opts);
    return parseCompiledIr(text, file);
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new PipelineError([diagnostic('FILE_NOT_READABLE', { file }, `cannot read the pipeline: ${why}`, 'check the path; pass a .yaml, .yml or .py pipeline file')]);
  }
  return parsePipelineText(text, file);
}

const USES_KFP_KUBERNETES = /^\s*(?:from\s+kfp\s+import\s+(?:[\w\s,()]*\b)?kubernetes\b|from\s+kfp\.kubernetes\b|import\s+kfp\.kubernetes\b)/m;

/** kfp-kubernetes (same version as the SDK) when the file imports it; it is only needed to compile. */
export async function compilePackagesFor(file: string, given: string[] = []): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const wanted = USES_KFP_KUBERNETES.test(text) && !given.some((p) => /^kfp[-_]kubernetes\b/i.test(p));
  return wanted ? [...given, `kfp-kubernetes==${KFP_SDK_VERSION}`] : given;
}

/** A .py pipeline compiled by the kfp SDK to IR YAML text; its problems as PipelineErrors. */
export async function compilePython(file: string, opts: LoadOptions): Promise<string> {
  try {
    const packages = await compilePackagesFor(file, opts.packages);
    return await compileKfpPipeline(file, {
      logger: opts.logger,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.pipelineFunc ? { pipelineFunc: opts.pipelineFunc } : {}),
      ...(packages.length ? { packages } : {}),
    });
  } catch (e) {
    // Problems in the user's file (not the Python environment) are pipeline errors: exit 2, one line.
    const msg = e instanceof Error ? e.message : String(e);
    if (!msg.startsWith('cannot compile ')) throw e;
    const fix = /several pipelines/.test(msg) ? 'choose one with --pipeline-func NAME' : 'fix the Python error shown; the file must define a @dsl.pipeline function that kfp.compiler can compile';
    throw new PipelineError([diagnostic('COMPILE_FAILED', { file }, msg.replace(/^cannot compile \S+: /, 'kfp could not compile it: '), fix)]);
  }
}
