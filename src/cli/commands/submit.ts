// `pipewright submit <pipeline.yaml|.py|Pipeline name>`: creates a PipelineRun in the cluster. A .py is compiled
// with the kfp SDK first; a YAML pipeline is checked (and its arguments typed) before anything is sent; a
// PipelineRun manifest (`pipewright export`) is submitted again; a name that is no file is a Pipeline object.
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { pino } from 'pino';
import { PipelineError, diagnostic } from '../../model/diagnostics.js';
import { parseYamlDocuments } from '../../model/yaml-documents.js';
import { compilePython } from '../../local/load-pipeline.js';
import { parsePipelineText } from '../../model/parse-text.js';
import type { ClusterFlags } from '../cluster/connect.js';
import { EXIT } from '../cluster/errors.js';
import { checkName, connectFrom, outputOption, runAction, withClusterOptions, type CommandIo } from '../cluster/options.js';
import { buildRun, isRunManifest, type Source } from '../cluster/submission.js';
import { LABEL_EXPERIMENT_ID } from '../../server/mapping.js';
import { parseArgPairs } from './run.js';

export interface SubmitFlags extends ClusterFlags {
  arg: string[];
  name?: string;
  generateName?: string;
  watch?: boolean;
  pipelineFunc?: string;
  output?: 'name' | 'json' | 'yaml';
  label: string[];
  experiment?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

async function readSource(what: string, flags: SubmitFlags, io: CommandIo): Promise<Source | { kind: 'ref'; name: string }> {
  const stat = await fs.stat(what).catch(() => undefined);
  if (!stat) {
    if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(what)) return { kind: 'ref', name: what };
    throw new PipelineError([diagnostic('FILE_NOT_READABLE', { file: what }, 'no such file, and not a Pipeline name either', 'pass a .yaml/.py pipeline file, a PipelineRun manifest, or the name of a Pipeline in the namespace')]);
  }
  if (what.endsWith('.py')) {
    const logger = pino({ name: 'pipewright', level: io.env.PIPEWRIGHT_LOG_LEVEL ?? 'warn' }, pino.destination(2));
    const text = await compilePython(what, { logger, ...(flags.pipelineFunc ? { pipelineFunc: flags.pipelineFunc } : {}) });
    return { kind: 'text', text, pipeline: parsePipelineText(text, what) };
  }
  const text = await fs.readFile(what, 'utf8');
  const docs = parseYamlDocuments(text, what);
  if (isRunManifest(docs[0])) {
    const manifest = docs[0];
    const { pipelineFromSource } = await import('../../controller/pipeline-source.js');
    const inline = manifest.spec?.pipelineYAML !== undefined || manifest.spec?.pipelineSpec !== undefined;
    return { kind: 'run', manifest, ...(inline ? { pipeline: pipelineFromSource(manifest.spec!, `${what}: spec`, manifest.metadata?.name ?? 'run') } : {}) };
  }
  return { kind: 'text', text, pipeline: parsePipelineText(text, what) };
}

function labelsOf(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new PipelineError([diagnostic('INVALID_OPTION', { path: `--label ${p}` }, `--label "${p}" is not key=value`, 'pass --label key=value')]);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export async function submitCommand(what: string, flags: SubmitFlags, io: CommandIo): Promise<number> {
  if (flags.name) checkName(flags.name, '--name');
  const rawArgs = parseArgPairs(flags.arg ?? []);
  const labels = labelsOf(flags.label ?? []);
  const cluster = await connectFrom(flags);
  let source = await readSource(what, flags, io);
  if (source.kind === 'ref') {
    const obj = await cluster.getPipeline(source.name);
    const { pipelineFromSource } = await import('../../controller/pipeline-source.js');
    source = { kind: 'pipeline', name: source.name, pipeline: pipelineFromSource(obj.spec ?? {}, `pipeline/${source.name}: spec`, source.name) };
  }
  const experiment = flags.experiment?.trim();
  if (experiment) labels[LABEL_EXPERIMENT_ID] = await cluster.experimentId(experiment);
  const run = buildRun(source, rawArgs, { name: flags.name, generateName: flags.generateName }, labels);
  const created = await cluster.createRun(run);
  const name = created.metadata!.name!;
  if (flags.output === 'json') io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
  else if (flags.output === 'yaml') io.stdout.write((await import('yaml')).stringify(created));
  else if (flags.output === 'name') io.stdout.write(`pipelinerun/${name}\n`);
  else io.stdout.write(`pipelinerun/${name} created in namespace ${cluster.namespace}\n`);
  if (!flags.watch) return EXIT.ok;
  const { watchRun } = await import('./watch.js');
  return watchRun(cluster, cluster.namespace, name, flags.output ? { ...io, stdout: io.stderr } : io);
}

export function registerSubmitCommand(program: Command): void {
  withClusterOptions(program.command('submit').description('Create a PipelineRun in the cluster from a pipeline file (.yaml, .py), a PipelineRun manifest, or a Pipeline\'s name'))
    .argument('<pipeline>', 'KFP IR YAML, native YAML, a .py with a @dsl.pipeline, a PipelineRun manifest, or a Pipeline name')
    .option('-a, --arg <name=value>', 'pipeline argument, repeatable (typed and checked against the pipeline)', collect, [])
    .option('--name <name>', 'the run\'s name (default: generated from the pipeline\'s name)')
    .option('--generate-name <prefix>', 'a prefix the server completes with a random suffix')
    .option('-l, --label <key=value>', 'a label on the run, repeatable', collect, [])
    .option('--experiment <name>', 'file the run under this experiment (created when missing), as kfp.Client\'s experiment_name')
    .option('-w, --watch', 'follow the run until it ends (exit code as pipewright watch)')
    .option('--pipeline-func <name>', 'for a .py defining several pipelines: the one to submit')
    .addOption(outputOption(['name', 'json', 'yaml'], 'print the created run as name, json or yaml'))
    .action((what: string, flags: SubmitFlags) => runAction((io) => submitCommand(what, flags, io)));
}
