// Bounded work on hostile input, in-process: YAML limits, CEL cost, prototype keys, graph depth, the limits'
// variables, one duration parser, one quantity parser and timers past Node's 24.8-day limit.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { compileCondition, evaluateCondition } from '../../src/engine/cel.js';
import { dependencyOrder } from '../../src/engine/dag-order.js';
import { plan } from '../../src/engine/plan.js';
import { RUN, containerComponent, pipelineOf, task } from '../../src/engine/testing/builders.js';
import { DURATION_PATTERN } from '../../src/crd/schema.js';
import { canonicalQuantity } from '../../src/executor/task-config.js';
import { PipelineError, diagnostic, formatDiagnostics } from '../../src/model/diagnostics.js';
import { parseDuration, parseDurationSeconds } from '../../src/model/duration.js';
import { parseYamlDocuments } from '../../src/model/yaml-documents.js';
import { DEFAULT_LIMITS, configureLimits, limitsFromEnv } from '../../src/model/limits.js';
import { parsePipelineText } from '../../src/model/parse-text.js';
import { parseQuantity, quantityProblem } from '../../src/model/quantity.js';
import { findCycles } from '../../src/model/validate.js';
import { MAX_TIMER_MS, longTimeout } from '../../src/util/long-timeout.js';

const NATIVE = 'apiVersion: pipewright.dev/v1alpha1\nkind: PipelineSpec\nmetadata: {name: p}\nspec:\n  tasks:\n';

function problems(text: string): string[] {
  try {
    parsePipelineText(text, 'f.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    return e.diagnostics.map((d) => `${d.code} ${d.location.path ?? ''}: ${d.message} (fix: ${d.fix})`);
  }
}

afterEach(() => configureLimits({ ...DEFAULT_LIMITS }));

describe('YAML limits', () => {
  it('an alias bomb is refused quickly, naming the limit and its variable', () => {
    const laughs = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: 8 }, (_, i) => {
      const [p, c] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
      return `${c}: &${c} [${Array(10).fill(`*${p}`).join(', ')}]\n`;
    }).join('');
    const t0 = Date.now();
    expect(() => parseYamlDocuments(laughs)).toThrow(/aliases \(\*name\) expand to too many values.*PIPEWRIGHT_MAX_YAML_ALIASES/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a few aliases are fine', () => {
    expect(parseYamlDocuments('a: &x {k: 1}\nb: *x\n')).toEqual([{ a: { k: 1 }, b: { k: 1 } }]);
  });

  it('nesting: over the limit, and past what the parser can recurse, both name PIPEWRIGHT_MAX_YAML_DEPTH', () => {
    expect(() => parseYamlDocuments(`a: ${'['.repeat(150)}${']'.repeat(150)}`)).toThrow(/nests more than 100 levels deep.*PIPEWRIGHT_MAX_YAML_DEPTH/);
    expect(() => parseYamlDocuments(`a: ${'['.repeat(20000)}${']'.repeat(20000)}`)).toThrow(/nests.*PIPEWRIGHT_MAX_YAML_DEPTH/);
  });

  it('size: the limit comes from the environment', () => {
    configureLimits(limitsFromEnv({ PIPEWRIGHT_MAX_YAML_BYTES: '10' }));
    expect(() => parseYamlDocuments('a: 12345678901\n')).toThrow(/15 characters long.*the limit is 10; raise it with PIPEWRIGHT_MAX_YAML_BYTES/);
  });

  it('one message per YAML mistake, cut to a readable length', () => {
    const errs = problems(`${NATIVE}    - {name: a, image: alpine, command: [echo, hi}\n    - {name: b, image: alpine}\n`);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^YAML_SYNTAX line 6, column \d+: invalid YAML/);
    const long = problems(`${NATIVE}    - {name: a, image: alpine, dependsOn: [${'q'.repeat(100_000)}]}\n`);
    expect(long).toHaveLength(1);
    expect(long[0]!.length).toBeLessThan(1000);
    expect(long[0]).toMatch(/… \(1000\d\d characters\)/);
  });

  it('many problems make a bounded message: the first 50, then a count', () => {
    const ds = Array.from({ length: 10_000 }, (_, i) => diagnostic('X', { path: `p${i}` }, 'm'.repeat(10_000), 'f'));
    const text = formatDiagnostics(ds);
    expect(text.length).toBeLessThan(50 * 400);
    expect(text).toMatch(/… and 9950 more problems/);
    expect(new PipelineError(ds).message.split('\n')).toHaveLength(51);
  });

  it('invalid limit variables are refused with their name', () => {
    expect(() => limitsFromEnv({ PIPEWRIGHT_MAX_TASKS: '-3' })).toThrow(/PIPEWRIGHT_MAX_TASKS must be a positive whole number/);
    expect(limitsFromEnv({ PIPEWRIGHT_MAX_LOOP_ITEMS: '5' }).loopItems).toBe(5);
  });
});

