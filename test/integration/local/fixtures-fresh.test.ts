// The IR fixtures the runner tests use are exactly what the real kfp SDK compiles from our pipelines today:
// each test/pipelines/*.py is compiled by the SDK here and compared, as a model, with its committed fixture.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import { compileKfpPipeline } from '../../../src/local/compile-kfp.js';
import { chainsBy, runInLanes } from '../../support/lanes.js';
import { quietLogger, repo } from './helpers.js';

const dir = path.join(repo, 'test/pipelines');
const files = (await readdir(dir)).filter((f) => f.endsWith('.py') && !f.startsWith('verify_'));

describe('SDK-compiled fixtures are current', () => {
  // Two compilers at a time: each is a Python process importing the SDK, one core's work.
  let compiled = new Map<string, Promise<string>>();
  beforeAll(() => {
    compiled = runInLanes(chainsBy(files, (f) => f), 2, (f) => compileKfpPipeline(path.join(dir, f), { logger: quietLogger }));
  });
  it('covers at least 8 pipelines', () => expect(files.length).toBeGreaterThanOrEqual(8));

  it.each(files)('%s compiles to its fixture', async (file) => {
    const fresh = parseKfpIr(await compiled.get(file)!, file);
    const fixtureFile = path.join(repo, 'test/fixtures/ir', file.replace(/\.py$/, '.yaml'));
    const committed = parseKfpIr(await readFile(fixtureFile, 'utf8'), fixtureFile);
    expect(fresh).toEqual(committed);
  }, 300_000);
});
