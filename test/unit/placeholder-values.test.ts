// A run argument that looks like a placeholder is data in both modes: pipelines compiled by the real kfp SDK,
// planned by the engine, turned into the task pod (cluster) and into the ExecutorInput + argv the local runner
// builds. Only the pipeline's own f-string constants are expanded, once.
import { readFileSync } from 'node:fs';
import { configFromEnv } from '../../src/controller/config.js';
import { buildTaskPod } from '../../src/controller/pod-spec.js';
import { plan } from '../../src/engine/plan.js';
import type { LaunchRequest } from '../../src/engine/state.js';
import { RUN } from '../../src/engine/testing/builders.js';
import { buildExecutorInput, hostLocalPath, runInfoFor } from '../../src/executor/executor-input.js';
import { resolveCommand } from '../../src/executor/placeholders.js';
import { localizeInputs } from '../../src/local/container-task.js';
import { parseKfpIr } from '../../src/model/kfp-ir.js';
import type { ContainerExecutor, Pipeline } from '../../src/model/types.js';

const HOSTILE = "{{$.outputs.artifacts['data'].path}}|{{$.inputs.parameters['name']}}|{{$.pipeline_job_name}}|{{$}}";
const config = configFromEnv({ PIPEWRIGHT_IMAGE: 'pipewright:dev', PIPEWRIGHT_S3_ENDPOINT: 's3.local', PIPEWRIGHT_S3_PORT: '9000' });

function launches(fixture: string, args: Record<string, string>, pipelineRoot: string): { pipeline: Pipeline; launch: LaunchRequest[]; run: typeof RUN } {
  const pipeline = parseKfpIr(readFileSync(fixture, 'utf8'));
  const run = { ...RUN, pipelineRoot };
  return { pipeline, run, launch: plan({ pipeline, arguments: args, facts: {}, run, now: '2026-01-01T00:00:00Z' }).launch };
}

/** argv of the task's user container on the cluster. */
function clusterArgv(fixture: string, task: string, args: Record<string, string>): string[] {
  const { pipeline, launch, run } = launches(fixture, args, 'minio://pipewright/v2/artifacts');
  const l = launch.find((x) => x.taskName === task)!;
  const pod = buildTaskPod({ run, launch: l, component: pipeline.components[l.componentName]!, executor: pipeline.executors[l.executorLabel] as ContainerExecutor, config, grant: { key: Buffer.alloc(32, 1), nowSec: 1_767_225_600 } });
  const main = pod.spec!.initContainers!.find((c) => c.name === 'main')!;
  return [...(main.command ?? []), ...(main.args ?? [])];
}

/** argv of the task's process in a local run (as container-task.ts prepares it). */
function localArgv(fixture: string, task: string, args: Record<string, string>): string[] {
  const { pipeline, launch, run } = launches(fixture, args, '/home/me/.pipewright/artifacts');
  const l = launch.find((x) => x.taskName === task)!;
  const ex = pipeline.executors[l.executorLabel] as ContainerExecutor;
  const info = runInfoFor(run, l, '/home/me/.pipewright/artifacts/ns/run/.workspace');
  const ei = buildExecutorInput({ ...l, inputs: localizeInputs(l) }, pipeline.components[l.componentName]!, { localPath: hostLocalPath, run: info });
  return resolveCommand([...ex.command, ...ex.args], { executorInput: ei, run: info, localPath: hostLocalPath });
}

const executorInputOf = (argv: string[]) => JSON.parse(argv[argv.indexOf('--executor_input') + 1]!) as { inputs: { parameterValues: Record<string, unknown> } };

describe.each([['cluster', clusterArgv], ['local', localArgv]] as const)('a hostile run argument (%s)', (_mode, argvOf) => {
  it('reaches a container component\'s argv as written', () => {
    const argv = argvOf('test/fixtures/ir/container_component.yaml', 'greet-sh', { name: HOSTILE });
    expect(argv[argv.indexOf('greet-sh') + 1]).toBe(HOSTILE);
  });

  it('stays literal inside an f-string, while the f-string\'s own placeholders are expanded', () => {
    const argv = argvOf('test/fixtures/ir/compat/placeholders.yaml', 'echo', { name: HOSTILE });
    expect(executorInputOf(argv).inputs.parameterValues.msg).toBe(`${RUN.displayName}/echo/${HOSTILE}`);
    expect(executorInputOf(argv).inputs.parameterValues['pipelinechannel--name']).toBe(HOSTILE);
  });

  it('leaves an argument without placeholders unchanged, and the f-string as before', () => {
    const argv = argvOf('test/fixtures/ir/compat/placeholders.yaml', 'echo', { name: 'pw' });
    expect(executorInputOf(argv).inputs.parameterValues.msg).toBe(`${RUN.displayName}/echo/pw`);
  });
});
