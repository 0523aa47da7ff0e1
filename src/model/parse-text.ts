// A pipeline from text: pick the front end (KFP IR or native YAML, see pipeline-format.ts), parse, validate, and
// throw every problem at once as a PipelineError. Pure: reading files and compiling .py is src/local/load-pipeline.ts.
import { PipelineError, internalErrorsAsDiagnostics } from './diagnostics.js';
import { kfpIrFromDocuments, parseKfpIr } from './kfp-ir.js';
import { parseYamlDocuments } from './yaml-documents.js';
import { nativeFromObject } from './native.js';
import { notAPipeline, pipelineFormat } from './pipeline-format.js';
import { validatePipeline } from './validate.js';
import type { Pipeline } from './types.js';

/** Text of a pipeline file (KFP IR or native YAML); validated. */
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

/** The YAML kfp.compiler wrote for a .py file (always KFP IR); validated. */
export function parseCompiledIr(text: string, file?: string): Pipeline {
  return internalErrorsAsDiagnostics(file, () => checked(parseKfpIr(text, file), file));
}

function checked(p: Pipeline, file?: string): Pipeline {
  const diagnostics = validatePipeline(p, file);
  if (diagnostics.length > 0) throw new PipelineError(diagnostics);
  return p;
}
