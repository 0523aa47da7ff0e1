// charts/pipewright/README.md's install with the bundled S3 server (s3.bundled), its commands run verbatim: nothing
// substituted, as on a kind or minikube cluster with no S3 of its own. versitygw runs as a pod of the chart's
// Deployment (the node agent maps its image to the binary build.sh made), the controller points at its Service,
// and `helm test` runs a pipeline whose artifact goes through the gateway into that server. Under the
// default-install lock (helpers.ts): the README's names and ports are the same as chart-install's.
import { jest } from '@jest/globals';
import { Client } from 'minio';
import { readmeBlocks, sh, system, withDefaultInstall } from './chart.js';
import { kubectlOk } from './helpers.js';

jest.setTimeout(900_000);

withDefaultInstall();

async function bundledSecret(): Promise<{ accesskey: string; secretkey: string }> {
  const s = JSON.parse(await kubectlOk(['get', 'secret', 'pipewright-s3', '-n', system, '-o', 'json'])) as { data: Record<string, string> };
  const d = (k: string): string => Buffer.from(s.data[k]!, 'base64').toString('utf8');
  return { accesskey: d('accesskey'), secretkey: d('secretkey') };
}

async function objects(keys: { accesskey: string; secretkey: string }, prefix: string): Promise<string[]> {
  // The Service's port on the node's address: pods share the host's network on the node agent.
  const c = new Client({ endPoint: '127.0.0.1', port: 7070, useSSL: false, accessKey: keys.accesskey, secretKey: keys.secretkey, region: 'us-east-1', pathStyle: true });
  const names: string[] = [];
  for await (const o of c.listObjectsV2('pipewright', prefix, true)) names.push((o as { name: string }).name);
  return names;
}

describe('charts/pipewright/README.md with the bundled S3 server, as written', () => {
  it('installs versitygw beside the controller, passes helm test through it, and keeps its credentials on upgrade', async () => {
    const block = readmeBlocks().find((b) => b.includes('s3.bundled.enabled=true'));
    if (!block) throw new Error('the README has no sh block installing with s3.bundled.enabled=true');
    const r = await sh(block);
    process.stderr.write(`bundled README commands:\n${r.out}\n`);
    if (r.code !== 0) throw new Error(`README commands failed (${r.code}):\n${r.out.slice(-6000)}`);
    expect(r.out).toMatch(/Succeeded/); // helm test's verdict

    // The controller uses the bundled server, and the server is Ready through its own probe (GET /health).
    const cm = JSON.parse(await kubectlOk(['get', 'configmap', 'pipewright-config', '-n', system, '-o', 'json'])) as { data: Record<string, string> };
    expect([cm.data.PIPEWRIGHT_S3_ENDPOINT, cm.data.PIPEWRIGHT_S3_PORT, cm.data.PIPEWRIGHT_S3_SECRET]).toEqual(['pipewright-s3.pipewright-system.svc', '7070', 'pipewright-s3']);
    const s3pod = JSON.parse(await kubectlOk(['get', 'pods', '-n', system, '-l', 'app.kubernetes.io/component=s3', '-o', 'json'])) as
      { items: { status: { conditions: { type: string; status: string }[]; containerStatuses: { ready: boolean; restartCount: number }[] } }[] };
    expect(s3pod.items).toHaveLength(1);
    expect(s3pod.items[0]!.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');

    // helm test's run wrote its artifacts there, under the release namespace's tenant prefix.
    const keys = await bundledSecret();
    expect(keys.accesskey).toMatch(/^pw[a-z0-9]{18}$/);
    const written = await objects(keys, `v2/artifacts/${system}/`);
    expect(written.length).toBeGreaterThan(0);

    // An upgrade keeps the generated credentials (a new key would lock the controller out of the running server).
    const up = await sh(`helm upgrade pipewright charts/pipewright -n ${system} --reuse-values --wait --timeout 5m`);
    expect(up).toMatchObject({ code: 0 });
    expect(await bundledSecret()).toEqual(keys);
    expect(await objects(keys, `v2/artifacts/${system}/`)).toEqual(written);
  });
});
