// examples/training end to end: pandas + scikit-learn in their own cached venv, artifacts passed
// between tasks by path, metrics in metadata, the deploy step behind a condition.
import { expect, it } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocal } from '../../../src/local/runner.js';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import { quietLogger, repo } from './helpers.js';

it('trains, evaluates on held-out rows and deploys', async () => {
  const file = path.join(repo, 'examples/training/pipeline.yaml');
  const pipeline = parseKfpIr(await readFile(file, 'utf8'), file);
  const artifactRoot = await mkdtemp(path.join(os.tmpdir(), 'pipewright-train-'));
  const r = await runLocal(pipeline, { artifactRoot, logger: quietLogger, arguments: { deploy_endpoint: 'staging' } });
  expect(r.message).toBeUndefined();
  expect(r.phase).toBe('Succeeded');

  const load = r.nodes['load-data']!.outputs!.artifacts;
  expect(load.train_data![0]!.metadata).toEqual({ rows: 455, columns: 31 });
  expect(load.test_data![0]!.metadata).toEqual({ rows: 114, columns: 31 });
  expect((await readFile(load.test_data![0]!.uri, 'utf8')).split('\n')[0]).toContain('target');

  const evaluation = r.nodes['evaluate-model']!.outputs!;
  expect(evaluation.parameters.Output).toBe('yes');
  const accuracy = evaluation.artifacts.metrics![0]!.metadata.accuracy as number;
  expect(accuracy).toBeGreaterThan(0.9);

  const deployed = r.nodes['condition-1/deploy-model']!.outputs!.artifacts.deployed_model![0]!;
  const model = r.nodes['train-model']!.outputs!.artifacts.model![0]!;
  expect(deployed.metadata).toMatchObject({ endpoint: 'staging', source_uri: model.uri });
  expect(await readFile(deployed.uri)).toEqual(await readFile(model.uri));
}, 900_000);
