// The IR fixtures the runner tests use are exactly what the real kfp SDK compiles from our pipelines today:
// each test/pipelines/*.py is compiled by the SDK here and compared, as a model, with its committed fixture.
import { describe, expect, it } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import { compileKfpPipeline } from '../../../src/local/python-env.js';
import { quietLogger, repo } from './helpers.js';

const dir = path.join(repo, 'test/pipelines');
const files = (await readdir(dir)).filter((f) => f.endsWith('.py') && !f.startsWith('verify_'));

describe('SDK-compiled fixtures are current', () => {
  it('covers at least 8 pipelines', () => expect(files.length).toBeGreaterThanOrEqual(8));

  it.each(files)('%s compiles to its fixture', async (file) => {
    const fresh = parseKfpIr(await compileKfpPipeline(path.join(dir, file), { logger: quietLogger }), file);
    const fixtureFile = path.join(repo, 'test/fixtures/ir', file.replace(/\.py$/, '.yaml'));
    const committed = parseKfpIr(await readFile(fixtureFile, 'utf8'), fixtureFile);
    expect(fresh).toEqual(committed);
  }, 300_000);
});
