// The run engine: from the pipeline, the run's arguments and the observed facts of executable nodes, derive
// every node's phase and what to start or stop now. Pure and level-triggered: the same input gives the same plan.
import type { Component, Dag, JsonValue, Pipeline, Task } from '../model/types.js';
import { outputArtifactUri, taskRootUri } from '../artifacts/keys.js';
import { evaluateCondition } from './cel.js';
import { limits, overLimit } from '../model/limits.js';
import { cacheFingerprint } from './fingerprint.js';
import { parameterTemplates, ResolutionError, resolveTaskInputs, type SiblingResult } from './resolve.js';
import { upstreamOf } from '../model/upstream.js';
import { own } from '../util/own.js';
import {
  isSuccessful,
  isRunTerminal,
  isTerminal,
  type ExecutionFact,
  type LaunchRequest,
  type NodeKind,
  type NodeOutputs,
  type NodePhase,
  type NodeView,
  type PlanInput,
  type PlanResult,
  type ResolvedInputs,
  type RunPhase,
  type RuntimeArtifact,
  type SkipReason,
} from './state.js';
import { coerceParameter } from './values.js';
import { dependencyOrder } from './dag-order.js';
import { coerceItem, collectIterations, loopItems } from './loop-items.js';

interface Eval extends SiblingResult {
  started: boolean;
}

const EMPTY_OUTPUTS = (): NodeOutputs => ({ parameters: {}, artifacts: {} });

export function plan(input: PlanInput): PlanResult {
  return new Planner(input).run();
}

class Planner {
  private readonly nodes: Record<string, NodeView> = {};
  private readonly launch: LaunchRequest[] = [];
  /** Ids in `launch`: looked up per node, so a set (a list search made a large loop quadratic). */
  private readonly stop: PlanResult['stop'] = [];
  private wakeAt: number | undefined;
  private budget: number;
  private readonly startedPrefixes = new Set<string>();
  /** LaunchRequest.platformParameters per executable node, computed where the DAG scope is known. */
  private readonly platformParams = new Map<string, Record<string, JsonValue> | undefined>();
  private readonly now: number;
  private nodeCount = 0;

  constructor(private readonly input: PlanInput) {
    this.now = Date.parse(input.now);
    let running = 0;
    for (const [id, fact] of Object.entries(input.facts)) {
      if (fact.phase === 'Pending' || fact.phase === 'Running') running++;
      if (!id.includes('/')) {
        this.startedPrefixes.add(id);
        continue;
      }
      const parts = id.split('/');
      for (let i = 1; i <= parts.length; i++) this.startedPrefixes.add(parts.slice(0, i).join('/'));
    }
    input.cache?.begin(input.retryBase ?? 0);
    this.budget = input.parallelism && input.parallelism > 0 ? Math.max(0, input.parallelism - running) : Infinity;
    if (input.maxLaunches !== undefined) this.budget = Math.min(this.budget, Math.max(0, input.maxLaunches));
  }

  run(): PlanResult {
    const { pipeline } = this.input;
    const rootScope = this.rootScope(pipeline);
    let root: Eval;
    if ('error' in rootScope) {
      root = { phase: 'Failed', displayName: pipeline.name, message: rootScope.error, started: false };
    } else {
      root = this.evalDag('', pipeline.root, rootScope, false);
    }
    const phase = this.runPhase(root);
    const result: PlanResult = { phase, nodes: this.nodes, launch: this.launch, stop: this.stop };
    const message = phase === 'Failed' || phase === 'Error' ? (this.firstFailure() ?? root.message) : undefined;
    if (message) result.message = message;
    if (phase === 'Cancelled') result.message = 'run cancelled';
    if (this.wakeAt !== undefined && !isRunTerminal(phase)) result.wakeAt = new Date(this.wakeAt).toISOString();
    if (phase === 'Succeeded' && root.outputs) result.outputs = root.outputs;
    return result;
  }

