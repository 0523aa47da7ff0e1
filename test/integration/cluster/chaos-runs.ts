// Seeded PipelineRuns for the chaos test, each described as a small arithmetic pipeline: every task writes the sum
// of its inputs plus its own constant `k`. The same description gives the native spec the controller runs and the
// result it must reach (`expectedOf`), so nothing is tabled by hand.

export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

export interface TaskDesc {
  name: string;
  k: number;
  /** Upstream tasks whose output parameter `v` is added. */
  from: string[];
  /** Adds the run parameter `base`. */
  base?: boolean;
  /** Adds the number in this upstream task's artifact `d`. */
  artifactFrom?: string;
  /** Also writes its value into an output artifact `d`. */
  artifactOut?: boolean;
  /** Runs only if upstream `from[0]`'s value is greater than this. */
  whenGt?: number;
  /** Always exits 3; retried this many times. */
  failRetries?: number;
  /** Runs once per item: value = item + k. */
  loop?: number[];
  dependsOn?: string[];
}

export interface RunDesc { name: string; kind: string; base: number; tasks: TaskDesc[] }

export const KINDS = ['chain', 'fanout', 'condition', 'retry', 'loop', 'artifacts'] as const;

/** Run i of a seeded mix: the first six cover every kind, the rest are drawn. */
export function makeRun(r: () => number, i: number): RunDesc {
  const kind = i < KINDS.length ? KINDS[i]! : KINDS[int(r, 0, KINDS.length - 1)]!;
  const base = int(r, 0, 20);
  const k = (): number => int(r, 1, 9);
  const t = (name: string, rest: Partial<TaskDesc> = {}): TaskDesc => ({ name, k: k(), from: [], ...rest });
  let tasks: TaskDesc[];
  switch (kind) {
    case 'chain': {
      const n = int(r, 2, 4);
      tasks = Array.from({ length: n }, (_, j) => t(`c${j}`, j === 0 ? { base: true } : { from: [`c${j - 1}`] }));
      break;
    }
    case 'fanout': {
      const n = int(r, 2, 3);
      const branches = Array.from({ length: n }, (_, j) => t(`b${j}`, { from: ['src'] }));
      tasks = [t('src', { base: true }), ...branches, t('join', { from: branches.map((b) => b.name) })];
      break;
    }
    case 'condition':
      // base is 0..20, the threshold 5..15: either branch happens across seeds.
      tasks = [t('src', { base: true }), t('gate', { from: ['src'], whenGt: int(r, 5, 25) }), t('after', { from: ['gate'] })];
      break;
    case 'retry':
      tasks = [t('ok', { base: true }), t('flaky', { from: ['ok'], failRetries: int(r, 1, 2) })];
      break;
    case 'loop':
      tasks = [t('pre', { base: true }), t('each', { loop: Array.from({ length: int(r, 2, 4) }, () => int(r, 0, 50)), dependsOn: ['pre'] }), t('post', { from: ['pre'], dependsOn: ['each'] })];
      break;
    default:
      tasks = [t('make', { base: true, artifactOut: true }), t('use', { artifactFrom: 'make', from: ['make'] })];
  }
  return { name: `chaos-${i}-${kind}`, kind, base, tasks };
}

// Each task's command: values as arguments, never spliced into the script.
const SUM = 'out=$1; art=$2; shift 2; s=0; for v in "$@"; do s=$((s + v)); done; '
  + 'if [ -n "$ART_IN" ]; then s=$((s + $(cat "$ART_IN"))); fi; printf %s "$s" > "$out"; if [ "$art" != - ]; then printf %s "$s" > "$art"; fi';

