// Shared by the local-runner integration tests: load a compiled fixture, run it, collect events.
import { mkdtemp, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import type { JsonValue } from '../../../src/model/types.js';
import { parseKfpIr } from '../../../src/model/kfp-ir.js';
import type { RunEvent } from '../../../src/local/events.js';
import { runLocal, type LocalRunResult, type RunLocalOptions } from '../../../src/local/runner.js';

export const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const quietLogger = pino({ level: process.env.PIPEWRIGHT_TEST_LOG ?? 'warn' }, pino.destination(2));

export async function loadFixture(name: string) {
  const file = path.join(repo, 'test/fixtures/ir', `${name}.yaml`);
  return parseKfpIr(await readFile(file, 'utf8'), file);
}

export interface FixtureRun {
  result: LocalRunResult;
  events: RunEvent[];
  seconds: number;
}

export async function runFixture(
  name: string,
  args: Record<string, JsonValue> = {},
  extra: Partial<RunLocalOptions> = {},
): Promise<FixtureRun> {
  const pipeline = await loadFixture(name);
  const artifactRoot = await mkdtemp(path.join(os.tmpdir(), 'pipewright-it-'));
  const events: RunEvent[] = [];
  const t0 = Date.now();
  const result = await runLocal(pipeline, {
    arguments: args,
    artifactRoot,
    logger: quietLogger,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { result, events, seconds: (Date.now() - t0) / 1000 };
}