  private rootScope(p: Pipeline): ResolvedInputs | { error: string } {
    const parameters: Record<string, JsonValue> = {};
    for (const [name, def] of Object.entries(p.root.inputs.parameters)) {
      const given = own(this.input.arguments, name);
      const v = given ?? def.default;
      if (v === undefined || v === null) {
        if (!def.optional) return { error: `pipeline parameter "${name}" is required and has no default; pass it as an argument` };
        continue;
      }
      const coerced = coerceParameter(v, def.type);
      if (coerced === undefined) return { error: `pipeline parameter "${name}" expects ${def.type}, got ${JSON.stringify(v)}` };
      parameters[name] = coerced;
    }
    return { parameters, artifacts: {} };
  }

  private runPhase(root: Eval): RunPhase {
    const running = Object.values(this.input.facts).some((f) => f.phase === 'Pending' || f.phase === 'Running');
    if (this.input.cancelRequested) return running ? 'Running' : 'Cancelled';
    if (root.phase === 'Succeeded' || root.phase === 'Failed' || root.phase === 'Error') return root.phase;
    if (root.phase === 'Cached') return 'Succeeded';
    return root.started || this.launch.length > 0 ? 'Running' : 'Pending';
  }

  private firstFailure(): string | undefined {
    const failed = Object.values(this.nodes)
      .filter((n) => (n.phase === 'Failed' || n.phase === 'Error') && n.kind !== 'dag' && n.kind !== 'loop' && n.kind !== 'iteration')
      .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
    const n = failed[0];
    return n ? `task ${n.id} ${n.phase === 'Error' ? 'errored' : 'failed'}: ${n.message ?? 'no message'}` : undefined;
  }

  private component(name: string): Component {
    const c = own(this.input.pipeline.components, name);
    if (!c) throw new ResolutionError(`unknown component ${name}`);
    return c;
  }

  private setNode(view: NodeView): void {
    // Tasks (× loop iterations) count toward the run's limit; an iteration's own node is bookkeeping (a 100 × 100
    // loop of loops is 10,000 tasks, not 20,201 nodes).
    if (!Object.hasOwn(this.nodes, view.id) && view.kind !== 'iteration') this.nodeCount++;
    this.nodes[view.id] = view;
  }

  /** Evaluates every task of a DAG in dependency order and derives the DAG's own phase and outputs. */
  private evalDag(prefix: string, comp: Component, scope: ResolvedInputs, hold: boolean): Eval {
    const dag = (comp.implementation as { dag: Dag }).dag;
    const results = new Map<string, Eval>();
    const visiting = new Set<string>();
    const evalByName = (name: string): Eval | undefined => {
      const done = results.get(name);
      if (done) return done;
      const task = own(dag.tasks, name);
      if (!task || visiting.has(name)) return undefined;
      visiting.add(name);
      const r = this.evalTask(prefix, task, scope, hold, evalByName);
      results.set(name, r);
      return r;
    };
    // In dependency order, so evalByName finds every upstream done and never recurses along a chain.
    for (const name of dependencyOrder(dag)) evalByName(name);
    const evals = [...results.values()];
    const started = evals.some((e) => e.started);
    if (!evals.every((e) => isTerminal(e.phase))) return { phase: started ? 'Running' : 'Pending', displayName: comp.name, started };
    const bad = evals.find((e) => e.phase === 'Failed') ?? evals.find((e) => e.phase === 'Error');
    if (bad) return { phase: bad.phase, displayName: comp.name, started, message: bad.message };
    if (evals.length > 0 && evals.every((e) => e.phase === 'Cancelled' || e.phase === 'Skipped') && evals.some((e) => e.phase === 'Cancelled')) {
      return { phase: 'Cancelled', displayName: comp.name, started };
    }
    return { phase: 'Succeeded', displayName: comp.name, started, outputs: this.dagOutputs(dag, results) };
  }

