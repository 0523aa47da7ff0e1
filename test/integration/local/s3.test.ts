// The S3 artifact store and the in-pod inputs/outputs steps against a real S3 server (versitygw).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'minio';
import { pino } from 'pino';
import { grantKey, signGrant, type GrantClaims } from '../../../src/artifacts/grant.js';
import { ArtifactNotFoundError, S3ArtifactStore } from '../../../src/artifacts/s3.js';
import { s3ConfigFromEnv } from '../../../src/artifacts/s3-config.js';
import { runPodStep } from '../../../src/cli/commands/pod.js';
import { ArtifactGateway, minioGatewayStore } from '../../../src/controller/artifact-gateway.js';
import { configFromEnv } from '../../../src/controller/config.js';
import { startHttpServer, type HttpServerHandle } from '../../../src/controller/http-server.js';
import type { OutputsSpec } from '../../../src/executor/pod-io-spec.js';
import { repo } from './helpers.js';
import { startTestS3, type TestS3 } from './s3-server.js';

let s3: TestS3;
let store: S3ArtifactStore;
let tmp: string;
let http: HttpServerHandle;
let key: Buffer;
const B = 'pw-test';

function memoryLogger(): { log: pino.Logger; text: () => string } {
  let buf = '';
  const sink = new Writable({ write(chunk, _enc, cb) { buf += String(chunk); cb(); } });
  return { log: pino({ level: 'debug' }, sink), text: () => buf };
}

beforeAll(async () => {
  s3 = await startTestS3();
  store = new S3ArtifactStore(s3ConfigFromEnv(s3.env));
  await store.ensureBucket();
  await store.ensureBucket(); // idempotent
  tmp = await mkdtemp(join(tmpdir(), 'pw-s3-test-'));
  // The pod steps hold no S3 credential: they go through the controller's artifact gateway with a grant.
  const config = s3ConfigFromEnv(s3.env);
  key = grantKey({ s3SecretKey: config.credentials.secretKey });
  const gateway = new ArtifactGateway({ key, store: minioGatewayStore(config, configFromEnv(s3.env).s3, { requestTimeoutMs: 10_000, retries: 2 }) });
  http = await startHttpServer({ port: 0, host: '127.0.0.1', log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), gateway, ready: () => true });
}, 30_000);

afterAll(async () => {
  await http?.close();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), body);
  }
}

