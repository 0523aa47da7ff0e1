// A throwaway versitygw (posix backend) on a free loopback port, for tests of the S3 artifact store.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestS3 {
  env: Record<string, string>;
  host: string;
  port: number;
  dir: string;
  stop: () => Promise<void>;
}

async function findVersitygw(): Promise<string> {
  const bin = join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright'), 'bin');
  const dirs = (await readdir(bin).catch(() => [] as string[])).filter((d) => d.startsWith('versitygw-')).sort();
  if (dirs.length === 0) throw new Error(`no versitygw under ${bin}: run bash test/cluster/build.sh`);
  return join(bin, dirs[dirs.length - 1]!, 'versitygw');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startTestS3(): Promise<TestS3> {
  const bin = await findVersitygw();
  const dir = await mkdtemp(join(tmpdir(), 'pw-s3-'));
  const port = await freePort();
  const accessKey = 'pw-test-access';
  const secretKey = 'pw-test-secret-0123456789';
  const child: ChildProcess = spawn(bin, ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', '--nometa', dir], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`versitygw exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`versitygw not listening on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    dir,
    env: {
      PIPEWRIGHT_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      PIPEWRIGHT_S3_BUCKET: 'pw-test',
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
