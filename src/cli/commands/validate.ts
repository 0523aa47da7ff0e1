// `pipewright validate <file>`: parse and check a pipeline (and arguments, when given) without running it.
import type { Command } from 'commander';
import { pino } from 'pino';
import { PipelineError } from '../../model/diagnostics.js';
import { loadPipeline } from '../../local/load-pipeline.js';
import { validateArguments } from '../../model/validate-args.js';
import type { Pipeline } from '../../model/types.js';
import { parseArgPairs } from './run.js';

interface ValidateOptions {
  arg: string[];
  pipelineFunc?: string;
}

/** Tasks that run something (containers, importers), across nested DAGs and loop bodies. */
export function countSteps(p: Pipeline): number {
  let n = 0;
  const dags = [p.root, ...Object.values(p.components)].flatMap((c) => (c.implementation.kind === 'dag' ? [c.implementation.dag] : []));
  for (const dag of dags) for (const t of Object.values(dag.tasks)) if (p.components[t.component]?.implementation.kind === 'executor') n++;
  return n;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('Check a pipeline (and its arguments, if given) without running it; prints "ok: <n> tasks" or one line per problem')
    .argument('<pipeline>', 'pipeline file: KFP IR YAML, native YAML, or a .py with one @dsl.pipeline')
    .option('-a, --arg <name=value>', 'pipeline argument to check, repeatable', (v: string, prev: string[]) => [...prev, v], [])
    .option('--pipeline-func <name>', 'the @dsl.pipeline function to use when a .py file defines several')
    .action(async (file: string, o: ValidateOptions) => {
      const logger = pino({ name: 'pipewright', level: process.env.PIPEWRIGHT_LOG_LEVEL ?? 'warn' }, pino.destination(2));
      const pipeline = await loadPipeline(file, { logger, ...(o.pipelineFunc ? { pipelineFunc: o.pipelineFunc } : {}) });
      // Without --arg only the pipeline is checked; with them, missing required ones count too.
      if (o.arg.length > 0) {
        const { diagnostics } = validateArguments(pipeline, parseArgPairs(o.arg));
        if (diagnostics.length > 0) throw new PipelineError(diagnostics.map((d) => ({ ...d, location: { file, ...d.location } })));
      }
      const n = countSteps(pipeline);
      process.stdout.write(`ok: ${n} task${n === 1 ? '' : 's'}\n`);
    });
}