describe('S3ArtifactStore', () => {
  it('round-trips a file byte for byte (streamed)', async () => {
    const body = randomBytes(6 * 1024 * 1024 + 123);
    await writeFile(join(tmp, 'big.bin'), body);
    await store.putFile(join(tmp, 'big.bin'), `minio://${B}/rt/big.bin`);
    await store.getToFile(`minio://${B}/rt/big.bin`, join(tmp, 'back', 'big.bin'));
    expect((await readFile(join(tmp, 'back', 'big.bin'))).equals(body)).toBe(true);
    expect(await store.exists(`minio://${B}/rt/big.bin`)).toBe(true);
  }, 60_000);

  it('round-trips a directory tree', async () => {
    const files = { 'a.txt': 'A', 'sub/b.txt': 'B', 'sub/deeper/c.bin': randomBytes(1000) };
    await writeTree(join(tmp, 'tree'), files);
    expect(await store.putDirectory(join(tmp, 'tree'), `minio://${B}/rt/tree`)).toBe(3);
    expect(await store.download(`minio://${B}/rt/tree`, join(tmp, 'tree-back'))).toBe('directory');
    for (const [rel, body] of Object.entries(files)) {
      expect((await readFile(join(tmp, 'tree-back', rel))).equals(Buffer.from(body))).toBe(true);
    }
    expect(await store.exists(`minio://${B}/rt/tree`)).toBe(true);
    expect(await store.exists(`minio://${B}/rt/tre`)).toBe(false);
  });

  it('stores JSON and reports missing artifacts', async () => {
    await store.putJson(`minio://${B}/rt/x.json`, { a: [1, 'two'] });
    expect(await store.getJson(`minio://${B}/rt/x.json`)).toEqual({ a: [1, 'two'] });
    await expect(store.getJson(`minio://${B}/rt/none.json`)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await expect(store.download(`minio://${B}/rt/none`, join(tmp, 'none'))).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(await store.upload(join(tmp, 'does-not-exist'), `minio://${B}/rt/none`)).toBe('missing');
  });

  it('refuses keys that escape their prefix', async () => {
    await expect(store.getToFile(`minio://${B}/rt/../../etc/passwd`, join(tmp, 'x'))).rejects.toThrow(/escapes/);
    await expect(store.putFile(join(tmp, 'big.bin'), `minio://${B}//abs`)).rejects.toThrow(/escapes/);
    await expect(store.getDirectory(`minio://${B}/rt/..`, join(tmp, 'y'))).rejects.toThrow(/escapes/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });

  it('refuses a listing whose keys would escape the target directory, writing nothing', async () => {
    // The server stores `%2F` literally as '/', so this object lists as `hostile/../../escape.txt`.
    const raw = new Client({ endPoint: s3.host, port: s3.port, useSSL: false, pathStyle: true, region: 'us-east-1',
      accessKey: s3.env.AWS_ACCESS_KEY_ID!, secretKey: s3.env.AWS_SECRET_ACCESS_KEY! });
    await raw.putObject(B, 'hostile/ok.txt', Buffer.from('ok'));
    await raw.putObject(B, 'hostile/..%2F..%2Fescape.txt', Buffer.from('pwned'));
    const target = join(tmp, 'jail', 'inner');
    await expect(store.getDirectory(`minio://${B}/hostile`, target)).rejects.toThrow(/escapes its prefix/);
    expect(existsSync(join(tmp, 'escape.txt'))).toBe(false);
    expect(existsSync(join(target, 'ok.txt'))).toBe(false);
  });
});

function outputsSpec(root: string, taskRoot: string): OutputsSpec {
  const local = (rel: string) => join(root, 'minio', B, taskRoot, rel);
  return {
    executorOutputFile: local('executor_output.json'),
    taskRoot: `minio://${B}/${taskRoot}`,
    parameters: {
      Output: { type: 'STRING', file: join(root, 'kfp/outputs/Output') },
      count: { type: 'NUMBER_INTEGER', file: join(root, 'kfp/outputs/count') },
    },
    artifacts: {
      model: { uri: `minio://${B}/${taskRoot}/model`, path: local('model'), type: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' } },
      data: { uri: `minio://${B}/${taskRoot}/data`, path: local('data'), type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } },
    },
  };
}

/** The env a task pod's helper gets: gateway, grant (reading `read`, writing under the spec's task root), mounts. */
function podEnv(read: string[], writeRoot: string | undefined, mounts: string[] = [tmp]): Record<string, string> {
  const claims: GrantClaims = { v: 1, ns: 'test', run: 'uid', pod: 'pod', read, write: writeRoot ? [writeRoot] : [], exp: Math.floor(Date.now() / 1000) + 600 };
  return {
    PIPEWRIGHT_GATEWAY_URL: `http://127.0.0.1:${http.port}`,
    PIPEWRIGHT_GRANT: signGrant(claims, key),
    PIPEWRIGHT_ARTIFACT_MOUNTS: JSON.stringify(mounts),
  };
}

async function podStep(step: 'inputs' | 'outputs', extra: Record<string, string>, read: string[] = []) {
  const termLog = join(tmp, `term-${randomBytes(3).toString('hex')}`);
  const { log, text } = memoryLogger();
  const spec = extra.PIPEWRIGHT_OUTPUTS ? (JSON.parse(extra.PIPEWRIGHT_OUTPUTS) as OutputsSpec) : undefined;
  const code = await runPodStep(step, { PIPEWRIGHT_TERMINATION_LOG: termLog, ...podEnv(read, spec?.taskRoot), ...extra }, log);
  const message = existsSync(termLog) ? await readFile(termLog, 'utf8') : '';
  return { code, message, logs: text() };
}

describe('pod inputs / outputs', () => {
  it('inputs downloads files and directories and prepares output folders', async () => {
    await writeTree(join(tmp, 'up'), { 'f.txt': 'file!', 'd/x.txt': 'x', 'd/y/z.txt': 'z' });
    await store.putFile(join(tmp, 'up/f.txt'), `minio://${B}/in/f`);
    await store.putDirectory(join(tmp, 'up/d'), `minio://${B}/in/d`);
    const root = join(tmp, 'pod-in');
    const spec = outputsSpec(root, 'in/task');
    const downloads = [{ uri: `minio://${B}/in/f`, path: join(root, 'minio', B, 'in/f') }, { uri: `minio://${B}/in/d`, path: join(root, 'minio', B, 'in/d') }];
    const r = await podStep('inputs', { PIPEWRIGHT_DOWNLOADS: JSON.stringify(downloads), PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) }, downloads.map((d) => d.uri));
    expect(r.code).toBe(0);
    expect(await readFile(join(root, 'minio', B, 'in/f'), 'utf8')).toBe('file!');
    expect(await readFile(join(root, 'minio', B, 'in/d/y/z.txt'), 'utf8')).toBe('z');
    expect((await stat(join(root, 'kfp/outputs'))).mode & 0o777).toBe(0o777);
    expect((await stat(join(root, 'minio', B, 'in/task'))).mode & 0o777).toBe(0o777);
    expect(r.logs).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
  });

  it('inputs fails with one line and exit 2 when an artifact is missing', async () => {
    const r = await podStep('inputs', { PIPEWRIGHT_DOWNLOADS: JSON.stringify([{ uri: `minio://${B}/in/nope`, path: join(tmp, 'nope') }]) }, [`minio://${B}/in/nope`]);
    expect(r.code).toBe(2);
    expect(r.message).toMatch(/^inputs: artifact minio:\/\/pw-test\/in\/nope does not exist/);
    expect(r.message).not.toContain('\n');
  });

  async function taskWrote(root: string, spec: OutputsSpec, executorOutput: object) {
    await writeTree(root, {});
    await mkdir(join(root, 'kfp/outputs'), { recursive: true });
    await writeFile(spec.parameters.count!.file, '42\n');
    await writeTree(spec.artifacts.data!.path, { 'part-0.csv': 'a,b\n1,2\n', 'meta/schema.json': '{}' });
    await writeTree(join(spec.artifacts.model!.path, '..'), { model: 'weights' });
    await writeFile(spec.executorOutputFile, JSON.stringify(executorOutput));
  }

  it('outputs uploads artifacts and reports outputs in the termination log', async () => {
    const root = join(tmp, 'pod-out');
    const spec = outputsSpec(root, 'out/task');
    await taskWrote(root, spec, { parameterValues: { Output: 'heads' }, artifacts: { model: { artifacts: [{ name: 'model', metadata: { accuracy: 0.9 } }] } } });
    const r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(0);
    const msg = JSON.parse(r.message);
    expect(msg.parameters).toEqual({ Output: 'heads', count: 42 });
    expect(msg.artifacts.model).toEqual([{ name: 'model', uri: `minio://${B}/out/task/model`, type: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' }, metadata: { accuracy: 0.9 } }]);
    await store.getToFile(`minio://${B}/out/task/model`, join(tmp, 'model-back'));
    expect(await readFile(join(tmp, 'model-back'), 'utf8')).toBe('weights');
    await store.getDirectory(`minio://${B}/out/task/data`, join(tmp, 'data-back'));
    expect(await readFile(join(tmp, 'data-back/part-0.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(r.logs).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
  });

  it('outputs larger than 3,500 bytes go to outputs.json and the log holds a ref', async () => {
    const root = join(tmp, 'pod-big');
    const spec = outputsSpec(root, 'big/task');
    const long = 'x'.repeat(5000);
    await taskWrote(root, spec, { parameterValues: { Output: long } });
    const r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.message)).toEqual({ ref: `minio://${B}/big/task/outputs.json` });
    const stored = await store.getJson<{ parameters: Record<string, unknown> }>(`minio://${B}/big/task/outputs.json`);
    expect(stored.parameters).toEqual({ Output: long, count: 42 });
  });

  it('outputs fails with exit 1 when the task left out a parameter or wrote outside its root', async () => {
    const root = join(tmp, 'pod-bad');
    const spec = outputsSpec(root, 'bad/task');
    await taskWrote(root, spec, {});
    let r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/^outputs: output parameter 'Output' was not produced/);
    await writeFile(spec.executorOutputFile, JSON.stringify({ parameterValues: { Output: 'a' }, artifacts: { model: { artifacts: [{ uri: `minio://${B}/someone-else/model` }] } } }));
    r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/outside the task's root/);
  });

  it('outputs fails with exit 1 naming the output when a set_path file is not where the step can read it', async () => {
    const root = join(tmp, 'pod-custom');
    const spec = outputsSpec(root, 'custom/task');
    // Outside the mounts the outputs step shares with the task (and not copied out of its container): not there.
    await taskWrote(root, spec, { parameterValues: { Output: 'a' }, artifacts: { model: { artifacts: [{ custom_path: '/data/out_model' }] } } });
    let r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(1);
    expect(r.message).toBe(`outputs: output artifact 'model': Artifact.set_path('/data/out_model') but nothing was there when the task's code returned (a KFP Python component's file is copied out of its container then; any other container must write it under ${tmp} or at the artifact's default path)`);
    // Under a shared mount but never written.
    await writeFile(spec.executorOutputFile, JSON.stringify({ parameterValues: { Output: 'a' }, artifacts: { model: { artifacts: [{ custom_path: join(root, 'nowhere') }] } } }));
    r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(1);
    expect(r.message).toContain(`Artifact.set_path('${join(root, 'nowhere')}') but nothing was written there`);
    // Written there: uploaded to the artifact's URI.
    await writeFile(join(root, 'elsewhere.txt'), 'custom bytes');
    await writeFile(spec.executorOutputFile, JSON.stringify({ parameterValues: { Output: 'a' }, artifacts: { model: { artifacts: [{ custom_path: join(root, 'elsewhere.txt') }] } } }));
    r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(0);
    await store.getToFile(`minio://${B}/custom/task/model`, join(tmp, 'custom-back'));
    expect(await readFile(join(tmp, 'custom-back'), 'utf8')).toBe('custom bytes');
  });

  it('runs as `node bin/pipewright.js pod outputs` when the CLI is built', () => {
    if (!existsSync(join(repo, 'dist/cli/main.js'))) {
      console.warn('dist/cli/main.js missing: run `npm run build` to test the built CLI');
      return;
    }
    const root = join(tmp, 'pod-cli');
    const spec = outputsSpec(root, 'cli/task');
    return taskWrote(root, spec, { parameterValues: { Output: 'tails' } }).then(async () => {
      const termLog = join(tmp, 'term-cli');
      // Not spawnSync: the gateway the CLI talks to runs in this process.
      const res = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(repo, 'bin/pipewright.js'), 'pod', 'outputs'], {
          env: { ...process.env, ...podEnv([], spec.taskRoot), PIPEWRIGHT_OUTPUTS: JSON.stringify(spec), PIPEWRIGHT_TERMINATION_LOG: termLog },
          encoding: 'utf8', timeout: 60_000,
        }, (err, _stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }));
      });
      expect(res.status).toBe(0);
      expect(res.stderr).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
      return readFile(termLog, 'utf8').then((t) => expect(JSON.parse(t).parameters).toEqual({ Output: 'tails', count: 42 }));
    });
  }, 60_000);
});

