// oci:// artifacts (KServe modelcars) on the test cluster, KFP's modelcar sample shape with our own image: an
// importer of oci://<image> and a Python component reading the model at Model.path (/oci/<image, / → _>/models,
// the SDK's own path). The node agent runs `modelcar.test/demo:*` with a fixture folder as its /models;
// the pod's modelcar init container checks and copies it into the emptyDir the task reads. An image without
// /models fails the consumer with the reason.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import { createNamespace, kubectlOk } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

jest.setTimeout(180_000);

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('modelcar');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

/** KFP's compiled modelcar shape (test/fixtures/ir/compat/modelcar.yaml) importing `uri`, its consumer reading the model files. */
function modelcarPipeline(uri: string): string {
  const docs = parseAllDocuments(readFileSync('test/fixtures/ir/compat/modelcar.yaml', 'utf8')).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
  const executors = docs[0]!.deploymentSpec.executors;
  executors['exec-importer'].importer.artifactUri.constant = uri;
  const command = executors['exec-read-model'].container.command as string[];
  const read = "    import os\n    return open(os.path.join(model.path, 'weights.txt')).read().strip() + '|' + model.path\n";
  command[command.length - 1] = command.at(-1)!.replace('    return model.uri\n', read);
  expect(command.at(-1)).toContain('weights.txt');
  return JSON.stringify(docs[0]);
}

const apply = (name: string, uri: string): Promise<string> => kubectlOk(['apply', '-f', '-'], JSON.stringify({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name, namespace: ns.name }, spec: { pipelineYAML: modelcarPipeline(uri) },
}));

describe('oci:// (modelcar) artifacts', () => {
  it('mounts the image\'s /models at KFP\'s path for the consumer; an image without /models fails it with the reason', async () => {
    await apply('modelcar', 'oci://modelcar.test/demo:1.0');
    await apply('not-modelcar', 'oci://modelcar.test/empty:1.0');
    const ok = await waitForRun(ns.name, 'modelcar', 120_000);
    if (ok.status?.phase !== 'Succeeded') throw new Error(`modelcar run: ${JSON.stringify(ok.status)}`);
    expect(ok.status?.nodes?.['read-model']?.outputs?.parameters).toEqual({ Output: 'demo weights 1.0|/oci/modelcar.test_demo:1.0/models' });
    const pod = JSON.parse(await kubectlOk(['get', 'pod', ok.status!.nodes!['read-model']!.pod!, '-n', ns.name, '-o', 'json'])) as { spec: { initContainers: { name: string; image: string }[] } };
    expect(pod.spec.initContainers.map((c) => `${c.name}=${c.image}`)).toContain('modelcar-0=modelcar.test/demo:1.0');

    const bad = await waitForRun(ns.name, 'not-modelcar', 120_000);
    expect(bad.status?.phase).toBe('Failed');
    expect(bad.status?.nodes?.['read-model']?.message).toContain('modelcar modelcar.test/empty:1.0: the image has no /models directory or it is empty');
  });
});