/** The native pipelineSpec of a run description. */
export function nativeSpec(run: RunDesc): Record<string, unknown> {
  const tasks = run.tasks.map((d) => {
    const params: Record<string, unknown>[] = d.from.map((u, j) => ({ name: `i${j}`, from: `tasks.${u}.outputs.parameters.v` }));
    if (d.base) params.push({ name: 'base', from: 'params.base' });
    const values = [...d.from.map((_, j) => `{{inputs.parameters.i${j}}}`), ...(d.base ? ['{{inputs.parameters.base}}'] : [])];
    const task: Record<string, unknown> = {
      name: d.name, image: 'busybox', cache: false,
      outputs: { parameters: [{ name: 'v', type: 'integer' }], ...(d.artifactOut ? { artifacts: [{ name: 'd', type: 'Dataset' }] } : {}) },
    };
    if (d.failRetries !== undefined) {
      Object.assign(task, { command: ['sh', '-c', 'exit 3'], retries: { limit: d.failRetries, backoff: '1s' } });
      delete task.outputs;
    } else if (d.loop) {
      Object.assign(task, { command: ['sh', '-c', SUM, 'sum', '{{outputs.parameters.v.path}}', '-', String(d.k), '{{inputs.parameters.item}}'],
        loop: { items: d.loop, as: 'item', type: 'integer' } });
    } else {
      task.command = ['sh', '-c', SUM, 'sum', '{{outputs.parameters.v.path}}', d.artifactOut ? '{{outputs.artifacts.d.path}}' : '-', String(d.k), ...values];
    }
    if (d.artifactFrom) {
      task.inputs = { artifacts: [{ name: 'd', from: `tasks.${d.artifactFrom}.outputs.artifacts.d` }] };
      task.env = [{ name: 'ART_IN', value: '{{inputs.artifacts.d.path}}' }];
    }
    if (params.length) task.inputs = { ...(task.inputs as object | undefined), parameters: params };
    if (d.whenGt !== undefined) task.when = `inputs.i0 > ${d.whenGt}`;
    if (d.dependsOn) task.dependsOn = d.dependsOn;
    return task;
  });
  return { params: [{ name: 'base', type: 'integer', default: run.base }], tasks };
}

export interface ExpectedNode { phase: 'Succeeded' | 'Failed' | 'Skipped'; value?: number; attempts?: number }
export interface Expected { phase: 'Succeeded' | 'Failed'; nodes: Record<string, ExpectedNode>; artifacts: Record<string, number> }

/** What the run must end with: node phases by node id (loop iterations as `task[i]/task`), values, attempts. */
export function expectedOf(run: RunDesc): Expected {
  const nodes: Record<string, ExpectedNode> = {};
  const artifacts: Record<string, number> = {};
  const value = (name: string): number => nodes[name]!.value!;
  for (const d of run.tasks) {
    const ups = [...d.from, ...(d.artifactFrom ? [d.artifactFrom] : []), ...(d.dependsOn ?? [])];
    if (ups.some((u) => nodes[u]!.phase !== 'Succeeded')) { nodes[d.name] = { phase: 'Skipped' }; continue; }
    if (d.whenGt !== undefined && !(value(d.from[0]!) > d.whenGt)) { nodes[d.name] = { phase: 'Skipped' }; continue; }
    if (d.failRetries !== undefined) { nodes[d.name] = { phase: 'Failed', attempts: d.failRetries + 1 }; continue; }
    if (d.loop) {
      d.loop.forEach((item, i) => { nodes[`${d.name}[${i}]/${d.name}`] = { phase: 'Succeeded', value: item + d.k, attempts: 1 }; });
      nodes[d.name] = { phase: 'Succeeded' };
      continue;
    }
    const v = d.from.reduce((s, u) => s + value(u), 0) + (d.base ? run.base : 0) + (d.artifactFrom ? artifacts[d.artifactFrom]! : 0) + d.k;
    nodes[d.name] = { phase: 'Succeeded', value: v, attempts: 1 };
    if (d.artifactOut) artifacts[d.name] = v;
  }
  const phase = Object.values(nodes).some((n) => n.phase === 'Failed') ? 'Failed' : 'Succeeded';
  return { phase, nodes, artifacts };
}

/** A seeded order of faults: each component once in a shuffled first round, then drawn. */
export function faultPlan<T>(r: () => number, components: readonly T[], kills: number): { component: T; afterMs: number; downMs: number }[] {
  const first = [...components];
  for (let i = first.length - 1; i > 0; i--) {
    const j = int(r, 0, i);
    [first[i], first[j]] = [first[j]!, first[i]!];
  }
  return Array.from({ length: kills }, (_, i) => ({
    component: i < first.length ? first[i]! : components[int(r, 0, components.length - 1)]!,
    afterMs: int(r, 300, 2500),
    downMs: int(r, 100, 1500),
  }));
}
