// Every fast case of test/pipelines/expectations.json (pipelines compiled by the real kfp SDK) run by the
// operator on the test cluster: same expected outputs, artifact contents, skips and failures as locally.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { checkRun, irFixture, loadCases } from '../../pipelines/expectations.js';
import { createNamespace, kubectlOk } from './helpers.js';
import { asRunOutput, installCrds, prepareNamespaceForRuns, readS3, runName, startTestController, waitForRun } from './operator.js';

jest.setTimeout(900_000);

// The slow cases (pandas/scikit-learn training) run in controller.test.ts.
const cases = (await loadCases()).filter((c) => !c.slow);
let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('kfp');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
  // All runs at once: the operator runs them side by side.
  for (const c of cases) {
    const run = { apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: runName(c.name) }, spec: { pipelineYAML: readFileSync(irFixture(c), 'utf8'), ...(c.args ? { arguments: c.args } : {}) } };
    // JSON, not YAML: kubectl reads YAML 1.1, where an argument named `n` becomes the key "false".
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], JSON.stringify(run));
  }
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

describe('test/pipelines on the cluster', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const run = await waitForRun(ns.name, runName(c.name), 600_000);
    expect(await checkRun(c, asRunOutput(run), readS3)).toEqual([]);
    if (c.phase === 'Failed') {
      const failed = Object.entries(c.tasks).find(([, t]) => t.state === 'Failed')!;
      expect(run.status?.message).toContain(failed[0]);
      expect(run.status?.message).toContain(`exit code ${failed[1].exitCode}`);
    }
  });
});
