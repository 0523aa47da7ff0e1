// `pipewright export <run>`: the run as a manifest for git or to submit again (`pipewright submit FILE` or
// `kubectl create -f`): spec and, unless --no-status, the status it reached; server-set fields removed.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { API_VERSION } from '../../controller/names.js';
import type { PipelineObject, PipelineRunObject } from '../../controller/types.js';
import type { ClusterFlags } from '../cluster/connect.js';
import { EXIT } from '../cluster/errors.js';
import { checkName, connectFrom, outputOption, runAction, withClusterOptions, type CommandIo } from '../cluster/options.js';

export interface ExportFlags extends ClusterFlags {
  status?: boolean;
  withPipeline?: boolean;
  output?: 'yaml' | 'json';
}

/** Annotations the API server or kubectl write, meaningless in another cluster. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

function portableMetadata(m: PipelineRunObject['metadata']): NonNullable<PipelineRunObject['metadata']> {
  const annotations = Object.fromEntries(Object.entries(m?.annotations ?? {}).filter(([k]) => !DROPPED_ANNOTATIONS.includes(k)));
  return {
    name: m?.name,
    ...(m?.labels && Object.keys(m.labels).length ? { labels: m.labels } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

/**
 * The run without what the cluster assigned (uid, resourceVersion, timestamps, namespace, owner references) and
 * without spec.cancel, so that submitting it starts the same run again.
 */
export function exportRun(run: PipelineRunObject, withStatus: boolean): PipelineRunObject {
  const { cancel: _cancel, ...spec } = run.spec ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'PipelineRun',
    metadata: portableMetadata(run.metadata),
    spec,
    ...(withStatus && run.status ? { status: run.status } : {}),
  };
}

export function exportPipeline(p: PipelineObject): PipelineObject {
  return { apiVersion: API_VERSION, kind: 'Pipeline', metadata: portableMetadata(p.metadata), spec: p.spec ?? {} };
}

export async function exportCommand(name: string, flags: ExportFlags, io: CommandIo): Promise<number> {
  checkName(name, 'run');
  const cluster = await connectFrom(flags);
  const run = await cluster.getRun(name);
  const docs: object[] = [];
  const ref = run.spec?.pipelineRef?.name;
  if (flags.withPipeline && ref) docs.push(exportPipeline(await cluster.getPipeline(ref)));
  docs.push(exportRun(run, flags.status !== false));
  if (flags.output === 'json') io.stdout.write(`${JSON.stringify(docs.length === 1 ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs }, null, 2)}\n`);
  else io.stdout.write(docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
  return EXIT.ok;
}

export function registerExportCommand(program: Command): void {
  withClusterOptions(program.command('export').description('Print a PipelineRun as a manifest (spec and status) for git, or to submit again'))
    .argument('<run>', 'PipelineRun name')
    .option('--no-status', 'leave the status out (a pure manifest)')
    .option('--with-pipeline', 'also print the Pipeline the run refers to (spec.pipelineRef), first')
    .addOption(outputOption(['yaml', 'json']).default('yaml'))
    .action((name: string, flags: ExportFlags) => runAction((io) => exportCommand(name, flags, io)));
}
