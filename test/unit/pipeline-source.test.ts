// The controller's pipeline sources under the same limits and checks as the CLI: an inline object (pipelineSpec)
// and YAML text (pipelineYAML) give the same model; hostile objects give a PipelineError (a Failed run).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { pipelineFromSource } from '../../src/controller/pipeline-source.js';
import { PipelineError } from '../../src/model/diagnostics.js';
import type { JsonObject, JsonValue } from '../../src/model/types.js';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const irText = readFileSync(path.join(repo, 'test/fixtures/ir/parallel_for.yaml'), 'utf8');

function messages(f: () => unknown): string[] {
  try {
    f();
    return [];
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    return e.diagnostics.map((d) => d.message);
  }
}

describe('pipelineFromSource', () => {
  it('IR as an object and as YAML text give the same model, and the object is not shared', () => {
    const spec = load(irText) as JsonObject;
    const before = JSON.stringify(spec);
    const fromObject = pipelineFromSource({ pipelineSpec: spec }, 'spec', 'r');
    expect(fromObject).toEqual(pipelineFromSource({ pipelineYAML: irText }, 'spec', 'r'));
    (fromObject.root.implementation as { dag: { tasks: Record<string, unknown> } }).dag.tasks.extra = {};
    expect(JSON.stringify(spec)).toBe(before);
  });

  it('an object nested past the limit is refused, naming the limit', () => {
    let deep: JsonValue = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    const spec: JsonObject = { ...(load(irText) as JsonObject), extra: deep };
    expect(messages(() => pipelineFromSource({ pipelineSpec: spec }, 'spec', 'r'))).toEqual([expect.stringContaining('nests more than 100 levels deep')]);
  });

  it('a task keyed __proto__ in an object from the API server (JSON) is reported', () => {
    const spec = JSON.parse(JSON.stringify(load(irText)).replace('"total":', '"__proto__":')) as JsonObject;
    expect(messages(() => pipelineFromSource({ pipelineSpec: spec }, 'spec', 'r'))).toContain('task name "__proto__" is not a DNS label');
  });
});
