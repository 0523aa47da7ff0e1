// Reading the compiled pipeline (KFP IR): the DAG of each component, task bindings and the root's inputs.
import type { Json } from './types';

type Obj = Record<string, Json>;

export interface SpecTask {
  name: string;
  displayName: string;
  dependsOn: string[];
  component?: string;
  /** The task's input bindings as text: a constant, a pipeline input or an upstream output. */
  inputs: Record<string, string>;
  condition?: string;
  loop?: boolean;
}

export interface PipelineInput {
  name: string;
  type: 'STRING' | 'NUMBER_INTEGER' | 'NUMBER_DOUBLE' | 'BOOLEAN' | 'LIST' | 'STRUCT' | 'ARTIFACT';
  defaultValue?: Json;
  optional: boolean;
  description?: string;
}

const obj = (v: Json | undefined): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);

/** The IR document, whether the field holds it alone or as {pipeline_spec, platform_spec}. */
export function irOf(spec: Obj | undefined): Obj | undefined {
  if (!spec) return undefined;
  return obj(spec.pipeline_spec) ?? spec;
}

function binding(b: Obj | undefined): string {
  if (!b) return '';
  const rt = obj(b.runtimeValue);
  if (rt && 'constant' in rt) return JSON.stringify(rt.constant);
  if (typeof b.componentInputParameter === 'string') return `pipeline input ${b.componentInputParameter}`;
  if (typeof b.componentInputArtifact === 'string') return `pipeline input ${b.componentInputArtifact}`;
  const tp = obj(b.taskOutputParameter) ?? obj(b.taskOutputArtifact);
  if (tp) return `${String(tp.producerTask)}.${String(tp.outputParameterKey ?? tp.outputArtifactKey)}`;
  if (typeof b.parameterExpressionSelector === 'string') return b.parameterExpressionSelector;
  return JSON.stringify(b);
}

function tasksOf(component: Obj | undefined): Record<string, SpecTask> {
  const tasks = obj(obj(component?.dag)?.tasks) ?? {};
  const out: Record<string, SpecTask> = {};
  for (const [name, raw] of Object.entries(tasks)) {
    const t = obj(raw) ?? {};
    const inputs: Record<string, string> = {};
    for (const kind of ['parameters', 'artifacts']) {
      for (const [k, b] of Object.entries(obj(obj(t.inputs)?.[kind]) ?? {})) inputs[k] = binding(obj(b));
    }
    const deps = Array.isArray(t.dependentTasks) ? t.dependentTasks.map(String) : [];
    const cond = obj(t.triggerPolicy)?.condition;
    out[name] = {
      name,
      displayName: String(obj(t.taskInfo)?.name ?? name),
      dependsOn: deps,
      component: obj(t.componentRef)?.name as string | undefined,
      inputs,
      condition: typeof cond === 'string' ? cond : undefined,
      loop: Boolean(t.parameterIterator ?? t.artifactIterator ?? t.iteratorPolicy),
    };
  }
  return out;
}

const stripIndex = (seg: string): string => seg.replace(/\[\d+\]$/, '');

/** The component that runs the node `scope` (a node id such as `for-loop-2[0]/inner`; '' is the root). */
export function componentAt(spec: Obj | undefined, scope: string): Obj | undefined {
  const ir = irOf(spec);
  if (!ir) return undefined;
  let comp = obj(ir.root);
  const components = obj(ir.components) ?? {};
  if (!scope) return comp;
  for (const seg of scope.split('/')) {
    const task = tasksOf(comp)[stripIndex(seg)];
    if (!task?.component) return undefined;
    comp = obj(components[task.component]);
  }
  return comp;
}

/** The DAG tasks of the component at `scope` (empty for a container task or an unknown scope). */
export function specTasksAt(spec: Obj | undefined, scope: string): Record<string, SpecTask> {
  return tasksOf(componentAt(spec, scope));
}

/** The spec task a node id stands for (`a/b[2]` → task b of a's component). */
export function specTaskOf(spec: Obj | undefined, nodeId: string): SpecTask | undefined {
  const i = nodeId.lastIndexOf('/');
  const scope = i < 0 ? '' : nodeId.slice(0, i);
  return specTasksAt(spec, scope)[stripIndex(nodeId.slice(i + 1))];
}

/** The root pipeline's inputs, typed, with their defaults: what the start-run form asks for. */
export function pipelineInputs(spec: Obj | undefined): PipelineInput[] {
  const ir = irOf(spec);
  const defs = obj(obj(ir?.root)?.inputDefinitions);
  const out: PipelineInput[] = [];
  for (const [name, raw] of Object.entries(obj(defs?.parameters) ?? {})) {
    const p = obj(raw) ?? {};
    out.push({
      name,
      type: (String(p.parameterType ?? 'STRING') as PipelineInput['type']),
      defaultValue: p.defaultValue,
      optional: Boolean(p.isOptional) || p.defaultValue !== undefined,
      description: typeof p.description === 'string' ? p.description : undefined,
    });
  }
  for (const name of Object.keys(obj(defs?.artifacts) ?? {})) out.push({ name, type: 'ARTIFACT', optional: false });
  return out;
}

export type FormValues = Record<string, string>;

/** The text a form field starts with for an input: its default, as the user would type it. */
export function initialValue(input: PipelineInput): string {
  const d = input.defaultValue;
  if (d === undefined || d === null) return '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

/** The run's parameters from the form's text, typed as the pipeline declares; errors name the field. */
export function parseForm(inputs: PipelineInput[], values: FormValues): { parameters: Record<string, Json>; errors: Record<string, string> } {
  const parameters: Record<string, Json> = {};
  const errors: Record<string, string> = {};
  for (const input of inputs) {
    if (input.type === 'ARTIFACT') continue;
    const text = (values[input.name] ?? '').trim();
    if (text === '') {
      if (!input.optional) errors[input.name] = 'required';
      continue;
    }
    switch (input.type) {
      case 'NUMBER_INTEGER':
        if (!/^-?\d+$/.test(text)) errors[input.name] = 'an integer, e.g. 3';
        else parameters[input.name] = Number(text);
        break;
      case 'NUMBER_DOUBLE':
        if (text === '' || Number.isNaN(Number(text))) errors[input.name] = 'a number, e.g. 0.9';
        else parameters[input.name] = Number(text);
        break;
      case 'BOOLEAN':
        if (text !== 'true' && text !== 'false') errors[input.name] = 'true or false';
        else parameters[input.name] = text === 'true';
        break;
      case 'LIST': case 'STRUCT': {
        try {
          const v = JSON.parse(text) as Json;
          if (input.type === 'LIST' ? !Array.isArray(v) : !obj(v)) throw new Error();
          parameters[input.name] = v;
        } catch {
          errors[input.name] = input.type === 'LIST' ? 'a JSON list, e.g. [1, 2]' : 'a JSON object, e.g. {"a": 1}';
        }
        break;
      }
      default:
        parameters[input.name] = text;
    }
  }
  return { parameters, errors };
}
