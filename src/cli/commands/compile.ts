// `pipewright compile <file.py>`: the IR YAML the kfp SDK writes for a pipeline file, checked before it is written.
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { pino } from 'pino';
import { compileKfpPipeline } from '../../local/compile-kfp.js';
import { PipelineError, diagnostic } from '../../model/diagnostics.js';
import { parsePipelineText } from '../../model/parse-text.js';

interface CompileOptions {
  output?: string;
  pipelineFunc?: string;
}

export function registerCompileCommand(program: Command): void {
  program
    .command('compile')
    .description('Compile a .py pipeline with the kfp SDK to IR YAML (validated), on stdout or to a file')
    .argument('<pipeline.py>', 'a Python file with a @dsl.pipeline function')
    .option('-o, --output <file>', 'write the YAML here instead of stdout')
    .option('--pipeline-func <name>', 'the @dsl.pipeline function to use when the file defines several')
    .action(async (file: string, o: CompileOptions) => {
      if (!file.endsWith('.py')) {
        throw new PipelineError([diagnostic('NOT_PYTHON', { file }, 'compile takes a .py pipeline file', 'pass a .py file; YAML pipelines need no compiling (use pipewright validate)')]);
      }
      const logger = pino({ name: 'pipewright', level: process.env.PIPEWRIGHT_LOG_LEVEL ?? 'warn' }, pino.destination(2));
      let text: string;
      try {
        text = await compileKfpPipeline(file, { logger, ...(o.pipelineFunc ? { pipelineFunc: o.pipelineFunc } : {}) });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (!msg.startsWith('cannot compile ')) throw e;
        throw new PipelineError([diagnostic('COMPILE_FAILED', { file }, msg.replace(/^cannot compile \S+: /, 'kfp could not compile it: '), 'fix the Python error shown (choose a pipeline with --pipeline-func NAME if the file has several)')]);
      }
      parsePipelineText(text, file);
      if (o.output) await fs.writeFile(o.output, text);
      else process.stdout.write(text);
    });
}
