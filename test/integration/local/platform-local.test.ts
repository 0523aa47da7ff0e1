// kfp-kubernetes settings in a local run, with a pipeline compiled by the real SDK (test/pipelines/compat/
// pod_metadata.py) run through the real kfp executor: what a process can be given is applied, the rest named in
// one warning each (src/local/platform-local.ts).
import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../../../src/local/events.js';
import { runLocal } from '../../../src/local/runner.js';
import { formatSummary, summarize } from '../../../src/local/summary.js';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import { quietLogger, repo } from './helpers.js';

const fixture = path.join(repo, 'test/fixtures/ir/compat/pod_metadata.yaml');

async function run(secretsDir?: string) {
  const pipeline = parseKfpIr(await readFile(fixture, 'utf8'), fixture);
  const events: RunEvent[] = [];
  const artifactRoot = await mkdtemp(path.join(os.tmpdir(), 'pipewright-pl-'));
  const result = await runLocal(pipeline, { artifactRoot, logger: quietLogger, enableCaching: false, onEvent: (e) => events.push(e), ...(secretsDir ? { secretsDir } : {}) });
  return { result, warned: events.filter((e) => e.type === 'warning').map((e) => e.message) };
}

describe('kfp-kubernetes settings locally', () => {
  it('pod labels and annotations reach the task through field paths; the rest is named once each', async () => {
    const { result, warned } = await run();
    expect(result.phase).toBe('Succeeded');
    expect(result.nodes['read-env']?.outputs?.parameters).toEqual({ Output: 'ml|from an annotation|unset|unset' });
    expect(warned).toEqual([
      "task read-env: use_field_path_as_env POD_NAME='metadata.name' has no value locally (only metadata.labels['…'] and metadata.annotations['…'], from add_pod_label/add_pod_annotation); POD_NAME is not set",
      "task read-env: use_secret_as_env (Secret 'compat-secret') needs a secrets directory locally; TOKEN not set (pass --secrets-dir DIR with DIR/compat-secret/<key> files)",
      'task read-env: add_node_selector is a cluster setting; ignored locally',
    ]);
    expect(result.warnings).toEqual(warned);
    expect(summarize(result).warnings).toEqual(warned);
    expect(formatSummary(result)).toContain('⚠ task read-env: add_node_selector is a cluster setting; ignored locally');
  }, 300_000);

  it('a Secret as env comes from --secrets-dir; a missing key fails the task naming the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-secrets-'));
    await mkdir(path.join(dir, 'compat-secret'));
    await writeFile(path.join(dir, 'compat-secret', 'password'), 's3cret');
    const { result, warned } = await run(dir);
    expect(result.nodes['read-env']?.outputs?.parameters).toEqual({ Output: 'ml|from an annotation|unset|s3cret' });
    expect(warned.some((w) => w.includes('use_secret_as_env'))).toBe(false);

    const empty = await mkdtemp(path.join(os.tmpdir(), 'pipewright-secrets-'));
    const missing = await run(empty);
    expect(missing.result.phase).toBe('Failed');
    expect(missing.result.nodes['read-env']?.message).toBe(`use_secret_as_env: Secret 'compat-secret' key 'password' (for TOKEN) is not in the secrets directory: create ${empty}/compat-secret/password, or mark it optional`);
  }, 300_000);
});