describe('pod outputs never follow what the task planted (symlinks, custom_path)', () => {
  const secretFile = (): string => join(tmp, 'outside', 'secret.txt');
  beforeAll(async () => {
    await mkdir(join(tmp, 'outside'), { recursive: true });
    await writeFile(secretFile(), 'TOP-SECRET-VALUE');
  });

  /** A pod whose mounts are <root>/minio and <root>/kfp (the secret file lies outside both). */
  async function attack(name: string, plant: (spec: OutputsSpec) => Promise<void>) {
    const root = join(tmp, `atk-${name}`);
    const spec = outputsSpec(root, `atk/${name}`);
    await mkdir(join(root, 'kfp/outputs'), { recursive: true });
    await writeFile(spec.parameters.count!.file, '1');
    await writeFile(spec.parameters.Output!.file, 'fine');
    await plant(spec);
    const mounts = [join(root, 'minio'), join(root, 'kfp/outputs')];
    const r = await podStep('outputs', { PIPEWRIGHT_OUTPUTS: JSON.stringify(spec), PIPEWRIGHT_ARTIFACT_MOUNTS: JSON.stringify(mounts) });
    const stored = await new S3ArtifactStore(s3ConfigFromEnv(s3.env)).exists(`minio://${B}/atk/${name}/model`);
    expect(r.message).not.toContain('TOP-SECRET-VALUE');
    expect(r.logs).not.toContain('TOP-SECRET-VALUE');
    return { ...r, stored, spec, root };
  }

  it('refuses an output parameter file that is a symlink (to /proc/self/environ), exit 1', async () => {
    const r = await attack('param', async (spec) => {
      await rm(spec.parameters.Output!.file);
      await symlink('/proc/self/environ', spec.parameters.Output!.file);
    });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/output parameter 'Output': .*\/Output is a symbolic link; it is not followed/);
    expect(r.message).not.toMatch(/PATH=|HOME=/);
  });

  it('refuses an executor output file that is a symlink', async () => {
    const r = await attack('exec', async (spec) => {
      await mkdir(join(spec.executorOutputFile, '..'), { recursive: true });
      await symlink(secretFile(), spec.executorOutputFile);
    });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/executor output .* is a symbolic link/);
  });

  it('refuses a file artifact that is a symlink, uploading nothing', async () => {
    const r = await attack('file', async (spec) => {
      await mkdir(join(spec.artifacts.model!.path, '..'), { recursive: true });
      await symlink(secretFile(), spec.artifacts.model!.path);
    });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/output artifact .*model is a symbolic link/);
    expect(r.stored).toBe(false);
  });

  it('refuses a directory artifact reached through a symlinked parent directory', async () => {
    const r = await attack('parent', async (spec) => {
      const dir = join(spec.artifacts.model!.path, '..');
      await mkdir(join(dir, '..'), { recursive: true });
      await symlink(join(tmp, 'outside'), dir); // .../atk/parent -> outside; model = outside/model
      await writeFile(join(tmp, 'outside', 'model'), 'TOP-SECRET-VALUE');
    });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/resolves to .*outside/);
    expect(r.stored).toBe(false);
  });

  it('skips symlinks inside a directory artifact and uploads the regular files', async () => {
    const r = await attack('dir', async (spec) => {
      await writeTree(spec.artifacts.data!.path, { 'real.txt': 'real' });
      await symlink(secretFile(), join(spec.artifacts.data!.path, 'leak.txt'));
      await symlink(join(tmp, 'outside'), join(spec.artifacts.data!.path, 'leakdir'));
    });
    expect(r.code).toBe(0);
    const back = join(tmp, 'atk-dir-back');
    expect(await store.getDirectory(`minio://${B}/atk/dir/data`, back)).toBe(1);
    expect(await readFile(join(back, 'real.txt'), 'utf8')).toBe('real');
  });

  it('confines custom_path to regular files under the pod\'s mounts', async () => {
    const r = await attack('custom', async (spec) => {
      await mkdir(join(spec.executorOutputFile, '..'), { recursive: true });
      await writeFile(spec.executorOutputFile, JSON.stringify({ artifacts: { model: { artifacts: [{ custom_path: secretFile() }] } } }));
    });
    expect(r.code).toBe(1);
    expect(r.message).toMatch(/secret\.txt resolves to .*, outside/);
    expect(r.stored).toBe(false);
    const ok = await attack('custom-ok', async (spec) => {
      await writeTree(join(spec.artifacts.model!.path, '..'), { 'elsewhere.bin': 'model bytes' });
      await writeFile(spec.executorOutputFile, JSON.stringify({ artifacts: { model: { artifacts: [{ custom_path: join(spec.artifacts.model!.path, '..', 'elsewhere.bin') }] } } }));
    });
    expect(ok.code).toBe(0);
    expect(ok.stored).toBe(true);
  });
});

