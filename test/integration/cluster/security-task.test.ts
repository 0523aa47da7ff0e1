// Issue 9, "Done when" 1, as an attacker would try it: a task dumps everything it can reach (its env, every
// readable /proc/*/environ and cmdline, mounted volumes, /var/run/secrets), plants symlinks to /proc/self/environ
// for the helper containers to read, and names /proc/self/environ as a custom_path. No S3 credential may turn up
// anywhere (run status, outputs, S3 objects, pod and controller logs), the symlink tricks fail the task with a
// clear message, and the gateway refuses anything beyond the task's own grant.
import { jest } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { BucketItem } from 'minio';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { grantKey, signGrant } from '../../../src/artifacts/grant.js';
import { configFromEnv } from '../../../src/controller/config.js';
import { startController, type ControllerHandle } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { clusterState, createNamespace, kubectlOk } from './helpers.js';
import { BUCKET, controllerEnv, installCrds, prepareNamespaceForRuns, readS3, s3Client, waitForRun } from './operator.js';

jest.setTimeout(300_000);

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
const logLines: string[] = [];
let run: PipelineRunObject;

// Everything the task can reach, written to its `loot` artifact (a regular file, so it is uploaded) with a summary
// as the `summary` parameter; a directory artifact holding symlinks to secrets and one real file.
const DUMP = String.raw`
import glob, json, os, sys
loot, tree, summary = sys.argv[1], sys.argv[2], sys.argv[3]
found = {"env": dict(os.environ), "proc": {}, "files": {}, "errors": []}
for p in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        found["proc"][p] = open(p, "rb").read().decode("utf8", "replace")
    except Exception as e:
        found["errors"].append(f"{p}: {e}")
roots = ["/minio", "/s3", "/gcs", "/tmp/kfp/outputs", "/var/run/secrets", "/run/secrets", "/dev/termination-log"]
for root in roots:
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            try:
                found["files"][p] = open(p, "rb").read(1 << 20).decode("utf8", "replace")
            except Exception as e:
                found["errors"].append(f"{p}: {e}")
os.makedirs(os.path.dirname(loot), exist_ok=True)
open(loot, "w").write(json.dumps(found))
os.makedirs(tree, exist_ok=True)
open(os.path.join(tree, "real.txt"), "w").write("real")
os.symlink("/proc/self/environ", os.path.join(tree, "environ"))
os.symlink("/proc/1/environ", os.path.join(tree, "init-environ"))
os.symlink("/proc/self/root", os.path.join(tree, "root"))
open(summary, "w").write(json.dumps({
    "procEntries": len(found["proc"]),
    "serviceAccountToken": os.path.exists("/var/run/secrets/kubernetes.io/serviceaccount/token"),
    "files": len(found["files"]),
}))
`;

// An output parameter file that is a symlink to the helper's environment.
const LEAK_PARAM = String.raw`
import os, sys
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
os.symlink("/proc/self/environ", sys.argv[1])
`;

// custom_path: "upload this file as my artifact" naming the helper's environment.
const LEAK_CUSTOM = String.raw`
import json, os, sys
out = json.loads(sys.argv[1])["outputs"]["outputFile"]
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write(json.dumps({"artifacts": {"stolen": {"artifacts": [{"custom_path": "/proc/self/environ"}]}}}))
`;

const py = (name: string, script: string, args: string[], extra: object): object => ({
  name, image: 'python:3.11', command: ['python3', '-c', script], args,
  inputs: { artifacts: [{ name: 'data', from: 'tasks.seed.outputs.artifacts.data' }] }, ...extra,
});

function attackRun(name: string): object {
  return {
    apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineRun', metadata: { name },
    spec: { pipelineSpec: { params: [], tasks: [
      { name: 'seed', image: 'python:3.11', command: ['python3', '-c', 'import sys; open(sys.argv[1], "w").write("seed data")'],
        args: ['{{outputs.artifacts.data.path}}'], outputs: { artifacts: [{ name: 'data', type: 'Dataset' }] } },
      py('dump', DUMP, ['{{outputs.artifacts.loot.path}}', '{{outputs.artifacts.tree.path}}', '{{outputs.parameters.summary.path}}'],
        { outputs: { parameters: [{ name: 'summary', type: 'string' }], artifacts: [{ name: 'loot', type: 'Artifact' }, { name: 'tree', type: 'Artifact' }] } }),
      py('leak-param', LEAK_PARAM, ['{{outputs.parameters.leak.path}}'], { outputs: { parameters: [{ name: 'leak', type: 'string' }] } }),
      py('leak-custom', LEAK_CUSTOM, ['{{executorInput}}'], { outputs: { artifacts: [{ name: 'stolen', type: 'Artifact' }] } }),
    ] } },
  };
}

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('sec');
  await prepareNamespaceForRuns(ns.name);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  const env = controllerEnv(ns.name);
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { logLines.push(chunk.toString()); cb(); } });
  controller = await startController(kc, configFromEnv(env), pino({ level: 'debug' }, sink), env);
  await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(attackRun('attack')));
  run = await waitForRun(ns.name, 'attack');
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

