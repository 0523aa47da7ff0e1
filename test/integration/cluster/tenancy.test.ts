// Namespaces are tenants (issue 9), tried as an attacker who may create PipelineRuns in namespace `a` only:
// namespace `b` runs a pipeline that writes artifacts; `a` then (i) imports b's artifact, (ii) roots its pipeline
// at b's prefix, (iii) at another bucket, (iv) runs b's pipeline hoping for b's cache entry, (v) mounts the
// controller's S3 Secret with kfp-kubernetes use_secret_as_env, by a constant and by a parameter. Each is refused
// with a clear status message and a Warning event (iv runs its own pod instead), no pod of `a` names anything of
// b's, and b's objects are untouched. Pipelines compiled by the real kfp SDK (test/pipelines/compat/tenancy_*.py).
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { createNamespace, kubectlOk } from './helpers.js';
import { BUCKET, installCrds, prepareNamespaceForRuns, readS3, s3Client, startTestController, waitForRun } from './operator.js';

jest.setTimeout(600_000);

const IR = (name: string): string => readFileSync(`test/fixtures/ir/compat/${name}.yaml`, 'utf8');
const SHARED = 'shared-tenancy-test/data';

let a: { name: string; remove: () => Promise<void> };
let b: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
let victimUri: string;
let before: Map<string, string>;
const runs = new Map<string, PipelineRunObject>();

async function submit(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kubectlOk(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec }));
}

/** Every object under a prefix with what would change if it were written again: etag, size, time. */
async function objects(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const o of s3Client().listObjectsV2(BUCKET, prefix, true)) {
    if (o.name) out.set(o.name, `${o.etag}|${o.size}|${o.lastModified?.toISOString()}`);
  }
  return out;
}

async function podsOf(ns: string, run: PipelineRunObject): Promise<V1Pod[]> {
  return (JSON.parse(await kubectlOk(['get', 'pods', '-n', ns, '-l', `pipewright.dev/run-uid=${run.metadata!.uid}`, '-o', 'json'])) as { items: V1Pod[] }).items;
}

