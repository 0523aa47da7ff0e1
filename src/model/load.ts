// Loading a pipeline from a file or text: pick the front end (.py via the kfp SDK, KFP IR YAML, native YAML),
// parse, validate, and throw every problem at once as a PipelineError.
import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { compileKfpPipeline, KFP_SDK_VERSION } from '../local/python-env.js';
import { PipelineError, diagnostic, internalErrorsAsDiagnostics } from './diagnostics.js';
import { kfpIrFromDocuments, parseKfpIr, parseYamlDocuments } from './kfp-ir.js';
import { nativeFromObject } from './native.js';
import { notAPipeline, pipelineFormat } from './pipeline-format.js';
import { validatePipeline } from './validate.js';
import type { Pipeline } from './types.js';

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
    return internalErrorsAsDiagnostics(file, () => checked(parseKfpIr(text, file), file));
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

async function compilePython(file: string, opts: LoadOptions): Promise<string> {
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

/** Text of a pipeline file (for the controller: no file I/O); validated. */
export function parsePipelineText(text: string, file?: string): Pipeline {
  return internalErrorsAsDiagnostics(file, () => {
    const docs = parseYamlDocuments(text, file);
    const first = docs[0];
    const format = pipelineFormat(first);
    if (format === 'native') return checked(nativeFromObject(first, file), file);
    if (format === 'kfp-ir') return checked(kfpIrFromDocuments(docs, file), file);
    throw notAPipeline(first, file);
  });
}


function checked(p: Pipeline, file?: string): Pipeline {
  const diagnostics = validatePipeline(p, file);
  if (diagnostics.length > 0) throw new PipelineError(diagnostics);
  return p;
}
