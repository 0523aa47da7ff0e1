// The local runner keeps a task's artifacts inside its own task root, as the cluster does: pipelines compiled
// by the real kfp SDK whose tasks try set_path('/etc/passwd'), return an artifact at a URI elsewhere, or leave a
// symbolic link as their artifact. Each fails with a message naming the output and the rule; nothing of the
// host's lands in the artifact store. set_path inside the task's directory still works.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileKfpPipeline } from '../../../src/local/compile-kfp.js';
import { runLocal } from '../../../src/local/runner.js';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import type { JsonValue, Pipeline } from '../../../src/model/types.js';
import { quietLogger, repo } from './helpers.js';

const source = path.join(repo, 'test/integration/local/pipelines/confinement.py');
const compiled: Record<string, Pipeline> = {};
const tmp = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'pipewright-confine-'));

beforeAll(async () => {
  for (const f of ['steal', 'uri_elsewhere', 'link', 'inside']) {
    compiled[f] = parseKfpIr(await compileKfpPipeline(source, { pipelineFunc: f, logger: quietLogger }), source);
  }
}, 300_000);

async function run(func: string, args: Record<string, JsonValue> = {}) {
  const artifactRoot = await tmp();
  const result = await runLocal(compiled[func]!, { arguments: args, artifactRoot, logger: quietLogger });
  return { result, artifactRoot };
}

/** Every regular file under dir whose contents equal text. */
async function filesHolding(dir: string, text: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    if ((await readFile(p, 'utf8').catch(() => '')) === text) out.push(p);
  }
  return out;
}

describe('local artifact confinement', () => {
  it('fails a task that sets its artifact path to /etc/passwd, and copies nothing', async () => {
    const { result, artifactRoot } = await run('steal');
    expect(result.phase).toBe('Failed');
    const node = result.nodes['steal-passwd']!;
    expect(node.phase).toBe('Failed');
    expect(node.message).toMatch(/^output artifact 'model': custom_path \/etc\/passwd is outside the task's root .*steal-passwd; a task's outputs must be written under its own output directory/);
    expect(await filesHolding(artifactRoot, await readFile('/etc/passwd', 'utf8'))).toEqual([]);
  }, 180_000);

  it('fails a task that reports its artifact at a URI outside its root (a dsl.get_uri-style rename)', async () => {
    const target = path.join(await tmp(), 'elsewhere', 'data');
    const { result } = await run('uri_elsewhere', { target });
    expect(result.nodes.elsewhere).toMatchObject({ phase: 'Failed', message: expect.stringContaining(`output artifact 'Output': URI ${target} is outside the task's root`) });
  }, 180_000);

  it('fails a task whose artifact is a symbolic link, without following it', async () => {
    const { result } = await run('link');
    expect(result.nodes['link-out']).toMatchObject({ phase: 'Failed', message: expect.stringMatching(/^output artifact 'model': URI .*\/model: .*\/model is a symbolic link; artifacts are read without following links$/) });
  }, 180_000);

  it('still copies a set_path artifact written inside the task\'s own directory', async () => {
    const { result } = await run('inside', { text: 'w8' });
    expect(result.phase).toBe('Succeeded');
    expect(result.nodes['read-model']?.outputs?.parameters).toEqual({ Output: 'w8' });
    const uri = result.nodes['custom-inside']!.outputs!.artifacts.model![0]!.uri;
    expect(existsSync(uri)).toBe(true);
  }, 180_000);
});
