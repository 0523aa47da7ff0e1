// Writes the example PipelineRuns, each carrying its pipeline file verbatim:
//   examples/training/run.yaml (the compiled KFP pipeline) and examples/hello-run.yaml (the native one).
// Usage: node scripts/make-run-yaml.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

const indent = (text) => text.replace(/\n$/, '').split('\n').map((l) => (l ? `    ${l}` : '')).join('\n');

const runs = {
  'examples/training/run.yaml': `# A PipelineRun carrying the compiled training pipeline unchanged (regenerate: node scripts/make-run-yaml.mjs).
# kubectl apply -f examples/training/run.yaml && kubectl wait --for=condition=Succeeded pipelinerun/training
apiVersion: pipewright.dev/v1alpha1
kind: PipelineRun
metadata:
  name: training
spec:
  arguments:
    min_accuracy: 0.85
  pipelineYAML: |
${indent(readFileSync('examples/training/pipeline.yaml', 'utf8'))}
`,
  'examples/hello-run.yaml': `# A PipelineRun carrying examples/native/hello.yaml unchanged (regenerate: node scripts/make-run-yaml.mjs).
# kubectl apply -n my-team -f examples/hello-run.yaml
# kubectl -n my-team wait pipelinerun/hello --for=jsonpath='{.status.phase}'=Succeeded --timeout=10m
apiVersion: pipewright.dev/v1alpha1
kind: PipelineRun
metadata:
  name: hello
spec:
  arguments:
    greeting: hi
  pipelineYAML: |
${indent(readFileSync('examples/native/hello.yaml', 'utf8'))}
`,
};
let stale = false;
for (const [file, text] of Object.entries(runs)) {
  if (!process.argv.includes('--check')) writeFileSync(file, text);
  else if (readFileSync(file, 'utf8') !== text) {
    process.stderr.write(`${file} is stale: run node scripts/make-run-yaml.mjs\n`);
    stale = true;
  }
}
if (stale) process.exit(1);
