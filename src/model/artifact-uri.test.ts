import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { plan } from '../engine/plan.js';
import { input } from '../engine/testing/builders.js';
import { unsupportedArtifactUri } from './artifact-uri.js';
import { formatDiagnostic } from './diagnostics.js';
import { parseKfpIr } from './kfp-ir.js';
import { parseNativeSpec } from './native.js';
import { validatePipeline } from './validate.js';

const MODELCAR = 'oci://registry.example/models/demo:1.0';

describe('unsupportedArtifactUri', () => {
  it('refuses oci:// (a modelcar image) with a fix', () => {
    const bad = unsupportedArtifactUri(MODELCAR);
    expect(bad?.message).toContain(MODELCAR);
    expect(bad?.message).toContain('oci://');
    expect(bad?.fix).toMatch(/s3:\/\/|minio:\/\//);
    expect(unsupportedArtifactUri(' OCI://x/y')).toBeDefined();
  });
  it.each(['/tmp/data.txt', 'file:///tmp/x', 's3://b/k', 'minio://b/k', 'gs://b/k', 'https://h/x', 'ocifile.txt'])('leaves %s to the mode', (uri) => {
    expect(unsupportedArtifactUri(uri)).toBeUndefined();
  });
});

/** The compiled compat importer (URI from a pipeline parameter). */
const importerIr = (): ReturnType<typeof parseKfpIr> => parseKfpIr(readFileSync('test/fixtures/ir/compat/importer.yaml', 'utf8'));

describe('validation: a constant oci:// importer URI', () => {
  it('is refused at load time naming the IR field', () => {
    const p = importerIr();
    const ex = p.executors['exec-importer'];
    if (ex?.kind !== 'importer') throw new Error('fixture has no importer');
    ex.uri = { kind: 'constant', value: MODELCAR };
    const d = validatePipeline(p, 'importer.yaml');
    expect(d.map((x) => [x.code, x.location.path])).toEqual([['UNSUPPORTED_ARTIFACT_URI', 'deploymentSpec.executors.exec-importer.importer.artifactUri.constant']]);
    expect(d[0]!.message).toBe(`task "importer": artifact URI ${MODELCAR} is an OCI image (modelcar); Pipewright does not support oci:// artifacts, locally or on the cluster (KFP mounts the image; Pipewright does not)`);
    expect(formatDiagnostic(d[0]!)).toContain(`artifact URI ${MODELCAR} is an OCI image`);
    expect(formatDiagnostic(d[0]!)).toContain('(fix: copy the model files');
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
    const d = validatePipeline(parseNativeSpec(spec, 'p.yaml'), 'p.yaml');
    expect(d.map((x) => [x.code, x.location.path])).toEqual([['UNSUPPORTED_ARTIFACT_URI', 'spec.tasks[fetch].importer.uri']]);
    expect(d[0]!.message).toMatch(/^task "fetch": artifact URI oci:\/\//);
  });

  it('a URI from a parameter is not known at load time', () => {
    expect(validatePipeline(importerIr())).toEqual([]);
  });
});

describe('plan: an importer given an oci:// URI at run time', () => {
  it('fails the importer with the input, the URI and the fix; its consumer is skipped', () => {
    const r = plan(input(importerIr(), {}, { arguments: { uri: MODELCAR } }));
    expect(r.nodes.importer?.phase).toBe('Failed');
    expect(r.nodes.importer?.message).toContain(`importer (from input 'uri'): artifact URI ${MODELCAR} is an OCI image`);
    expect(r.nodes.importer?.message).toContain('fix: copy the model files');
    expect(r.nodes['read-dataset']?.phase).toBe('Skipped');
    expect(r.launch).toEqual([]);
    expect(r.phase).toBe('Failed');
  });

  it('a local path still imports', () => {
    const r = plan(input(importerIr(), {}, { arguments: { uri: '/tmp/x.txt' } }));
    expect(r.nodes.importer?.phase).toBe('Succeeded');
    expect(r.launch.map((l) => l.nodeId)).toEqual(['read-dataset']);
  });
});