  private dagOutputs(dag: Dag, results: Map<string, Eval>): NodeOutputs {
    const out = EMPTY_OUTPUTS();
    const pick = <T>(selectors: { task: string; output: string }[], get: (o: NodeOutputs, k: string) => T | undefined): T | undefined => {
      for (const s of selectors) {
        const r = results.get(s.task);
        const v = r && isSuccessful(r.phase) && r.outputs ? get(r.outputs, s.output) : undefined;
        if (v !== undefined) return v;
      }
      return undefined;
    };
    for (const [name, sel] of Object.entries(dag.outputs.parameters)) {
      const v = pick(sel, (o, k) => own(o.parameters, k));
      if (v !== undefined) out.parameters[name] = v;
    }
    for (const [name, sel] of Object.entries(dag.outputs.artifacts)) {
      const v = pick(sel, (o, k) => own(o.artifacts, k));
      if (v !== undefined) out.artifacts[name] = v;
    }
    return out;
  }

  private evalTask(prefix: string, task: Task, scope: ResolvedInputs, hold: boolean, sibling: (n: string) => Eval | undefined): Eval {
    const id = prefix ? `${prefix}/${task.name}` : task.name;
    const base = { id, task: task.name, displayName: task.displayName, ...(prefix ? { parent: prefix } : {}) };
    let comp: Component;
    try {
      comp = this.component(task.component);
    } catch (e) {
      return this.record({ ...base, kind: 'container', phase: 'Error', message: (e as Error).message }, false);
    }
    const kind = nodeKind(this.input.pipeline, comp, task);
    const { fact, settled } = this.fromCache(id, kind);
    if (settled) return settled;
    const ups = upstreamOf(task).map((n) => [n, sibling(n)] as const);
    if (ups.some(([, u]) => !u || !isTerminal(u.phase))) {
      if (this.input.cancelRequested) return this.skip(base, kind, comp, 'RunCancelled', 'run cancelled before the task started');
      return this.pending(base, kind, comp);
    }
    if (this.input.cancelRequested && !this.startedPrefixes.has(id)) {
      return this.skip(base, kind, comp, 'RunCancelled', 'run cancelled before the task started');
    }
    if (task.triggerStrategy === 'ALL_UPSTREAM_TASKS_SUCCEEDED') {
      const failed = ups.find(([, u]) => u!.phase === 'Failed' || u!.phase === 'Error');
      if (failed) return this.skip(base, kind, comp, 'UpstreamFailed', `upstream task ${failed[0]} failed`);
      const skipped = ups.find(([, u]) => u!.phase === 'Skipped' || u!.phase === 'Cancelled');
      if (skipped) return this.skip(base, kind, comp, 'UpstreamSkipped', `upstream task ${skipped[0]} was ${skipped[1]!.phase.toLowerCase()}`);
    }
    // Started: its upstream had ended, so its inputs are final and its condition held (plan-cache.ts).
    const kept = fact && fact.phase !== 'Failed' && fact.phase !== 'Error' ? this.input.cache!.inputsOf(id) : undefined;
    if (kept) {
      this.platformParams.set(id, kept.platform);
      return this.evalExecutable({ ...base, inputs: kept.inputs.parameters }, task, comp, kept.inputs, hold);
    }
    let inputs: ResolvedInputs;
    try {
      inputs = resolveTaskInputs(task, comp, { scope, siblings: sibling, runName: this.input.run.name });
    } catch (e) {
      return this.record({ ...base, kind, phase: 'Error', message: (e as Error).message, finishedAt: this.input.now }, false);
    }
    const shown = { ...base, inputs: inputs.parameters };
    if (task.condition) {
      let ok: boolean;
      try {
        ok = evaluateCondition(task.condition, inputs.parameters);
      } catch (e) {
        return this.record({ ...shown, kind, phase: 'Error', message: (e as Error).message, finishedAt: this.input.now }, false);
      }
      if (!ok) return this.skip(shown, kind, comp, 'ConditionFalse', `condition \`${task.condition.expression}\` was false`);
    }
    switch (kind) {
      case 'importer':
        return this.evalImporter(shown, comp, inputs);
      case 'container': {
        const platform = this.platformParameters(comp, scope, sibling);
        this.platformParams.set(id, platform);
        this.input.cache?.keepInputs(id, inputs, platform);
        return this.evalExecutable(shown, task, comp, inputs, hold);
      }
      case 'loop':
        return this.evalLoop(shown, task, comp, inputs, hold);
      default: {
        const r = this.evalDag(id, comp, inputs, hold);
        return this.record({ ...shown, kind: 'dag', phase: r.phase, message: r.message, outputs: r.outputs }, r.started, r);
      }
    }
  }

