import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineRunObject } from '../controller/types.js';
import { UiStatic, runArtifactUris } from './ui.js';

describe('runArtifactUris (what a run\'s readers may fetch)', () => {
  it('lists the artifacts of every node and of the root outputs, nothing else', () => {
    const run: PipelineRunObject = {
      status: {
        nodes: {
          a: { phase: 'Succeeded', kind: 'container', task: 'a', outputs: { artifacts: { m: [{ uri: 'minio://b/ns/r/a/m' }] }, parameters: { p: 'minio://b/other' } } },
          b: { phase: 'Skipped', kind: 'container', task: 'b' },
        },
        outputs: { artifacts: { out: [{ uri: 'minio://b/ns/r/c/out' }] } },
      },
    };
    expect([...runArtifactUris(run)].sort()).toEqual(['minio://b/ns/r/a/m', 'minio://b/ns/r/c/out']);
  });
});

describe('UiStatic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ui-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(dir, '.pipewright-src'), 'stamp');
  writeFileSync(join(tmpdir(), 'secret.txt'), 'no');

  async function get(ui: UiStatic, path: string): Promise<{ status: number; served: boolean; type?: string; csp?: string; body: string }> {
    let served = false;
    const server = createServer((req, res) => {
      served = ui.serve(new URL(req.url ?? '/', 'http://x').pathname, res);
      if (!served) res.writeHead(418).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
      return { status: res.status, served, type: res.headers.get('content-type') ?? undefined, csp: res.headers.get('content-security-policy') ?? undefined, body: await res.text() };
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  it('serves index.html at / and hashed assets, with the CSP', async () => {
    const ui = new UiStatic(dir);
    expect(await get(ui, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', csp: expect.stringContaining("frame-ancestors 'none'"), body: expect.stringContaining('<title>x') });
    expect(await get(ui, '/assets/app-1.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
  });

  it('serves only the files of the build: no traversal, no dot files, other paths left to the API', async () => {
    const ui = new UiStatic(dir);
    expect((await get(ui, '/../secret.txt')).served).toBe(false);
    expect((await get(ui, '/assets/%2e%2e/%2e%2e/secret.txt')).served).toBe(false);
    expect((await get(ui, '/.pipewright-src')).served).toBe(false);
    expect((await get(ui, '/apis/v2beta1/runs')).served).toBe(false);
  });

  it('says how to build the UI when it is not built', async () => {
    const ui = new UiStatic(join(dir, 'missing'));
    expect(ui.built).toBe(false);
    expect(await get(ui, '/')).toMatchObject({ status: 404, body: expect.stringContaining('npm run build') });
  });
});
