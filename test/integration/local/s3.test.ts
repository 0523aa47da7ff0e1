// The S3 artifact store and the in-pod inputs/outputs steps against a real S3 server (versitygw).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'minio';
import { pino } from 'pino';
import { ArtifactNotFoundError, S3ArtifactStore } from '../../../src/artifacts/s3.js';
import { s3ConfigFromEnv } from '../../../src/artifacts/s3-config.js';
import { runPodStep } from '../../../src/cli/commands/pod.js';
import type { OutputsSpec } from '../../../src/executor/pod-io-spec.js';
import { repo } from './helpers.js';
import { startTestS3, type TestS3 } from './s3-server.js';

let s3: TestS3;
let store: S3ArtifactStore;
let tmp: string;
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
}, 30_000);

afterAll(async () => {
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

async function podStep(step: 'inputs' | 'outputs', extra: Record<string, string>) {
  const termLog = join(tmp, `term-${randomBytes(3).toString('hex')}`);
  const { log, text } = memoryLogger();
  const code = await runPodStep(step, { ...s3.env, PIPEWRIGHT_TERMINATION_LOG: termLog, ...extra }, log);
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
    const r = await podStep('inputs', { PIPEWRIGHT_DOWNLOADS: JSON.stringify(downloads), PIPEWRIGHT_OUTPUTS: JSON.stringify(spec) });
    expect(r.code).toBe(0);
    expect(await readFile(join(root, 'minio', B, 'in/f'), 'utf8')).toBe('file!');
    expect(await readFile(join(root, 'minio', B, 'in/d/y/z.txt'), 'utf8')).toBe('z');
    expect((await stat(join(root, 'kfp/outputs'))).mode & 0o777).toBe(0o777);
    expect((await stat(join(root, 'minio', B, 'in/task'))).mode & 0o777).toBe(0o777);
    expect(r.logs).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
  });

  it('inputs fails with one line and exit 2 when an artifact is missing', async () => {
    const r = await podStep('inputs', { PIPEWRIGHT_DOWNLOADS: JSON.stringify([{ uri: `minio://${B}/in/nope`, path: join(tmp, 'nope') }]) });
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

  it('runs as `node bin/pipewright.js pod outputs` when the CLI is built', () => {
    if (!existsSync(join(repo, 'dist/cli/main.js'))) {
      console.warn('dist/cli/main.js missing: run `npm run build` to test the built CLI');
      return;
    }
    const root = join(tmp, 'pod-cli');
    const spec = outputsSpec(root, 'cli/task');
    return taskWrote(root, spec, { parameterValues: { Output: 'tails' } }).then(() => {
      const termLog = join(tmp, 'term-cli');
      const res = spawnSync(process.execPath, [join(repo, 'bin/pipewright.js'), 'pod', 'outputs'], {
        env: { ...process.env, ...s3.env, PIPEWRIGHT_OUTPUTS: JSON.stringify(spec), PIPEWRIGHT_TERMINATION_LOG: termLog },
        encoding: 'utf8', timeout: 60_000,
      });
      expect(res.status).toBe(0);
      expect(res.stderr).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
      return readFile(termLog, 'utf8').then((t) => expect(JSON.parse(t).parameters).toEqual({ Output: 'tails', count: 42 }));
    });
  }, 60_000);
});
