// The pipeline a run executes: inline IR/native spec, the compiled YAML verbatim, or a Pipeline it refers to.
import { PipelineError, diagnostic, internalErrorsAsDiagnostics } from '../model/diagnostics.js';
import { kfpIrFromDocuments } from '../model/kfp-ir.js';
import { checkParsedDocuments, parseYamlDocuments } from '../model/yaml-documents.js';
import { nativeFromObject, readNativeSpec } from '../model/native.js';
import { notAPipeline, pipelineFormat } from '../model/pipeline-format.js';
import { validatePipeline } from '../model/validate.js';
import { Reader } from '../model/yaml-reader.js';
import type { Pipeline } from '../model/types.js';
import type { PipelineSource } from './types.js';

/** Parses and validates one source; `where` names the field for messages (e.g. `spec.pipelineYAML`). */
export function pipelineFromSource(src: PipelineSource, where: string, name: string): Pipeline {
  return internalErrorsAsDiagnostics(where, () => {
    const p = parseSource(src, where, name);
    const problems = validatePipeline(p, where);
    if (problems.length > 0) throw new PipelineError(problems);
    return p;
  });
}

function parseSource(src: PipelineSource, where: string, name: string): Pipeline {
  if (src.pipelineYAML !== undefined) {
    const docs = parseYamlDocuments(src.pipelineYAML, `${where}.pipelineYAML`);
    const format = pipelineFormat(docs[0]);
    if (format === 'native') return nativeFromObject(docs[0], `${where}.pipelineYAML`);
    if (format === 'kfp-ir') return kfpIrFromDocuments(docs, `${where}.pipelineYAML`);
    throw notAPipeline(docs[0], `${where}.pipelineYAML`);
  }
  const spec = src.pipelineSpec;
  if (spec !== undefined) {
    const file = `${where}.pipelineSpec`;
    checkParsedDocuments(src.platformSpec ? [spec, src.platformSpec] : [spec], file);
    const format = pipelineFormat(spec);
    if (format === 'native') return nativeFromObject(spec, file);
    if (format === 'kfp-ir') {
      const docs = src.platformSpec ? [spec, src.platformSpec] : [spec];
      // A copy: the model must not share objects with the informer's cache (was: a YAML round trip).
      return kfpIrFromDocuments(structuredClone(docs), file);
    }
    if (Array.isArray(spec.tasks)) {
      const r = new Reader(file);
      const p = readNativeSpec(r, spec, '', name);
      r.throwIfAny();
      return p;
    }
    throw new PipelineError([
      diagnostic('UNKNOWN_PIPELINE_FORMAT', { file }, 'pipelineSpec is neither KFP IR (pipelineInfo, root) nor a Pipewright spec (tasks)', 'paste the YAML that kfp.compiler writes, or a Pipewright spec with a tasks list'),
    ]);
  }
  throw new PipelineError([diagnostic('MISSING_PIPELINE', { file: where }, 'no pipeline given', 'set pipelineRef, pipelineSpec or pipelineYAML')]);
}