  /**
   * A container task's fact when the plan has a cache, and its result when it settled since the last plan with the
   * same fact: its upstream ended before it started (plan-cache.ts). A running one is stopped by a cancel, so it is
   * evaluated again then.
   */
  private fromCache(id: string, kind: NodeKind): { fact?: ExecutionFact; settled?: Eval } {
    const cache = this.input.cache;
    const fact = kind === 'container' && cache ? own(this.input.facts, id) : undefined;
    if (!fact) return {};
    const s = cache!.settledOf(id, fact);
    if (!s || (this.input.cancelRequested && s.view.phase === 'Running')) return { fact };
    this.setNode(s.view);
    return { fact, settled: s.result };
  }

  /** Running with no timeout of its own: nothing but a new fact or a cancel changes its plan. */
  private steady(fact: ExecutionFact, task: Task): boolean {
    return fact.phase === 'Running' && !task.timeoutSeconds && !this.input.cancelRequested;
  }

  private record(view: NodeView, started: boolean, extra?: Partial<Eval>): Eval {
    const clean = stripUndefined(view);
    this.setNode(clean);
    return { phase: view.phase, displayName: view.displayName, outputs: view.outputs ?? extra?.outputs, message: view.message, started };
  }

  /** record(), kept for the next plan while the fact says the same: the node's view cannot change until it does. */
  private settle(view: NodeView, fact: ExecutionFact): Eval {
    const result = this.record(view, true);
    this.input.cache?.keepSettled(view.id, fact, this.nodes[view.id]!, result);
    return result;
  }

  /** A node that will not run, and every node inside it. */
  private skip(base: Omit<NodeView, 'kind' | 'phase'>, kind: NodeKind, comp: Component, reason: SkipReason, message: string): Eval {
    this.materialize(base.id, comp, { phase: 'Skipped', reason, message });
    return this.record({ ...base, kind, phase: 'Skipped', reason, message }, false);
  }

  private pending(base: Omit<NodeView, 'kind' | 'phase'>, kind: NodeKind, comp: Component): Eval {
    this.materialize(base.id, comp, { phase: 'Pending' });
    return this.record({ ...base, kind, phase: 'Pending' }, false);
  }

  /** Shows the tasks inside a DAG that has not started (or never will), so totals and skip reasons are visible. */
  private materialize(id: string, comp: Component, state: Pick<NodeView, 'phase' | 'reason' | 'message'>): void {
    if (comp.implementation.kind !== 'dag') return;
    for (const t of Object.values(comp.implementation.dag.tasks)) {
      const c = own(this.input.pipeline.components, t.component);
      if (!c) continue;
      const childId = `${id}/${t.name}`;
      this.setNode(stripUndefined({ id: childId, task: t.name, displayName: t.displayName, parent: id, kind: nodeKind(this.input.pipeline, c, t), ...state }));
      if (!t.loop) this.materialize(childId, c, state);
    }
  }

