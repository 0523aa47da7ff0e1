import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import { plan } from '../engine/plan.js';
import { RUN } from '../engine/testing/builders.js';
import { parseKfpIr } from '../model/kfp-ir.js';
import { runContainerTask, type TaskContext } from './container-task.js';
import { containerizedFunction, findComponentModule, kfpConfigEntry, moduleNotFoundMessage, withModulePath } from './containerized.js';

const tmp = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'pipewright-cz-'));

describe('containerizedFunction', () => {
  const args = ['--executor_input', '{{$}}', '--function_to_execute', 'train'];
  it('names the function of a target_image component', () => {
    expect(containerizedFunction(['python3', '-m', 'kfp.dsl.executor_main'], args)).toBe('train');
  });
  it('ignores other commands and commands that name their module already', () => {
    expect(containerizedFunction(['sh', '-c', 'x'], args)).toBeUndefined();
    expect(containerizedFunction(['python3', '-m', 'kfp.dsl.executor_main', '--component_module_path', '/m.py'], args)).toBeUndefined();
  });
  it('puts --component_module_path after the module name', () => {
    expect(withModulePath(['python3', '-m', 'kfp.dsl.executor_main', '--executor_input', '{}'], '/src/m.py')).toEqual([
      'python3', '-m', 'kfp.dsl.executor_main', '--component_module_path', '/src/m.py', '--executor_input', '{}',
    ]);
  });
});

describe('findComponentModule', () => {
  it('reads kfp_config.ini (as `kfp component build` writes it) before scanning sources', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'src', 'train.py'), 'def train():\n    pass\n');
    await writeFile(path.join(dir, 'other.py'), 'def train():\n    pass\n');
    await writeFile(path.join(dir, 'kfp_config.ini'), '[Components]\ntrain = src/train.py\n');
    expect(kfpConfigEntry('[Other]\ntrain = x.py\n[Components]\nTrain = y.py\n', 'train')).toBeUndefined();
    expect(await findComponentModule('train', [dir])).toBe(path.join(dir, 'src', 'train.py'));
  });

  it('else finds a .py defining the function at top level, in directory order', async () => {
    const [a, b] = [await tmp(), await tmp()];
    await writeFile(path.join(a, 'nested.py'), 'def outer():\n    def train():\n        pass\n');
    await writeFile(path.join(b, 'comps.py'), '@dsl.component(target_image="x")\ndef train(a: int) -> int:\n    return a\n');
    expect(await findComponentModule('train', [a, b])).toBe(path.join(b, 'comps.py'));
    expect(await findComponentModule('missing', [a, b])).toBeUndefined();
  });
});

describe('a containerized component whose module is not on this machine', () => {
  it('fails the task with a message naming the function, the image, where it looked and the fix', async () => {
    const pipeline = parseKfpIr(await readFile('test/fixtures/ir/compat/containerized.yaml', 'utf8'));
    const dir = await tmp();
    const run = { ...RUN, pipelineRoot: dir };
    const launch = plan({ pipeline, arguments: {}, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch.find((l) => l.taskName === 'containerized-greet')!;
    const ctx: TaskContext = {
      pipeline, run, runDir: dir, logger: pino({ level: 'silent' }), onEvent: () => undefined, signal: new AbortController().signal,
      pythonEnv: () => Promise.reject(new Error('not reached')), onStart: () => undefined, componentDirs: [dir],
    };
    const fact = await runContainerTask(launch, ctx);
    expect(fact.phase).toBe('Error');
    expect(fact.message).toBe(moduleNotFoundMessage('containerized_greet', 'registry.local/compat/containerized:v1', [dir]));
    expect(fact.message).toContain(`no .py defining 'def containerized_greet(' in ${dir}`);
    expect(fact.message).toContain('--component-dir DIR');
  });
});
