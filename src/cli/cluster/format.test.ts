import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { StatusNode } from '../../controller/status.js';
import type { PipelineRunObject } from '../../controller/types.js';
import { age, byNewest, elapsed, pipelineNameOf, runHeaders, runRow, styleFor, table, width } from './format.js';
import { buildTree, outputLines, summaryLines, taskTable } from './tree.js';

const plain = { color: false };
const T0 = Date.parse('2026-12-07T10:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

describe('age and durations', () => {
  it('reads like kubectl', () => {
    expect([0, 59_000, 60_000, 65_000, 600_000, 3_599_000, 3_600_000, 3_660_000, 9 * 3600_000, 47 * 3600_000, 49 * 3600_000, 800 * 86400_000].map(age))
      .toEqual(['0s', '59s', '1m', '1m5s', '10m', '59m', '1h', '1h1m', '9h', '47h', '2d', '2y']);
    expect(age(-5000)).toBe('0s');
  });

  it('elapsed: until finished, until now while running, - before it starts', () => {
    expect(elapsed(at(0), at(75), T0 + 500_000)).toBe('1m15s');
    expect(elapsed(at(0), undefined, T0 + 30_000)).toBe('30s');
    expect(elapsed(undefined, undefined, T0)).toBe('-');
  });

  it('age never decreases as the span grows', () => {
    const seconds = (s: string): number => {
      const m = /^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s)!;
      const [y, d, h, mi, se] = m.slice(1).map((x) => Number(x ?? 0));
      return (((y! * 365 + d!) * 24 + h!) * 60 + mi!) * 60 + se!;
    };
    fc.assert(fc.property(fc.nat(10 ** 11), fc.nat(10 ** 9), (a, d) => seconds(age(a)) <= seconds(age(a + d))));
  });
});

describe('table', () => {
  it('aligns columns three spaces apart, ignoring colour escapes, last column unpadded', () => {
    const t = table(['NAME', 'PHASE', 'MESSAGE'], [['a', '\x1b[32mSucceeded\x1b[0m', ''], ['longer-name', 'Failed', 'exit 1']]);
    expect(t.split('\n')).toEqual([
      'NAME          PHASE       MESSAGE',
      'a             \x1b[32mSucceeded\x1b[0m',
      'longer-name   Failed      exit 1',
    ]);
  });

  it('every row starts each column at the same place', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.stringMatching(/^[A-Za-z]{1,12}$/), fc.stringMatching(/^[a-z]{0,5}$/)), { minLength: 1, maxLength: 8 }), (rows) => {
      const lines = table(['A', 'B', 'C'], rows).split('\n');
      const starts = lines.map((l, i) => l.indexOf(i === 0 ? 'B' : rows[i - 1]![1], (i === 0 ? 'A' : rows[i - 1]![0]).length + 3));
      return new Set(starts).size === 1;
    }));
  });

  it('colours only on a TTY without NO_COLOR', () => {
    expect(styleFor({ isTTY: true }, {}).color).toBe(true);
    expect(styleFor({ isTTY: true }, { NO_COLOR: '1' }).color).toBe(false);
    expect(styleFor({ isTTY: false }, {}).color).toBe(false);
    expect(width('\x1b[31mabc\x1b[0m')).toBe(3);
  });
});

const run = (name: string, created: number, status: PipelineRunObject['status'], spec: PipelineRunObject['spec'] = {}): PipelineRunObject => ({
  metadata: { name, namespace: 'team', creationTimestamp: at(created) as unknown as Date }, spec, status,
});

describe('run rows', () => {
  it('NAME PHASE PROGRESS AGE DURATION MESSAGE; wide adds the pipeline and times; -A the namespace', () => {
    const r = run('train-x1', 0, { phase: 'Failed', progress: '2/3', startedAt: at(5), finishedAt: at(65), message: 'task evaluate failed:\nexit code 1' },
      { pipelineYAML: 'pipelineInfo:\n  name: training\nroot: {}' });
    expect(runHeaders('table', false)).toEqual(['NAME', 'PHASE', 'PROGRESS', 'AGE', 'DURATION', 'MESSAGE']);
    expect(runRow(r, T0 + 3600_000, 'table', false, plain)).toEqual(['train-x1', 'Failed', '2/3', '1h', '1m', 'task evaluate failed: exit code 1']);
    expect(runHeaders('wide', true)).toEqual(['NAMESPACE', 'NAME', 'PHASE', 'PROGRESS', 'AGE', 'DURATION', 'PIPELINE', 'STARTED', 'FINISHED', 'MESSAGE']);
    expect(runRow(r, T0 + 3600_000, 'wide', true, plain).slice(0, 2)).toEqual(['team', 'train-x1']);
    expect(runRow(r, T0, 'wide', false, plain)[5]).toBe('training');
  });

  it('names the pipeline from a reference, an inline spec, or the YAML', () => {
    expect(pipelineNameOf({ spec: { pipelineRef: { name: 'p' } } })).toBe('pipeline/p');
    expect(pipelineNameOf({ spec: { pipelineSpec: { pipelineInfo: { name: 'ir' } } } })).toBe('ir');
    expect(pipelineNameOf({ spec: { pipelineYAML: 'apiVersion: x\nmetadata:\n  name: native\nspec: {}' } })).toBe('native');
    expect(pipelineNameOf({ spec: { pipelineYAML: JSON.stringify({ kind: 'PipelineSpec', metadata: { name: 'Two Steps' } }, null, 1) } })).toBe('Two Steps');
    expect(pipelineNameOf({ spec: { pipelineYAML: '{"pipelineInfo":{"name":"compact"},"root":{}}' } })).toBe('compact');
    expect(pipelineNameOf({ spec: { pipelineYAML: "# c\ncomponents: {}\npipelineInfo:\n  name: 'quoted name'\n" } })).toBe('quoted name');
    expect(pipelineNameOf({ spec: {} })).toBe('-');
  });

  it('sorts newest first', () => {
    expect([run('old', 0, {}), run('new', 60, {}), run('mid', 30, {})].sort(byNewest).map((r) => r.metadata!.name)).toEqual(['new', 'mid', 'old']);
  });
});