  private evalImporter(base: Omit<NodeView, 'kind' | 'phase'>, comp: Component, inputs: ResolvedInputs): Eval {
    const label = comp.implementation.kind === 'executor' ? comp.implementation.executor : '';
    const ex = own(this.input.pipeline.executors, label);
    if (ex?.kind !== 'importer') return this.record({ ...base, kind: 'importer', phase: 'Error', message: `executor ${label} is not an importer` }, false);
    const uri = ex.uri.kind === 'constant' ? ex.uri.value : own(inputs.parameters, ex.uri.name);
    if (typeof uri !== 'string' || uri === '') {
      return this.record({ ...base, kind: 'importer', phase: 'Error', message: 'importer has no artifact URI' }, false);
    }
    // The mode's check (the local runner: oci://; the controller: tenancy, modelcar images). A constant URI the
    // local runner cannot read was refused at load time already.
    const unsupported = this.input.checkImportUri?.(uri);
    if (unsupported) {
      const input = ex.uri.kind === 'input' ? ` (from input '${ex.uri.name}')` : '';
      return this.record({ ...base, kind: 'importer', phase: 'Failed', message: `importer${input}: ${unsupported.message}; fix: ${unsupported.fix}` }, false);
    }
    const metadata = resolveMetadataPlaceholders(ex.metadata, inputs.parameters);
    const artifact: RuntimeArtifact = { name: 'artifact', uri, type: ex.type, metadata };
    const outputs = { parameters: {}, artifacts: { artifact: [artifact] } };
    return this.record({ ...base, kind: 'importer', phase: 'Succeeded', outputs }, true);
  }