describe('prototype keys and names', () => {
  const ir = (tasks: string, components = '  comp-a: {executorLabel: exec-a}\n'): string =>
    `pipelineInfo: {name: p}\nschemaVersion: 2.1.0\ndeploymentSpec:\n  executors:\n    exec-a: {container: {image: alpine}}\ncomponents:\n${components}root:\n  dag:\n    tasks:\n${tasks}`;

  it('a task keyed __proto__ is reported, not lost', () => {
    expect(problems(ir('      __proto__: {taskInfo: {name: a}, componentRef: {name: comp-a}}\n'))).toEqual([expect.stringContaining('task name "__proto__" is not a DNS label')]);
  });

  it('a component named constructor is unknown unless defined, and works when defined', () => {
    expect(problems(ir('      a: {taskInfo: {name: a}, componentRef: {name: constructor}}\n'))).toEqual([expect.stringContaining('uses unknown component "constructor"')]);
    const p = parsePipelineText(ir('      a: {taskInfo: {name: a}, componentRef: {name: constructor}}\n', '  constructor: {executorLabel: exec-a}\n'));
    expect(plan({ pipeline: p, arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' }).launch.map((l) => l.nodeId)).toEqual(['a']);
  });
});

describe('graph depth', () => {
  it('cycle search and planning are iterative: a 100,000-task chain', () => {
    const n = 100_000;
    const names = Array.from({ length: n }, (_, i) => `t${i}`);
    expect(findCycles(names, (x) => (x === `t${n - 1}` ? ['t0'] : [`t${Number(x.slice(1)) + 1}`]))[0]).toHaveLength(n + 1);
    const tasks = names.map((name, i) => task(name, 'c', i ? { dependsOn: [`t${i - 1}`] } : {}));
    const p = pipelineOf(tasks.reverse());
    expect(dependencyOrder(p.root.implementation.kind === 'dag' ? p.root.implementation.dag : { tasks: {}, outputs: { parameters: {}, artifacts: {} } }).slice(0, 2)).toEqual(['t0', 't1']);
    const result = plan({ pipeline: p, arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' });
    expect(result.launch.map((l) => l.nodeId)).toEqual(['t0']);
  });
});

describe('loop and task limits in the engine', () => {
  const loopPipeline = (items: number) => {
    const body = { name: 'comp-body', inputs: { parameters: { item: { type: 'NUMBER_INTEGER' as const, optional: false } }, artifacts: {} }, outputs: { parameters: {}, artifacts: {} }, implementation: { kind: 'dag' as const, dag: { tasks: { w: task('w', 'c') }, outputs: { parameters: {}, artifacts: {} } } } };
    return pipelineOf([task('loop', 'comp-body', { loop: { itemInput: 'item', items: { kind: 'raw', items: Array.from({ length: items }, (_, i) => i) } } })], { 'comp-body': body, c: containerComponent('c') });
  };

  it('a loop over more items than PIPEWRIGHT_MAX_LOOP_ITEMS errors at planning time, naming it', () => {
    configureLimits({ ...DEFAULT_LIMITS, loopItems: 10 });
    const r = plan({ pipeline: loopPipeline(11), arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' });
    expect(r.nodes.loop?.phase).toBe('Error');
    expect(r.nodes.loop?.message).toMatch(/11 items; the limit is 10; raise it with PIPEWRIGHT_MAX_LOOP_ITEMS/);
    expect(r.launch).toEqual([]);
  });

  it('tasks per run count loop iterations (tasks × items, not the iteration nodes)', () => {
    configureLimits({ ...DEFAULT_LIMITS, tasks: 50 });
    const r = plan({ pipeline: loopPipeline(60), arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' });
    expect(r.nodes.loop?.message).toMatch(/PIPEWRIGHT_MAX_TASKS/);
    expect(plan({ pipeline: loopPipeline(45), arguments: {}, facts: {}, run: RUN, now: '2026-01-01T00:00:00Z' }).launch).toHaveLength(45);
  });
});

describe('CEL cost', () => {
  it('nested comprehensions are refused before they run, naming the limit', () => {
    const cond = { expression: 'inputs.xs.all(a, inputs.xs.all(b, inputs.xs.exists(c, a + b + c < 0)))', dialect: 'native' as const };
    expect(compileCondition(cond)).toEqual({ ok: false, error: expect.stringMatching(/nest 2 deep; the limit is 1; raise it with PIPEWRIGHT_MAX_CEL_NESTING/) });
    const t0 = Date.now();
    expect(() => evaluateCondition(cond, { xs: Array.from({ length: 1000 }, (_, i) => i) })).toThrow(/PIPEWRIGHT_MAX_CEL_NESTING/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('one comprehension is fine; size and depth are bounded too', () => {
    expect(evaluateCondition({ expression: 'inputs.xs.exists(x, x == 2)', dialect: 'native' }, { xs: [1, 2] })).toBe(true);
    expect(compileCondition({ expression: `${'('.repeat(100)}true${')'.repeat(100)}`, dialect: 'native' })).toEqual({ ok: false, error: expect.stringContaining('PIPEWRIGHT_MAX_CEL_DEPTH') });
    expect(compileCondition({ expression: Array(1000).fill('true').join(' || '), dialect: 'native' })).toEqual({ ok: false, error: expect.stringContaining('PIPEWRIGHT_MAX_CEL_LENGTH') });
  });
});

describe('durations: one parser', () => {
  it.each([
    ['1h30m', 5400], ['90s', 90], ['1.5h', 5400], ['500ms', 0.5], ['0', 0], ['1h0m0.5s', 3600.5], ['2us', 2e-6], ['720h', 2_592_000],
  ])('%s = %d s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBeCloseTo(seconds, 9);
  });

  it.each(['', '-5s', '10d', '1h30', 'h', '5 m', '1e3s', 'PT5M'])('%j is not a duration', (text) => {
    expect(parseDurationSeconds(text)).toBeUndefined();
  });

  it('the reconciler reads spec.timeout with it (1h30m is no longer ignored), in ms', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(undefined)).toBeUndefined();
  });

  it('the CRD pattern accepts exactly what the parser accepts', () => {
    const re = new RegExp(DURATION_PATTERN);
    fc.assert(fc.property(fc.stringMatching(/^[0-9hmsnuµ.]{1,12}$/), (s) => {
      if (s === '0') return;
      expect(re.test(s)).toBe(parseDurationSeconds(s) !== undefined);
    }));
  });
});

describe('quantities: one parser', () => {
  it.each([['-1', 'is negative'], ['10Ei', 'larger than Kubernetes can hold'], ['1e30', 'larger'], ['8Ei', 'larger'], ['lots', 'not a Kubernetes quantity'], ['1Gb', 'not a Kubernetes quantity']])('%s: %s', (q, why) => {
    expect(quantityProblem(q)).toContain(why);
  });

  it.each(['100m', '0.5', '1Gi', '64Mi', '1e3', '7Ei', '2'])('%s is fine', (q) => {
    expect(quantityProblem(q)).toBeUndefined();
  });

  it('canonical forms come from the same parser', () => {
    expect(canonicalQuantity('1000m')).toBe('1');
    expect(canonicalQuantity('1024Mi')).toBe('1Gi');
    expect(canonicalQuantity('0.5')).toBe('500m');
    expect(parseQuantity('1n')?.milli).toBe(1n); // rounds up, as Kubernetes does
  });
});

describe('longTimeout', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('a 30-day timer fires after 30 days, not after 1 ms', () => {
    jest.useFakeTimers({ now: 0 });
    const fired = jest.fn();
    longTimeout(fired, 30 * 24 * 3600 * 1000);
    jest.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(30 * 24 * 3600 * 1000 - MAX_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('clear stops it across re-arms', () => {
    jest.useFakeTimers({ now: 0 });
    const fired = jest.fn();
    const t = longTimeout(fired, 3 * MAX_TIMER_MS);
    jest.advanceTimersByTime(MAX_TIMER_MS + 5);
    t.clear();
    jest.advanceTimersByTime(3 * MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
  });
});