const secrets = (): string[] => [clusterState().s3.secretKey, clusterState().s3.accessKey];
const expectNoSecret = (what: string, text: string): void => {
  for (const s of secrets()) expect({ what, leaked: text.includes(s) }).toEqual({ what, leaked: false });
};

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe('a task that tries to steal S3 access', () => {
  it('dumps what it can reach and finds no S3 credential in it', async () => {
    const dump = run.status!.nodes!.dump!;
    expect(dump.phase).toBe('Succeeded');
    const summary = JSON.parse(String(dump.outputs!.parameters!.summary)) as { procEntries: number; serviceAccountToken: boolean; files: number };
    expect(summary.procEntries).toBeGreaterThan(0); // it did read /proc: only its own processes are there
    expect(summary.files).toBeGreaterThan(0); // its input artifact at least
    expect(summary.serviceAccountToken).toBe(false); // automountServiceAccountToken: false
    const lootUri = dump.outputs!.artifacts!.loot![0]!.uri;
    const loot = await readS3(lootUri);
    expect(loot).toContain('seed data'); // the dump is real: it holds the input it read
    expectNoSecret('the task\'s dump', loot!);
  });

  it('uploads the regular file of a directory artifact and none of the symlinks planted in it', async () => {
    const treeUri = run.status!.nodes!.dump!.outputs!.artifacts!.tree![0]!.uri;
    const key = treeUri.replace(`minio://${BUCKET}/`, '');
    const names: string[] = [];
    for await (const o of s3Client().listObjectsV2(BUCKET, `${key}/`, true) as AsyncIterable<BucketItem>) names.push(o.name!.slice(key.length + 1));
    expect(names).toEqual(['real.txt']);
  });

  it('fails the task whose output parameter is a symlink, with a clear message, without following it', () => {
    const node = run.status!.nodes!['leak-param']!;
    expect(node.phase).toBe('Failed');
    expect(node.message).toMatch(/output parameter 'leak': \/tmp\/kfp\/outputs\/leak is a symbolic link; it is not followed/);
  });

  it('fails the task whose custom_path names a file outside its artifact mounts', () => {
    const node = run.status!.nodes!['leak-custom']!;
    expect(node.phase).toBe('Failed');
    expect(node.message).toMatch(/output artifact .*environ.* outside \/minio, \/s3, \/gcs, \/tmp\b/);
  });

  it('leaves no S3 credential in the run status, any object of the run, any pod log or the controller log', async () => {
    expectNoSecret('run status', await kubectlOk(['get', 'pipelinerun', 'attack', '-n', ns.name, '-o', 'json']));
    const prefix = (run.status!.nodes!.dump!.outputs!.artifacts!.loot![0]!.uri.replace(`minio://${BUCKET}/`, '')).split('/dump/')[0]!;
    let objects = 0;
    for await (const o of s3Client().listObjectsV2(BUCKET, `${prefix}/`, true) as AsyncIterable<BucketItem>) {
      expectNoSecret(`object ${o.name}`, (await readS3(`minio://${BUCKET}/${o.name}`)) ?? '');
      objects++;
    }
    expect(objects).toBeGreaterThanOrEqual(3); // seed data, the dump, the one regular file of the tree
    // Every container log of every pod on the node, as the agent wrote them.
    const podsDir = join(clusterState().dir, 'node', 'pods');
    const uids = JSON.parse(await kubectlOk(['get', 'pods', '-n', ns.name, '-o', 'json'])).items.map((p: k8s.V1Pod) => p.metadata!.uid!) as string[];
    let logs = 0;
    for (const uid of uids) {
      for (const f of filesUnder(join(podsDir, uid, 'logs'))) {
        if (statSync(f).size === 0) continue;
        expectNoSecret(`log ${f}`, readFileSync(f, 'utf8'));
        logs++;
      }
    }
    expect(logs).toBeGreaterThanOrEqual(8); // seed, dump, leak-param, leak-custom: inputs/main/outputs
    expectNoSecret('controller log', logLines.join(''));
  });
});

