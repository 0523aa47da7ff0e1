// Pipelines the CLI tests submit.

/** Two tasks that log, the second after the first (which sleeps `seconds`); the argument fail=true makes the second exit 3. */
export function twoSteps(name: string, seconds = 0): string {
  return JSON.stringify({
    apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec', metadata: { name },
    spec: {
      params: [{ name: 'n', type: 'integer' }, { name: 'fail', type: 'boolean', default: false }],
      tasks: [
        { name: 'one', image: 'python:3.11', command: ['sh', '-c', `echo start-one; sleep ${seconds}; echo end-one; mkdir -p "$(dirname "$0")"; echo 7 > "$0"`, '{{outputs.parameters.seven.path}}'],
          outputs: { parameters: [{ name: 'seven', type: 'integer' }] } },
        { name: 'two', image: 'python:3.11', command: ['sh', '-c', 'echo "two says $0"; test "$1" != true || exit 3', '{{inputs.parameters.n}}', '{{inputs.parameters.fail}}'],
          inputs: { parameters: [{ name: 'n', from: 'params.n' }, { name: 'fail', from: 'params.fail' }] }, dependsOn: ['one'] },
      ],
    },
  }, null, 1);
}

