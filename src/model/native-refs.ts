// Native spec references (`params.x`, `tasks.a.outputs.parameters.b`) and `{{...}}` placeholders,
// mapped onto the KFP forms the executor resolves. Also maps model paths back to native YAML paths.

export type NativeRef =
  | { kind: 'param'; name: string }
  | { kind: 'taskParam'; task: string; output: string }
  | { kind: 'taskArtifact'; task: string; output: string };

const NAME = '([A-Za-z0-9_][A-Za-z0-9_-]*)';
const PARAM_REF = new RegExp(`^params\\.${NAME}$`);
const TASK_REF = new RegExp(`^tasks\\.${NAME}\\.outputs\\.(parameters|artifacts)\\.${NAME}$`);

export function parseRef(text: string): NativeRef | undefined {
  const s = text.trim();
  let m = PARAM_REF.exec(s);
  if (m) return { kind: 'param', name: m[1]! };
  m = TASK_REF.exec(s);
  if (m) return { kind: m[2] === 'parameters' ? 'taskParam' : 'taskArtifact', task: m[1]!, output: m[3]! };
  return undefined;
}

/** The hidden input a reference arrives under when it crosses into a task (KFP's naming). */
export function channelName(ref: NativeRef): string {
  return ref.kind === 'param' ? `pipelinechannel--${ref.name}` : `pipelinechannel--${ref.task}-${ref.output}`;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const RUN_PLACEHOLDERS: Record<string, string> = {
  'run.name': '{{$.pipeline_job_name}}',
  'run.resourceName': '{{$.pipeline_job_resource_name}}',
  'run.id': '{{$.pipeline_job_uuid}}',
  'run.createTime': '{{$.pipeline_job_create_time_utc}}',
  'task.name': '{{$.pipeline_task_name}}',
  pipelineRoot: '{{$.pipeline_root}}',
  workspacePath: '{{$.workspace_path}}',
  executorInput: '{{$}}',
};
export const NATIVE_PLACEHOLDER_FORMS = [
  '{{inputs.parameters.NAME}}',
  '{{inputs.artifacts.NAME.path|uri|metadata}}',
  '{{outputs.parameters.NAME.path}}',
  '{{outputs.artifacts.NAME.path|uri|metadata}}',
  '{{params.NAME}}',
  '{{tasks.TASK.outputs.parameters.NAME}}',
  ...Object.keys(RUN_PLACEHOLDERS).map((k) => `{{${k}}}`),
];

const IO_PLACEHOLDER = new RegExp(`^(inputs|outputs)\\.(parameters|artifacts)\\.${NAME}(?:\\.(path|uri|metadata))?$`);

/** One `{{body}}` of a command line in KFP form; undefined leaves it as written (validation reports it). */
function commandPlaceholder(body: string, onRef: (ref: NativeRef) => string | undefined): string | undefined {
  if (body.startsWith('$')) return `{{${body}}}`;
  const run = RUN_PLACEHOLDERS[body];
  if (run) return run;
  const m = IO_PLACEHOLDER.exec(body);
  if (m) {
    const [, io, kind, name, field] = m;
    if (kind === 'parameters') {
      if (io === 'inputs' && !field) return `{{$.inputs.parameters['${name}']}}`;
      if (io === 'outputs' && field === 'path') return `{{$.outputs.parameters['${name}'].output_file}}`;
      return undefined;
    }
    return field ? `{{$.${io}.artifacts['${name}'].${field}}}` : undefined;
  }
  const ref = parseRef(body);
  if (ref && ref.kind !== 'taskArtifact') {
    const input = onRef(ref);
    return input === undefined ? undefined : `{{$.inputs.parameters['${input}']}}`;
  }
  return undefined;
}

/**
 * Rewrites native placeholders in one command-line string. `onRef` is told about `{{params.x}}` and
 * `{{tasks.t.outputs.parameters.o}}` and returns the input name they arrive under.
 */
export function mapCommandString(s: string, onRef: (ref: NativeRef) => string | undefined): string {
  return s.replace(PLACEHOLDER, (whole, body: string) => commandPlaceholder(body, onRef) ?? whole);
}

/** If the whole string is one `{{params.x}}` / `{{tasks...}}` reference, that reference. */
export function wholeRef(s: string): NativeRef | undefined {
  const m = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(s);
  return m ? parseRef(m[1]!) : undefined;
}

/** Native placeholders still present after mapping (`{{...}}` without `$`): unknown forms. */
export function unmappedPlaceholders(s: string): string[] {
  return [...s.matchAll(PLACEHOLDER)].map((m) => m[0]).filter((p) => !/^\{\{\s*\$/.test(p));
}

const SUB_PATHS: [RegExp, string][] = [
  [/^\.inputs\.(parameters|artifacts)\.pipelinechannel--[^.]*(.*)$/, '.inputs'],
  [/^\.inputs\.(parameters|artifacts)\.([^.]+)(.*)$/, '.inputs.$1[$2]$3'],
  [/^\.triggerPolicy\.condition$/, '.when'],
  [/^\.dependentTasks(.*)$/, '.dependsOn$1'],
  [/^\.(parameterIterator|artifactIterator)(.*)$/, '.loop'],
  [/^\.componentRef(.*)$/, ''],
];

function taskSub(rest: string): string {
  for (const [re, to] of SUB_PATHS) if (re.test(rest)) return rest.replace(re, to);
  return rest;
}

/**
 * A model path (IR-shaped, as validation reports it) as a path in the native YAML, where lists of
 * named entries are indexed by name: `spec.tasks[train].inputs.parameters[lr]`.
 */
export function nativePath(irPath: string): string {
  return nativeShape(irPath).replace(/\.defaultValue$/, '.default');
}

function nativeShape(irPath: string): string {
  let m = /^root\.inputDefinitions\.parameters\.([^.]+)(.*)$/.exec(irPath);
  if (m) return `spec.params[${m[1]}]${m[2]}`;
  m = /^root\.dag\.outputs\.(parameters|artifacts)\.([^.]+)(.*)$/.exec(irPath);
  if (m) return `spec.outputs.${m[1]}[${m[2]}]`;
  m = /^(?:root|components\.comp-[^.]+)\.dag\.tasks\.([^.]+)(.*)$/.exec(irPath);
  if (m) return `spec.tasks[${m[1]}]${taskSub(m[2]!)}`;
  m = /^components\.comp-([^.]+?)(?:--loop)?\.(input|output)Definitions\.(parameters|artifacts)\.([^.]+)(.*)$/.exec(irPath);
  if (m) return `spec.tasks[${m[1]}].${m[2]}s.${m[3]}[${m[4]}]${m[5]}`;
  m = /^components\.comp-([^.]+?)(?:--loop)?(\..*)?$/.exec(irPath);
  if (m) return `spec.tasks[${m[1]}]`;
  m = /^deploymentSpec\.executors\.exec-([^.]+)\.(?:container|importer)(.*)$/.exec(irPath);
  if (m) return `spec.tasks[${m[1]}]${m[2]}`;
  return irPath;
}