const node = (task: string, phase: StatusNode['phase'], kind: StatusNode['kind'], extra: Partial<StatusNode> = {}): StatusNode => ({ task, phase, kind, ...extra });

describe('task tree', () => {
  const nodes: Record<string, StatusNode> = {
    produce: node('produce', 'Succeeded', 'container', { startedAt: at(0), finishedAt: at(3), pod: 'r-produce', outputs: { parameters: { count: 3 }, artifacts: { data: [{ uri: 's3://b/data', type: 'system.Dataset' }] } } }),
    shard: node('shard', 'Running', 'loop', { startedAt: at(4) }),
    'shard/10': node('shard', 'Running', 'iteration', { startedAt: at(5) }),
    'shard/10/work': node('work', 'Running', 'container', { startedAt: at(5) }),
    'shard/2': node('shard', 'Failed', 'iteration', { startedAt: at(4) }),
    'shard/2/work': node('work', 'Failed', 'container', { startedAt: at(4), finishedAt: at(6), reason: 'Failed', message: 'exit code 1', attempt: 2 }),
    consume: node('consume', 'Skipped', 'container', { reason: 'ConditionFalse' }),
  };

  it('nests nodes under their id prefix; iterations by index; not-started last', () => {
    const roots = buildTree(nodes);
    expect(roots.map((r) => r.id)).toEqual(['produce', 'shard', 'consume']);
    expect(roots[1]!.children.map((c) => c.id)).toEqual(['shard/2', 'shard/10']);
    expect(roots[1]!.children[1]!.children.map((c) => c.id)).toEqual(['shard/10/work']);
  });

  it('draws STEP PHASE DURATION DETAILS with tree guides', () => {
    const lines = taskTable(nodes, { now: T0 + 10_000, style: plain }).split('\n');
    expect(lines[0]).toMatch(/^STEP\s+PHASE\s+DURATION\s+DETAILS$/);
    expect(lines.slice(1).map((l) => l.replace(/(\S)\s{3,}/g, '$1 | '))).toEqual([
      '✔ produce | Succeeded | 3s',
      '● shard | Running | 6s',
      '├─ ✖ [2] | Failed | 6s',
      '│  └─ ✖ work | Failed | 2s | attempt 2: Failed: exit code 1',
      '└─ ● [10] | Running | 5s',
      '   └─ ● work | Running | 5s',
      '○ consume | Skipped | - | ConditionFalse',
    ]);
    expect(taskTable({}, { now: T0, style: plain })).toBe('(no tasks yet)');
    expect(taskTable(nodes, { now: T0, style: plain, wide: true })).toMatch(/POD[\s\S]*r-produce/);
  });

  it('lists outputs per task and of the run', () => {
    const r = run('r', 0, { nodes, outputs: { parameters: { accuracy: 0.93 }, omitted: ['model'] } });
    expect(outputLines(r)).toEqual([
      'produce.count = 3',
      'produce.data = s3://b/data (system.Dataset)',
      '(run).accuracy = 0.93',
      '(run).model = (too large for the status; see the artifact store)',
    ]);
  });

  it('summarises the run', () => {
    const r = run('r', 0, { phase: 'Running', progress: '1/4', startedAt: at(1) }, { arguments: { n: 3, s: 'x' }, cancel: true });
    const text = summaryLines(r, 'p', T0 + 61_000, plain).join('\n');
    expect(text).toMatch(/^Name:\s+r$/m);
    expect(text).toMatch(/^Duration:\s+1m$/m);
    expect(text).toMatch(/^Arguments:\s+n=3, s=x$/m);
    expect(text).toMatch(/^Cancel:\s+requested$/m);
  });
});