  /** See LaunchRequest.platformParameters. */
  private platformParameters(comp: Component, scope: ResolvedInputs, sibling: (n: string) => Eval | undefined): Record<string, JsonValue> | undefined {
    const label = comp.implementation.kind === 'executor' ? comp.implementation.executor : '';
    const cfg = own(this.input.pipeline.platform.executors, label);
    if (!cfg) return undefined;
    const out: Record<string, JsonValue> = {};
    const walk = (v: JsonValue): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      const input = v.componentInputParameter;
      if (typeof input === 'string' && own(scope.parameters, input) !== undefined) out[input] = own(scope.parameters, input)!;
      const tp = v.taskOutputParameter;
      if (tp && typeof tp === 'object' && !Array.isArray(tp) && typeof tp.producerTask === 'string' && typeof tp.outputParameterKey === 'string') {
        const value = own(sibling(tp.producerTask)?.outputs?.parameters ?? {}, tp.outputParameterKey);
        if (value !== undefined) out[`${tp.producerTask}.${tp.outputParameterKey}`] = value;
      }
      Object.values(v).forEach(walk);
    };
    walk(cfg);
    return Object.keys(out).length ? out : undefined;
  }

  private evalExecutable(base: Omit<NodeView, 'kind' | 'phase'>, task: Task, comp: Component, inputs: ResolvedInputs, hold: boolean): Eval {
    const round = this.input.retryBase ?? 0;
    let fact: ExecutionFact | undefined = own(this.input.facts, base.id);
    // A run retried in place: an earlier round's ended attempt that did not succeed is forgotten.
    if (fact && fact.attempt <= round && !isSuccessful(fact.phase as NodePhase) && isTerminal(fact.phase as NodePhase)) fact = undefined;
    const view: NodeView = { ...base, kind: 'container', phase: 'Pending' };
    if (!fact) {
      // (Not a scan of this.launch per node: that made a 10,000-task fan-out quadratic.)
      return this.record(view, !hold && this.tryLaunch(view, task, comp, inputs, round + 1));
    }
    Object.assign(view, stripUndefined({ attempt: fact.attempt, startedAt: fact.startedAt, finishedAt: fact.finishedAt, message: fact.message }));
    if (fact.phase === 'Pending' || fact.phase === 'Running') {
      view.phase = fact.phase;
      if (this.input.cancelRequested) this.stop.push({ nodeId: base.id, reason: 'run cancelled' });
      else if (!this.checkPending(base.id, fact)) this.checkTimeout(base.id, task, fact);
      return this.steady(fact, task) ? this.settle(view, fact) : this.record(view, true);
    }
    if (fact.phase === 'Succeeded' || fact.phase === 'Cached' || fact.phase === 'Cancelled') {
      view.phase = fact.phase;
      if (fact.outputs) view.outputs = fact.outputs;
      return this.settle(view, fact);
    }
    return this.afterFailure(view, task, comp, inputs, fact, hold);
  }

  /** An attempt that failed or errored: the next one after its backoff while retries are left, else the end. */
  // eslint-disable-next-line max-params
  private afterFailure(view: NodeView, task: Task, comp: Component, inputs: ResolvedInputs, fact: ExecutionFact, hold: boolean): Eval {
    const round = this.input.retryBase ?? 0;
    const retry = task.retry;
    // Attempts of this round only (a run retried in place gives each task its whole budget again).
    const tries = fact.attempt - (fact.attempt > round ? round : 0);
    if (retry && tries <= retry.maxRetries && !this.input.cancelRequested) {
      const delay = Math.min(retry.backoffSeconds * retry.backoffFactor ** (tries - 1), retry.maxBackoffSeconds);
      const due = Date.parse(fact.finishedAt ?? this.input.now) + delay * 1000;
      view.message = `attempt ${fact.attempt} ${fact.phase === 'Error' ? 'errored' : 'failed'} (${fact.message ?? 'no message'}); retrying`;
      if (due <= this.now && !hold) this.tryLaunch(view, task, comp, inputs, fact.attempt + 1);
      else this.wakeAt = Math.min(this.wakeAt ?? Infinity, due);
      return this.record(view, true);
    }
    view.phase = fact.phase;
    return this.record(view, true);
  }

  private tryLaunch(view: NodeView, task: Task, comp: Component, inputs: ResolvedInputs, attempt: number): boolean {
    if (this.budget <= 0 || comp.implementation.kind !== 'executor') return false;
    this.budget--;
    const { run } = this.input;
    const artifacts: LaunchRequest['outputs']['artifacts'] = {};
    for (const [name, def] of Object.entries(comp.outputs.artifacts)) artifacts[name] = { uri: outputArtifactUri(run, view.id, name), type: def.type };
    const parameters: LaunchRequest['outputs']['parameters'] = {};
    for (const [name, def] of Object.entries(comp.outputs.parameters)) parameters[name] = { type: def.type };
    const req: LaunchRequest = {
      nodeId: view.id,
      taskName: task.name,
      displayName: task.displayName,
      attempt,
      componentName: comp.name,
      executorLabel: comp.implementation.executor,
      inputs,
      outputs: { parameters, artifacts },
      taskRoot: taskRootUri(run, view.id),
    };
    if (task.timeoutSeconds) req.timeoutSeconds = task.timeoutSeconds;
    const templates = parameterTemplates(task);
    if (Object.keys(templates).length) req.templates = templates;
    const platformParameters = this.platformParams.get(view.id);
    if (platformParameters) req.platformParameters = platformParameters;
    // CreatePVC / DeletePVC act on the cluster: reusing an earlier run's result would skip the act.
    const executor = own(this.input.pipeline.executors, comp.implementation.executor);
    const sideEffect = executor?.kind === 'container' && executor.platformOp !== undefined;
    if (task.caching.enabled && this.input.enableCaching !== false && !sideEffect) {
      req.cacheFingerprint = cacheFingerprint(this.input.pipeline, comp, task, inputs, run.namespace);
    }
    this.launch.push(req);
    return true;
  }

  /** Stops a task stuck pending past the deadline (true when stopped); else wakes the run at the deadline. */
  private checkPending(id: string, fact: ExecutionFact): boolean {
    const limit = this.input.pendingDeadlineSeconds;
    if (fact.phase !== 'Pending' || !fact.stuckSince || !limit) return false;
    const deadline = Date.parse(fact.stuckSince) + limit * 1000;
    if (Number.isNaN(deadline)) return false;
    if (deadline > this.now) {
      this.wakeAt = Math.min(this.wakeAt ?? Infinity, deadline);
      return false;
    }
    this.stop.push({ nodeId: id, reason: `did not start within the pending deadline of ${limit}s: ${fact.message ?? 'its pod stayed pending'}` });
    return true;
  }

  private checkTimeout(id: string, task: Task, fact: ExecutionFact): void {
    if (!task.timeoutSeconds || !fact.startedAt) return;
    const deadline = Date.parse(fact.startedAt) + task.timeoutSeconds * 1000;
    if (deadline <= this.now) this.stop.push({ nodeId: id, reason: `timed out after ${task.timeoutSeconds}s` });
    else this.wakeAt = Math.min(this.wakeAt ?? Infinity, deadline);
  }

  /** Why expanding a loop would exceed the loop-item or nodes-per-run limit (model/limits.ts), if it would. */
  private overLimits(count: number, body: Component): string | undefined {
    const lim = limits();
    if (count > lim.loopItems) return `the loop has ${count} items; ${overLimit('loopItems', lim.loopItems)}`;
    const perItem = body.implementation.kind === 'dag' ? Object.keys(body.implementation.dag.tasks).length : 1;
    const total = this.nodeCount + count * perItem;
    if (total > lim.tasks) return `the loop's ${count} items make the run at least ${total} tasks; ${overLimit('tasks', lim.tasks)}`;
    return undefined;
  }

  private evalLoop(base: Omit<NodeView, 'kind' | 'phase'>, task: Task, comp: Component, inputs: ResolvedInputs, hold: boolean): Eval {
    const loop = task.loop!;
    const items = loopItems(loop.items, inputs);
    // The run's message is the loop's: it names the task, as a task's failure does.
    if (typeof items === 'string') return this.record({ ...base, kind: 'loop', phase: 'Error', message: `task ${base.id}: ${items}`, finishedAt: this.input.now }, false);
    const tooMany = this.overLimits(items.length, comp);
    if (tooMany) return this.record({ ...base, kind: 'loop', phase: 'Error', message: `task ${base.id}: ${tooMany}`, finishedAt: this.input.now }, false);
    const limit = loop.parallelism ?? Infinity;
    let active = 0;
    const iterations: Eval[] = [];
    items.forEach((item, i) => {
      const iterId = `${base.id}[${i}]`;
      const scope: ResolvedInputs = { parameters: { ...inputs.parameters }, artifacts: { ...inputs.artifacts } };
      if (loop.items.kind === 'artifacts') scope.artifacts[loop.itemInput] = [item as unknown as RuntimeArtifact];
      else scope.parameters[loop.itemInput] = coerceItem(item as JsonValue, comp, loop.itemInput);
      const wasStarted = this.startedPrefixes.has(iterId);
      const r = this.evalDag(iterId, comp, scope, hold || (!wasStarted && active >= limit));
      if (r.started && !isTerminal(r.phase)) active++;
      iterations.push(r);
      this.record({ id: iterId, task: `${task.name}[${i}]`, displayName: `${task.displayName} #${i}`, parent: base.id, kind: 'iteration', phase: r.phase, message: r.message, outputs: r.outputs }, r.started, r);
    });
    const started = iterations.some((r) => r.started);
    let phase: NodePhase = started ? 'Running' : 'Pending';
    let message: string | undefined;
    let outputs: NodeOutputs | undefined;
    if (iterations.every((r) => isTerminal(r.phase))) {
      const bad = iterations.find((r) => r.phase === 'Failed') ?? iterations.find((r) => r.phase === 'Error');
      phase = bad ? bad.phase : 'Succeeded';
      message = bad?.message;
      if (!bad) outputs = collectIterations(comp, iterations);
    }
    return this.record({ ...base, kind: 'loop', phase, message, outputs }, started, { outputs });
  }
}

function nodeKind(p: Pipeline, comp: Component, task: Task): NodeKind {
  if (comp.implementation.kind === 'dag') return task.loop ? 'loop' : 'dag';
  return own(p.executors, comp.implementation.executor)?.kind === 'importer' ? 'importer' : 'container';
}

function stripUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

const META_PLACEHOLDER = /\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}/g;

function resolveMetadataPlaceholders(meta: Record<string, JsonValue>, params: Record<string, JsonValue>): Record<string, JsonValue> {
  const sub = (s: string): JsonValue => {
    const whole = /^\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}$/.exec(s);
    if (whole) return params[whole[1]!] ?? s;
    return s.replace(META_PLACEHOLDER, (m, n: string) => {
      const v = own(params, n);
      return v === undefined ? m : typeof v === 'string' ? v : JSON.stringify(v);
    });
  };
  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') return sub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [String(sub(k)), walk(x)]));
    return v;
  };
  return walk(meta) as Record<string, JsonValue>;
}
