// Writes examples/training/run.yaml: a PipelineRun carrying the compiled pipeline.yaml verbatim.
// Usage: node scripts/make-run-yaml.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

const ir = readFileSync('examples/training/pipeline.yaml', 'utf8');
const indented = ir.replace(/\n$/, '').split('\n').map((l) => (l ? `    ${l}` : '')).join('\n');
const run = `# A PipelineRun carrying the compiled training pipeline unchanged (regenerate: node scripts/make-run-yaml.mjs).
# kubectl apply -f examples/training/run.yaml && kubectl wait --for=condition=Succeeded pipelinerun/training
apiVersion: pipewright.dev/v1alpha1
kind: PipelineRun
metadata:
  name: training
spec:
  arguments:
    min_accuracy: 0.85
  pipelineYAML: |
${indented}
`;
if (process.argv.includes('--check')) {
  if (readFileSync('examples/training/run.yaml', 'utf8') !== run) {
    process.stderr.write('examples/training/run.yaml is stale: run node scripts/make-run-yaml.mjs\n');
    process.exit(1);
  }
} else {
  writeFileSync('examples/training/run.yaml', run);
}