describe('the artifact gateway', () => {
  /** The answer read in full (an unread body would hold its connection). */
  const post = async (op: string, body: object, grant?: string): Promise<{ status: number; json: () => Promise<unknown> }> => {
    const res = await fetch(`http://127.0.0.1:${http.port}/v1/artifacts/${op}`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(grant !== undefined ? { authorization: `Bearer ${grant}` } : {}) },
    });
    const text = await res.text();
    return { status: res.status, json: () => Promise.resolve(JSON.parse(text)) };
  };
  const grant = (over: Partial<GrantClaims>) => signGrant({ v: 1, ns: 'a', run: 'u', pod: 'p', read: [], write: [], exp: Math.floor(Date.now() / 1000) + 60, ...over }, key);

  it('answers health and readiness, and JSON errors for unknown routes and bad bodies', async () => {
    expect((await fetch(`http://127.0.0.1:${http.port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${http.port}/readyz`)).status).toBe(200);
    const nf = await fetch(`http://127.0.0.1:${http.port}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: 'no route GET /nope' });
    expect((await fetch(`http://127.0.0.1:${http.port}/v1/artifacts/download`)).status).toBe(405);
    const g = grant({ read: [`minio://${B}/gw/in`] });
    const bad = await fetch(`http://127.0.0.1:${http.port}/v1/artifacts/download`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json', authorization: `Bearer ${g}` } });
    expect(bad.status).toBe(400);
    const big = await post('upload', { uri: `minio://${B}/gw/out/x`, files: ['a'.repeat(3 << 20)] }, g);
    expect(big.status).toBe(413);
  });

  it('refuses requests without a grant, with a forged or expired one, and outside the grant', async () => {
    await store.putJson(`minio://${B}/gw/in`, { v: 1 });
    await store.putJson(`minio://${B}/gw/other-task/x`, { v: 2 });
    expect((await post('download', { uri: `minio://${B}/gw/in` })).status).toBe(401);
    const forged = signGrant({ v: 1, ns: 'a', run: 'u', pod: 'p', read: [`minio://${B}/gw`], write: [], exp: 2 ** 40 }, grantKey({ s3SecretKey: 'a guess' }));
    expect((await post('download', { uri: `minio://${B}/gw/in` }, forged)).status).toBe(403);
    expect((await post('download', { uri: `minio://${B}/gw/in` }, grant({ read: [`minio://${B}/gw/in`], exp: 1 }))).status).toBe(403);
    const own = grant({ read: [`minio://${B}/gw/in`], write: [`minio://${B}/gw/task-1`] });
    const ok = await post('download', { uri: `minio://${B}/gw/in` }, own);
    expect(ok.status).toBe(200);
    const { url } = (await ok.json()) as { url: string };
    expect(await (await fetch(url)).json()).toEqual({ v: 1 });
    for (const [op, uri] of [
      ['download', `minio://${B}/gw/other-task/x`],
      ['download', `minio://${B}/gw/in/../other-task/x`],
      ['upload', `minio://${B}/gw/task-10/x`],
      ['upload', `minio://${B}/gw/in`],
      ['upload', `minio://${B}/gw/task-1`],
    ] as const) {
      const res = await post(op, { uri }, own);
      expect([op, uri, res.status]).toEqual([op, uri, uri.includes('..') ? 400 : 403]);
    }
    const up = await post('upload', { uri: `minio://${B}/gw/task-1`, files: ['a/b.txt', '../escape'] }, own);
    expect(up.status).toBe(403); // the prefix itself is not writable, only what is under it
    const up2 = await post('upload', { uri: `minio://${B}/gw/task-1/dir`, files: ['a/b.txt', '../escape'] }, own);
    expect(up2.status).toBe(400);
    expect(((await up2.json()) as { error: string }).error).toMatch(/escapes its prefix/);
  });

  it('refuses anonymous S3 access: a presigned URL for one object does not open another', async () => {
    expect((await fetch(`http://${s3.host}:${s3.port}/${B}/gw/in`)).status).toBe(403);
    const own = grant({ read: [`minio://${B}/gw/in`] });
    const { url } = (await (await post('download', { uri: `minio://${B}/gw/in` }, own)).json()) as { url: string };
    expect((await fetch(url.replace('/gw/in?', '/gw/other-task/x?'))).status).toBe(403);
  });
});

