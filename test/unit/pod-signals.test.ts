// The pod helpers as a container's PID 1 would run them: SIGTERM (a cancelled run, a deleted pod) stops them at
// once with 143 and a termination message, instead of the kubelet waiting out the grace period.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(new URL('.', import.meta.url).pathname, '../..');

describe('pod helpers', () => {
  it('stop on SIGTERM while a transfer hangs, with exit 143 and the reason in the termination log', async () => {
    let reached!: () => void;
    const asked = new Promise<void>((r) => { reached = r; });
    const gateway = createServer(() => reached()); // accepts, never answers
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'pw-sig-'));
    const termLog = join(dir, 'termination-log');
    const child = spawn(process.execPath, [join(repo, 'bin/pipewright.js'), 'pod', 'inputs'], {
      stdio: 'ignore',
      env: {
        ...process.env,
        PIPEWRIGHT_GATEWAY_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, PIPEWRIGHT_GRANT: 'g.s',
        PIPEWRIGHT_DOWNLOADS: JSON.stringify([{ uri: 'minio://pipewright/ns/run/t/x', path: join(dir, 'in/x') }]),
        PIPEWRIGHT_ARTIFACT_MOUNTS: JSON.stringify([dir]), PIPEWRIGHT_TERMINATION_LOG: termLog,
      },
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const first = await Promise.race([asked.then(() => 'gateway'), exited.then((c) => `exited with ${c} before its request`)]);
    if (first !== 'gateway') { gateway.close(); throw new Error(`pipewright pod inputs ${first}`); }
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(readFileSync(termLog, 'utf8')).toContain('pod inputs stopped by SIGTERM');
    gateway.closeAllConnections();
    gateway.close();
  }, 30_000);
});
