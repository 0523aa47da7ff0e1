import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { plan } from '../engine/plan.js';
import { input } from '../engine/testing/builders.js';
import { badModelcarUri, modelcarParts, ociLocalPath } from '../executor/modelcar.js';
import { clusterLocalPath } from '../executor/executor-input.js';
import type { LaunchRequest } from '../engine/state.js';
import { unsupportedLocalArtifactUri } from './artifact-uri.js';
import { formatDiagnostic } from './diagnostics.js';
import { parseKfpIr } from './kfp-ir.js';
import { parseNativeSpec } from './native.js';
import { localRunRefusals, validatePipeline } from './validate.js';

const MODELCAR = 'oci://registry.example/models/demo:1.0';

describe('unsupportedLocalArtifactUri', () => {
  it('refuses oci:// (a modelcar image) locally with a fix', () => {
    const bad = unsupportedLocalArtifactUri(MODELCAR);
    expect(bad?.message).toBe(`artifact URI ${MODELCAR} is an OCI image (modelcar); the local runner cannot mount images (on a cluster Pipewright mounts its /models as KFP does)`);
    expect(bad?.fix).toMatch(/^run it on the cluster/);
    expect(unsupportedLocalArtifactUri(' OCI://x/y')).toBeDefined();
  });
  it.each(['/tmp/data.txt', 'file:///tmp/x', 's3://b/k', 'minio://b/k', 'gs://b/k', 'https://h/x', 'ocifile.txt'])('leaves %s alone', (uri) => {
    expect(unsupportedLocalArtifactUri(uri)).toBeUndefined();
  });
});

/** The compiled compat importer (URI from a pipeline parameter). */
const importerIr = (): ReturnType<typeof parseKfpIr> => parseKfpIr(readFileSync('test/fixtures/ir/compat/importer.yaml', 'utf8'));

describe('a constant oci:// importer URI', () => {
  it('is valid (the cluster mounts it); the local runner refuses it at load time naming the IR field', () => {
    const p = importerIr();
    const ex = p.executors['exec-importer'];
    if (ex?.kind !== 'importer') throw new Error('fixture has no importer');
    ex.uri = { kind: 'constant', value: MODELCAR };
    expect(validatePipeline(p, 'importer.yaml')).toEqual([]);
    const d = localRunRefusals(p, 'importer.yaml');
    expect(d.map((x) => [x.code, x.location.path])).toEqual([['UNSUPPORTED_ARTIFACT_URI', 'deploymentSpec.executors.exec-importer.importer.artifactUri.constant']]);
    expect(d[0]!.message).toMatch(/^task "importer": artifact URI oci:\/\/registry\.example\/models\/demo:1\.0 is an OCI image \(modelcar\); the local runner cannot mount images/);
    expect(formatDiagnostic(d[0]!)).toContain('(fix: run it on the cluster');
  });

  it('native spec: the task importer.uri', () => {
    const spec = `apiVersion: pipewright.dev/v1alpha1
kind: PipelineSpec
metadata: {name: modelcar}
spec:
  tasks:
    - name: fetch
      importer: {uri: "${MODELCAR}", type: Model}
`;
    const p = parseNativeSpec(spec, 'p.yaml');
    expect(validatePipeline(p, 'p.yaml')).toEqual([]);
    const d = localRunRefusals(p, 'p.yaml');
    expect(d.map((x) => [x.code, x.location.path])).toEqual([['UNSUPPORTED_ARTIFACT_URI', 'spec.tasks[fetch].importer.uri']]);
    expect(d[0]!.message).toMatch(/^task "fetch": artifact URI oci:\/\//);
  });
});

describe('plan: an importer given an oci:// URI at run time', () => {
  it('locally: fails the importer with the input, the URI and the fix; its consumer is skipped', () => {
    const r = plan(input(importerIr(), {}, { arguments: { uri: MODELCAR }, checkImportUri: unsupportedLocalArtifactUri }));
    expect(r.nodes.importer?.phase).toBe('Failed');
    expect(r.nodes.importer?.message).toContain(`importer (from input 'uri'): artifact URI ${MODELCAR} is an OCI image`);
    expect(r.nodes.importer?.message).toContain('fix: run it on the cluster');
    expect(r.nodes['read-dataset']?.phase).toBe('Skipped');
    expect(r.launch).toEqual([]);
  });

  it('on the cluster: imports it; an oci:// URI that is no image reference fails the importer', () => {
    const ok = plan(input(importerIr(), {}, { arguments: { uri: MODELCAR }, checkImportUri: badModelcarUri }));
    expect(ok.nodes.importer?.phase).toBe('Succeeded');
    expect(ok.launch.map((l) => l.nodeId)).toEqual(['read-dataset']);
    const bad = plan(input(importerIr(), {}, { arguments: { uri: 'oci://Bad Image; rm -rf /' }, checkImportUri: badModelcarUri }));
    expect(bad.nodes.importer?.message).toContain('is not an OCI image reference');
  });
});

describe('modelcar pod parts (the cluster)', () => {
  it('KFP\'s path, an emptyDir per image and an init container that checks and copies /models, image and path as arguments', () => {
    expect(ociLocalPath(MODELCAR)).toBe('/oci/registry.example_models_demo:1.0/models');
    expect(clusterLocalPath(MODELCAR)).toBe('/oci/registry.example_models_demo:1.0/models');
    const art = (uri: string) => [{ name: 'a', uri, type: { schemaTitle: 'system.Model' }, metadata: {} }];
    const launch = { inputs: { parameters: {}, artifacts: { b: art(MODELCAR), a: art('oci://quay.io/x/y@sha256:' + 'a'.repeat(64)), c: art(MODELCAR), d: art('minio://b/k') } } } as unknown as LaunchRequest;
    const parts = modelcarParts(launch);
    expect(parts.volumes).toEqual([{ name: 'pw-oci-0', emptyDir: {} }, { name: 'pw-oci-1', emptyDir: {} }]);
    expect(parts.mounts[1]).toEqual({ name: 'pw-oci-1', mountPath: '/oci/registry.example_models_demo:1.0', readOnly: true });
    const init = parts.initContainers[1]!;
    expect([init.name, init.image]).toEqual(['modelcar-1', 'registry.example/models/demo:1.0']);
    expect(init.command!.slice(3)).toEqual(['modelcar', 'registry.example/models/demo:1.0', '/oci/registry.example_models_demo:1.0']);
    expect(init.command![2]).not.toContain('registry.example');
  });
});