describe('GrantedArtifactStore', () => {
  it('retries a gateway that answers 503 or drops the connection, then succeeds', async () => {
    const { createServer } = await import('node:http');
    let calls = 0;
    // In front of the real gateway: the first call gets 503, the second a dropped connection, then it forwards.
    const flaky = createServer((req, res) => {
      calls++;
      if (calls === 1) { res.writeHead(503).end('{"error":"busy"}'); return; }
      if (calls === 2) { req.socket.destroy(); return; }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        void fetch(`http://127.0.0.1:${http.port}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: req.headers.authorization! }, body: Buffer.concat(chunks) })
          .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()));
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    try {
      const { GrantedArtifactStore } = await import('../../../src/artifacts/granted-store.js');
      await store.putJson(`minio://${B}/retry/in`, { ok: true });
      const env = podEnv([`minio://${B}/retry/in`], undefined);
      const port = (flaky.address() as { port: number }).port;
      const granted = new GrantedArtifactStore({ gatewayUrl: `http://127.0.0.1:${port}`, grant: env.PIPEWRIGHT_GRANT!, roots: [tmp], backoffMs: 10 });
      expect(await granted.download(`minio://${B}/retry/in`, join(tmp, 'retry-in'))).toBe('file');
      expect(JSON.parse(await readFile(join(tmp, 'retry-in'), 'utf8'))).toEqual({ ok: true });
      expect(calls).toBe(3);
      // A refusal is not retried, and says why.
      calls = 10;
      await expect(granted.download(`minio://${B}/retry/other`, join(tmp, 'retry-other'))).rejects.toThrow(/HTTP 403\): the grant of pod pod does not allow reading/);
      expect(calls).toBe(11);
    } finally {
      flaky.close();
    }
  });
});
