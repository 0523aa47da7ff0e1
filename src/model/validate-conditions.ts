// Conditions: they must parse, read only inputs the task has, and (native dialect) type-check to a boolean.
import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { own } from '../util/own.js';
import { compileCondition } from '../engine/cel.js';
import { clip } from './diagnostics.js';
import { suggestFix } from './suggest.js';
import { dagScopes, report, taskPath, type Ctx } from './validate-context.js';
import { child } from './yaml-reader.js';
import type { Component, ParameterType, Task } from './types.js';

const CEL_TYPES: Partial<Record<ParameterType, string>> = {
  STRING: 'string',
  NUMBER_INTEGER: 'int',
  NUMBER_DOUBLE: 'double',
  BOOLEAN: 'bool',
  LIST: 'list',
  STRUCT: 'map',
};

export function checkConditions(ctx: Ctx): void {
  for (const scope of dagScopes(ctx.p)) {
    for (const task of Object.values(scope.dag.tasks)) {
      if (!task.condition) continue;
      const path = child(child(taskPath(scope, task.name), 'triggerPolicy'), 'condition');
      const problem = conditionProblem(task, own(ctx.p.components, task.component));
      if (problem) report(ctx, { code: problem.code, path: path, task: task.name }, `condition of task "${task.name}" ${problem.message}`, problem.fix);
    }
  }
}

interface Problem {
  code: string;
  message: string;
  fix: string;
}

export function conditionProblem(task: Task, component: Component | undefined): Problem | undefined {
  const cond = task.condition!;
  const compiled = compileCondition(cond);
  const example = cond.dialect === 'native' ? 'inputs.n > 2 && inputs.mode == "fast"' : "inputs.parameter_values['pipelinechannel--x'] == 'heads'";
  if (!compiled.ok) return { code: 'INVALID_CONDITION', message: `\`${clip(cond.expression, 120)}\` does not parse: ${compiled.error}`, fix: `write a CEL expression such as ${example}` };
  const names = Object.keys(task.inputs.parameters);
  const env = new Environment({ unlistedVariablesAreDyn: false }).registerFunction('parseJson(string): dyn', (s: string) => JSON.parse(s) as unknown);
  if (cond.dialect === 'kfp') {
    for (const key of parameterValueKeys(env.parse(cond.expression).ast)) {
      if (!names.includes(key)) {
        return { code: 'CONDITION_UNKNOWN_INPUT', message: `reads inputs.parameter_values['${key}'], which the task does not have as an input`, fix: `${suggestFix(key, names, 'input')} (or add the input to the task's inputs.parameters)` };
      }
    }
    env.registerVariable('inputs', 'map');
  } else {
    // Typed fields: `inputs.n > 2` with n a string is an error now, not a surprise at run time.
    const fields: Record<string, string> = {};
    for (const n of names) fields[n] = CEL_TYPES[component?.inputs.parameters[n]?.type ?? 'TASK_CONFIG'] ?? 'dyn';
    env.registerType('TaskInputs', { fields }).registerVariable('inputs', 'TaskInputs');
  }
  const checked = env.check(cond.expression);
  if (!checked.valid) {
    const why = (checked.error?.message ?? 'does not type-check').split('\n')[0]!;
    const missing = /No such key: (\S+)/.exec(why)?.[1];
    if (missing) {
      const visible = names.filter((n) => !n.startsWith('pipelinechannel--'));
      return { code: 'CONDITION_UNKNOWN_INPUT', message: `reads inputs.${missing}, which the task does not have as an input parameter`, fix: `${suggestFix(missing, visible, 'input')} (conditions see the task's own inputs; add one that takes the value)` };
    }
    return { code: 'INVALID_CONDITION', message: `\`${clip(cond.expression, 120)}\` is ill-typed: ${why}`, fix: `compare values of the same type (${example})` };
  }
  if (checked.type && checked.type !== 'bool' && checked.type !== 'dyn') {
    return { code: 'INVALID_CONDITION', message: `\`${clip(cond.expression, 120)}\` is ${checked.type}, not a boolean`, fix: `make the condition a comparison, e.g. ${example}` };
  }
  return undefined;
}

/** Keys used as `inputs.parameter_values['key']` (KFP's condition form). */
function parameterValueKeys(node: ASTNode): string[] {
  const keys: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object' || !('op' in n)) return;
    const node = n as ASTNode;
    if (node.op === '[]') {
      const [target, index] = node.args;
      if (target.op === '.' && target.args[1] === 'parameter_values' && target.args[0].op === 'id' && target.args[0].args === 'inputs' && index.op === 'value' && typeof index.args === 'string') {
        keys.push(index.args);
      }
    }
    walk(node.args);
  };
  walk(node);
  return keys;
}