describe('the artifact gateway, with what a task could get hold of', () => {
  const gateway = (): string => `http://127.0.0.1:${controller.httpPort}`;
  const post = async (op: 'download' | 'upload', body: object, grant?: string): Promise<{ status: number; body: { error?: string; url?: string } }> => {
    const res = await fetch(`${gateway()}/v1/artifacts/${op}`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(grant ? { authorization: `Bearer ${grant}` } : {}) },
    });
    return { status: res.status, body: (await res.json()) as { error?: string; url?: string } };
  };
  /** The grant the controller gave a task pod's helpers (it is in the pod spec, never in the user's container). */
  async function grantOf(task: string): Promise<string> {
    const pod = JSON.parse(await kubectlOk(['get', 'pod', run.status!.nodes![task]!.pod!, '-n', ns.name, '-o', 'json'])) as k8s.V1Pod;
    const main = pod.spec!.initContainers!.find((c) => c.name === 'main')!;
    expect(JSON.stringify(main)).not.toMatch(/PIPEWRIGHT_GRANT|PIPEWRIGHT_GATEWAY_URL|AWS_|secretKeyRef/);
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    return pod.spec!.containers[0]!.env!.find((e) => e.name === 'PIPEWRIGHT_GRANT')!.value!;
  }
  const seedData = (): string => run.status!.nodes!.seed!.outputs!.artifacts!.data![0]!.uri;
  const rootOf = (task: string): string => {
    const loot = run.status!.nodes!.dump!.outputs!.artifacts!.loot![0]!.uri;
    return loot.replace(/\/dump\/loot$/, `/${task}`);
  };

  it('refuses anonymous S3 access to the task\'s objects', async () => {
    const s = clusterState().s3;
    const key = seedData().replace(`minio://${BUCKET}/`, '');
    const res = await fetch(`http://${s.host}:${s.port}/${BUCKET}/${key}`);
    expect(res.status).toBe(403);
    expect((await fetch(`http://${s.host}:${s.port}/${BUCKET}?list-type=2`)).status).toBe(403);
  });

  it('refuses no grant (401), a forged grant and an expired one (403)', async () => {
    expect((await post('download', { uri: seedData() })).status).toBe(401);
    const forged = signGrant({ v: 1, ns: ns.name, run: run.metadata!.uid!, pod: 'x', read: [`minio://${BUCKET}/v2`], write: [], exp: 2 ** 40 }, grantKey({ s3SecretKey: 'guessed' }));
    const r = await post('download', { uri: seedData() }, forged);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/signature does not match/);
    const [payload, sig] = (await grantOf('dump')).split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), read: [`minio://${BUCKET}/v2`] })).toString('base64url');
    expect((await post('download', { uri: seedData() }, `${widened}.${sig}`)).status).toBe(403);
  });

  it('lets a task\'s own grant read its inputs and write under its own root, and nothing else', async () => {
    const grant = await grantOf('dump');
    const own = await post('download', { uri: seedData() }, grant);
    expect(own.status).toBe(200);
    expect(await (await fetch(own.body.url!)).text()).toBe('seed data');
    const up = await post('upload', { uri: `${rootOf('dump')}/extra` }, grant);
    expect(up.status).toBe(200);
    expect((await fetch(up.body.url!, { method: 'PUT', body: 'mine' })).status).toBe(200);
    for (const [op, uri] of [
      ['download', run.status!.nodes!.dump!.outputs!.artifacts!.loot![0]!.uri.replace('/dump/', '/leak-param/')],
      ['download', `${rootOf('seed')}/executor_output.json`],
      ['upload', `${rootOf('seed')}/data`],
      ['upload', `${rootOf('dump')}`],
      ['upload', `${rootOf('dump')}x/evil`],
      ['upload', `${rootOf('leak-param')}/evil`],
    ] as const) {
      const r = await post(op, { uri }, grant);
      expect({ op, uri, status: r.status }).toEqual({ op, uri, status: 403 });
    }
    const traversal = await post('download', { uri: `${seedData()}/../../leak-param` }, grant);
    expect(traversal.status).toBe(400);
    // A presigned URL opens its one object only.
    expect((await fetch(own.body.url!.replace(/\/data\?/, '/other?'))).status).toBe(403);
  });
});
