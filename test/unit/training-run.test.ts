// examples/training/run.yaml carries examples/training/pipeline.yaml unchanged.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

it('run.yaml holds the compiled pipeline verbatim', () => {
  const run = parse(readFileSync('examples/training/run.yaml', 'utf8')) as { kind: string; spec: { pipelineYAML: string } };
  expect(run.kind).toBe('PipelineRun');
  expect(run.spec.pipelineYAML).toBe(readFileSync('examples/training/pipeline.yaml', 'utf8'));
});

it('hello-run.yaml holds native/hello.yaml verbatim', () => {
  const run = parse(readFileSync('examples/hello-run.yaml', 'utf8')) as { kind: string; spec: { pipelineYAML: string } };
  expect(run.kind).toBe('PipelineRun');
  expect(run.spec.pipelineYAML).toBe(readFileSync('examples/native/hello.yaml', 'utf8'));
});