async function warnings(ns: string, run: string): Promise<{ reason: string; message: string }[]> {
  const list = JSON.parse(await kubectlOk(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${run},type=Warning`, '-o', 'json'])) as { items: { reason: string; message: string }[] };
  return list.items.map((e) => ({ reason: e.reason, message: e.message }));
}

beforeAll(async () => {
  await installCrds();
  [a, b] = await Promise.all([createNamespace('tenancy-a'), createNamespace('tenancy-b')]);
  await prepareNamespaceForRuns(a.name);
  await prepareNamespaceForRuns(b.name);
  await s3Client().putObject(BUCKET, `${SHARED}/hello.txt`, Buffer.from('shared data'));
  // As if the controller ran in namespace a (downward API): a's runs may not use its service account.
  controller = await startTestController(a.name, { PIPEWRIGHT_NAMESPACES: `${a.name},${b.name}`, PIPEWRIGHT_SHARED_READ_URIS: `minio://${BUCKET}/${SHARED}`, POD_NAMESPACE: a.name, POD_SERVICE_ACCOUNT: 'pipewright-controller' });

  // The victim: b writes a Dataset and records it in its cache index.
  await submit(b.name, 'writer', { pipelineYAML: IR('tenancy_writer') });
  const written = await waitForRun(b.name, 'writer', 300_000);
  expect(written.status?.phase).toBe('Succeeded');
  victimUri = written.status!.nodes!.write!.outputs!.artifacts!.ds![0]!.uri;
  expect(victimUri.startsWith(`minio://${BUCKET}/v2/artifacts/${b.name}/writer/`)).toBe(true);
  before = await objects(`v2/artifacts/${b.name}/`);
  expect([...before.keys()].some((k) => k.startsWith(`v2/artifacts/${b.name}/.cache/`))).toBe(true);

  // The attacks, all at once, and one allowed import of shared read-only data.
  const root = IR('tenancy_root');
  await Promise.all([
    submit(a.name, 'import-b', { pipelineYAML: IR('tenancy_import'), arguments: { uri: victimUri } }),
    submit(a.name, 'import-shared', { pipelineYAML: IR('tenancy_import'), arguments: { uri: `minio://${BUCKET}/${SHARED}/hello.txt` } }),
    submit(a.name, 'root-b', { pipelineYAML: root.replace('VICTIM', b.name) }),
    submit(a.name, 'root-bucket', { pipelineYAML: root.replace(`minio://${BUCKET}/v2/artifacts/VICTIM`, 'minio://other-bucket/v2/artifacts') }),
    submit(a.name, 'cache-b', { pipelineYAML: IR('tenancy_writer') }),
    submit(a.name, 'secret', { pipelineYAML: IR('tenancy_secret') }),
    submit(a.name, 'secret-param', { pipelineYAML: IR('tenancy_secret_param'), arguments: { secret: 'pipewright-s3' } }),
    submit(a.name, 'controller-sa', { pipelineYAML: IR('tenancy_root').replace(`VICTIM`, a.name), serviceAccountName: 'pipewright-controller' }),
  ]);
  for (const name of ['import-b', 'import-shared', 'root-b', 'root-bucket', 'cache-b', 'secret', 'secret-param', 'controller-sa']) runs.set(name, await waitForRun(a.name, name, 300_000));
  // Within b the entry is a hit: a's misses below are the tenancy rules, not a cache that never hits.
  await submit(b.name, 'writer-again', { pipelineYAML: IR('tenancy_writer') });
  runs.set('writer-again', await waitForRun(b.name, 'writer-again', 300_000));

  // A poisoned index: a's own entry for this pipeline rewritten to name b's artifact (as a task that could write
  // the index would). The controller must not take it, nor look at what it names: a runs its own pod again.
  poisoned = (await cacheEntries(a.name)).find((e) => e.body.meta.run === 'cache-b')!.key;
  const entry = JSON.parse((await readS3(`minio://${BUCKET}/${poisoned}`))!) as CacheEntryBody;
  entry.outputs.artifacts.ds![0]!.uri = victimUri;
  await s3Client().putObject(BUCKET, poisoned, Buffer.from(JSON.stringify(entry)));
  await submit(a.name, 'cache-poisoned', { pipelineYAML: IR('tenancy_writer') });
  runs.set('cache-poisoned', await waitForRun(a.name, 'cache-poisoned', 300_000));
});

interface CacheEntryBody { meta: { run: string }; outputs: { artifacts: Record<string, { uri: string }[]> } }

async function cacheEntries(ns: string): Promise<{ key: string; body: CacheEntryBody }[]> {
  const keys = [...(await objects(`v2/artifacts/${ns}/.cache/`)).keys()];
  return Promise.all(keys.map(async (key) => ({ key, body: JSON.parse((await readS3(`minio://${BUCKET}/${key}`))!) as CacheEntryBody })));
}
let poisoned: string;

afterAll(async () => {
  await controller?.stop();
  await Promise.all([a?.remove(), b?.remove()]);
  await s3Client().removeObject(BUCKET, `${SHARED}/hello.txt`).catch(() => undefined);
});

describe('a run in namespace a cannot reach namespace b', () => {
  it('(i) an importer of b\'s artifact fails with the rule and the fix; the reader never runs', async () => {
    const run = runs.get('import-b')!;
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.nodes?.importer).toMatchObject({ phase: 'Failed' });
    expect(run.status?.nodes?.importer?.message).toBe(
      `importer (from input 'uri'): artifact URI ${victimUri} is outside namespace ${a.name}'s artifacts; ` +
        `fix: import from minio://${BUCKET}/v2/artifacts/${a.name}/ or a shared URI (PIPEWRIGHT_SHARED_READ_URIS)`,
    );
    expect(run.status?.nodes?.read?.phase).toBe('Skipped');
    expect(run.status?.message).toContain('importer');
    expect(await podsOf(a.name, run)).toEqual([]);
    expect(await warnings(a.name, 'import-b')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'TaskFailed', message: expect.stringContaining(`artifact URI ${victimUri} is outside namespace ${a.name}'s artifacts`) })]));
  });

  it('the same importer reads shared read-only data the administrator listed', async () => {
    const run = runs.get('import-shared')!;
    expect(run.status?.phase).toBe('Succeeded');
    expect(run.status?.nodes?.read?.outputs?.parameters).toEqual({ Output: 'shared data' });
  });

  it.each([
    ['root-b', () => `minio://${BUCKET}/v2/artifacts/${b.name}`],
    ['root-bucket', () => 'minio://other-bucket/v2/artifacts'],
  ])('(ii, iii) %s: a pipeline_root outside a\'s prefix fails the run before any pod', async (name, root) => {
    const run = runs.get(name)!;
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.conditions?.[0]).toMatchObject({ type: 'Succeeded', status: 'False', reason: 'Forbidden' });
    expect(run.status?.message).toBe(
      `defaultPipelineRoot (pipeline_root): pipeline root "${root()}" is outside namespace ${a.name}'s artifact prefixes; a run may not write there ` +
        `(fix: compile without pipeline_root (the controller's root minio://${BUCKET}/v2/artifacts is used), or name minio://${BUCKET}/v2/artifacts or a path inside minio://${BUCKET}/v2/artifacts/${a.name}/; an administrator can allow more roots with PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS)`,
    );
    expect(await podsOf(a.name, run)).toEqual([]);
    expect(await warnings(a.name, name)).toEqual([{ reason: 'Forbidden', message: run.status!.message }]);
  });

  it('(iv) b\'s pipeline in a gets no cache hit from b: it runs its own pod and writes into a\'s prefix', async () => {
    const run = runs.get('cache-b')!;
    expect(run.status?.phase).toBe('Succeeded');
    expect(run.status?.nodes?.write?.phase).toBe('Succeeded');
    expect(await podsOf(a.name, run)).toHaveLength(1);
    const uri = run.status!.nodes!.write!.outputs!.artifacts!.ds![0]!.uri;
    expect(uri.startsWith(`minio://${BUCKET}/v2/artifacts/${a.name}/cache-b/`)).toBe(true);
    expect(await readS3(uri)).toBe("b's data");
    // a's run made its own entry in a's index; b's index holds only b's.
    expect(poisoned.startsWith(`v2/artifacts/${a.name}/.cache/`)).toBe(true);
    expect((await cacheEntries(b.name)).map((e) => e.body.meta.run)).toEqual(['writer']);
    // Control: in b the same pipeline is a hit.
    expect(runs.get('writer-again')?.status?.nodes?.write?.phase).toBe('Cached');
  });

  it('(iv) an entry in a\'s index that names b\'s artifact is not a hit: a runs its own pod', async () => {
    const run = runs.get('cache-poisoned')!;
    expect(run.status?.phase).toBe('Succeeded');
    expect(run.status?.nodes?.write?.phase).toBe('Succeeded');
    expect(await podsOf(a.name, run)).toHaveLength(1);
    const uri = run.status!.nodes!.write!.outputs!.artifacts!.ds![0]!.uri;
    expect(uri.startsWith(`minio://${BUCKET}/v2/artifacts/${a.name}/cache-poisoned/`)).toBe(true);
  });

  it('(v) use_secret_as_env with the controller\'s S3 Secret: refused by constant (run) and by parameter (task)', async () => {
    const run = runs.get('secret')!;
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.conditions?.[0]?.reason).toBe('Forbidden');
    expect(run.status?.message).toBe(`platformSpec kubernetes executors.exec-leak.secretAsEnv[0]: Secret "pipewright-s3" is one of the controller's own Secrets; a pipeline may not mount or reference it (fix: create a Secret of your own in namespace ${a.name} under another name and refer to that)`);
    expect(await warnings(a.name, 'secret')).toEqual([{ reason: 'Forbidden', message: run.status!.message }]);
    expect(await podsOf(a.name, run)).toEqual([]);

    const byParam = runs.get('secret-param')!;
    expect(byParam.status?.phase).toBe('Failed');
    expect(byParam.status?.nodes?.leak).toMatchObject({ phase: 'Failed', message: `task pod container main env STOLEN: Secret "pipewright-s3" is one of the controller's own Secrets; a pipeline may not mount or reference it (fix: create a Secret of your own in namespace ${a.name} under another name and refer to that)` });
    expect(await podsOf(a.name, byParam)).toEqual([]);
    expect(await warnings(a.name, 'secret-param')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'TaskFailed', message: expect.stringContaining('Secret "pipewright-s3"') })]));
  });

  it('a run in the controller\'s namespace cannot run its pods as the controller\'s service account', async () => {
    const run = runs.get('controller-sa')!;
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.conditions?.[0]?.reason).toBe('Forbidden');
    // Its root (a path inside a's own prefix) is fine: the service account is the only reason.
    expect(run.status?.message).toBe(`spec.serviceAccountName: service account "pipewright-controller" is the controller's own; task pods may not run as it (fix: name a service account made for pipelines, or leave spec.serviceAccountName unset)`);
    expect(await podsOf(a.name, run)).toEqual([]);
    expect(await warnings(a.name, 'controller-sa')).toEqual([{ reason: 'Forbidden', message: run.status!.message }]);
  });

  it('b\'s objects are untouched and no pod of a names anything of b', async () => {
    const after = await objects(`v2/artifacts/${b.name}/`);
    // writer-again (b's own cached rerun) adds no artifact: every object is as it was, none added or removed...
    const artifacts = (m: Map<string, string>): Map<string, string> => new Map([...m].filter(([k]) => !k.includes('/.history/')));
    expect(artifacts(after)).toEqual(artifacts(before));
    // ...but the history the controller keeps of each of b's own finished runs (docs/lifecycle.md), and only that.
    const bRuns = (JSON.parse(await kubectlOk(['get', 'pipelineruns', '-n', b.name, '-o', 'json'])) as { items: { metadata: { uid: string } }[] }).items.map((r) => r.metadata.uid);
    const histories = [...after.keys()].filter((k) => k.includes('/.history/')).map((k) => k.slice(k.lastIndexOf('/') + 1, -'.json'.length));
    expect(histories.filter((u) => !bRuns.includes(u))).toEqual([]);
    const pods = await kubectlOk(['get', 'pods', '-n', a.name, '-o', 'json']);
    expect(pods).not.toContain(`v2/artifacts/${b.name}`);
    expect(pods).not.toContain('other-bucket');
  });
});
