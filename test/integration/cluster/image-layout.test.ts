// The image's file system as the Dockerfile builds it (scripts/image-layout.mjs; the jest global setup built it,
// so this finds it cached): what the runtime stage holds, and that it runs on its own, without the checkout.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The cluster project's testTimeout does not reach hooks; a loaded API server (just restarted by another file)
// can take more than jest's 5 s default to create a namespace.
jest.setTimeout(120_000);

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const layout = execFileSync(process.execPath, [join(repo, 'scripts/image-layout.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 }).trim();
const app = join(layout, 'root', 'app');

describe('the image layout', () => {
  it('is the runtime stage: the built code, production dependencies only, the Dockerfile\'s USER and ENTRYPOINT', () => {
    const image = JSON.parse(readFileSync(join(layout, 'image.json'), 'utf8')) as { from: string; user: string; entrypoint: string[]; env: Record<string, string> };
    // The Node the layout was built with, and that runs this test (and the cluster's pods), is the image's.
    const version = /^node:(\d+\.\d+\.\d+)-slim$/.exec(image.from)?.[1];
    expect(image).toEqual({ from: expect.stringMatching(/^node:24\.\d+\.\d+-slim$/), user: '65532:65532', entrypoint: ['node', '/app/bin/pipewright.js'], env: { NODE_ENV: 'production' }, workdir: '/app', node: `v${version}` });
    expect(process.version).toBe(`v${version}`);
    for (const f of ['package.json', 'bin/pipewright.js', 'dist/cli/main.js', 'crds/pipewright.dev_pipelineruns.yaml', 'ui/dist/index.html']) expect([f, existsSync(join(app, f))]).toEqual([f, true]);
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const d of Object.keys(pkg.dependencies)) expect([d, existsSync(join(app, 'node_modules', d, 'package.json'))]).toEqual([d, true]);
    // Type packages may stay: @kubernetes/client-node depends on some. The tools must not.
    for (const d of Object.keys(pkg.devDependencies).filter((n) => !n.startsWith('@types/'))) expect([d, existsSync(join(app, 'node_modules', d, 'package.json'))]).toEqual([d, false]);
    expect(existsSync(join(app, 'src'))).toBe(false); // sources stay in the build stage
    expect(existsSync(join(app, 'ui', 'src'))).toBe(false); // the UI's too: only its built files
  });

  it('runs from its own directory', () => {
    const out = execFileSync(process.execPath, [join(app, 'bin/pipewright.js'), '--help'], { cwd: app, encoding: 'utf8' });
    expect(out).toContain('Usage: pipewright');
  });
});
