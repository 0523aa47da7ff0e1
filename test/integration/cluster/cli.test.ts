// The cluster CLI against the real kube-apiserver with a controller running: submit (file, exported manifest,
// Pipeline name), watch, list, get, logs, cancel, delete, export, and the errors a person acts on (not found with
// similar names, RBAC denied with the verb and resource). Commands run in-process on captured streams; the live
// terminal behaviour of `watch` and `logs -f` is in cli-pty.test.ts.
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { PipelineRunObject } from '../../../src/controller/types.js';
import { CliError, EXIT } from '../../../src/cli/cluster/errors.js';
import type { CommandIo } from '../../../src/cli/cluster/options.js';
import { cancelCommand } from '../../../src/cli/commands/cancel.js';
import { deleteCommand } from '../../../src/cli/commands/delete.js';
import { exportCommand } from '../../../src/cli/commands/export.js';
import { getCommand } from '../../../src/cli/commands/get.js';
import { listCommand } from '../../../src/cli/commands/list.js';
import { logsCommand } from '../../../src/cli/commands/logs.js';
import { retryCommand } from '../../../src/cli/commands/retry.js';
import { submitCommand } from '../../../src/cli/commands/submit.js';
import { watchCommand } from '../../../src/cli/commands/watch.js';
import { clusterState, createNamespace, kubectl, kubectlOk, waitUntil } from './helpers.js';
import { getRun, installCrds, prepareNamespaceForRuns, startTestController } from './operator.js';
import { serviceAccountKubeconfig } from './rbac.js';
import { twoSteps } from './cli-pipelines.js';

jest.setTimeout(300_000);

let ns: { name: string; remove: () => Promise<void> };
let controller: ControllerHandle;
const work = mkdtempSync(join(tmpdir(), 'pw-cli-'));

interface Out { code: number; out: string; err: string }

function io(): { io: CommandIo; out: () => string; err: () => string } {
  const o = new PassThrough();
  const e = new PassThrough();
  let out = '';
  let err = '';
  o.on('data', (b: Buffer) => (out += b.toString()));
  e.on('data', (b: Buffer) => (err += b.toString()));
  return { io: { stdout: o, stderr: e, env: {} }, out: () => out, err: () => err };
}

/** Runs a command body as the CLI does: a CliError is its exit code and message. */
async function cli(f: (io: CommandIo) => Promise<number>): Promise<Out> {
  const c = io();
  try {
    return { code: await f(c.io), out: c.out(), err: c.err() };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, out: c.out(), err: e.message };
    throw e;
  }
}

const flags = (): { kubeconfig: string; namespace: string } => ({ kubeconfig: clusterState().kubeconfig, namespace: ns.name });
const file = (name: string, text: string): string => {
  const f = join(work, name);
  writeFileSync(f, text);
  return f;
};

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('cli');
  await prepareNamespaceForRuns(ns.name);
  controller = await startTestController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('a run from submit to delete', () => {
  const pipeline = (): string => file('two.json', twoSteps('Two Steps'));

  it('submit checks and types the arguments; watch follows it to Succeeded (exit 0); list, get, logs and export show it', async () => {
    const bad = await cli((o) => submitCommand(pipeline(), { ...flags(), arg: ['n=three'], label: [] }, o)).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/argument "n" expects int/);

    const sub = await cli((o) => submitCommand(pipeline(), { ...flags(), arg: ['n=3'], label: ['team=a'], name: 'cli-ok', experiment: 'cli experiments' }, o));
    expect(sub).toEqual({ code: 0, out: `pipelinerun/cli-ok created in namespace ${ns.name}\n`, err: '' });
    const created = await getRun(ns.name, 'cli-ok');
    expect(created.spec?.arguments).toEqual({ n: 3 });
    // --experiment: filed under the experiment kfp.Client and the UI list (its ConfigMap, created on first use).
    const exp = JSON.parse(await kubectlOk(['get', 'configmap', '-n', ns.name, '-l', 'pipewright.dev/experiment=true', '-o', 'json'])) as { items: { metadata: { uid: string }; data: { displayName: string } }[] };
    expect(exp.items.map((c) => c.data.displayName)).toEqual(['cli experiments']);
    expect(created.metadata?.labels).toEqual({ team: 'a', 'pipewright.dev/experiment-id': exp.items[0]!.metadata.uid });

    const watched = await cli((o) => watchCommand('cli-ok', flags(), o));
    expect(watched.code).toBe(0);
    const lines = watched.out.trim().split('\n').map((l) => l.slice(9));
    expect(lines).toEqual(expect.arrayContaining(['one Succeeded', 'two Succeeded', 'run cli-ok Succeeded 2/2']));
    expect(lines.indexOf('one Succeeded')).toBeLessThan(lines.indexOf('two Succeeded'));

    const list = await cli((o) => listCommand(flags(), o));
    expect(list.out.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+PROGRESS\s+AGE\s+DURATION\s+MESSAGE$/);
    expect(list.out).toMatch(/^cli-ok\s+Succeeded\s+2\/2\s+\S+\s+\S+/m);
    expect((await cli((o) => listCommand({ ...flags(), phase: ['failed'] }, o))).out).not.toContain('cli-ok');
    const all = await cli((o) => listCommand({ ...flags(), allNamespaces: true, output: 'wide' }, o));
    expect(all.out).toMatch(new RegExp(`^${ns.name}\\s+cli-ok\\s+Succeeded\\s+.*Two Steps`, 'm'));
    const json = JSON.parse((await cli((o) => listCommand({ ...flags(), output: 'json' }, o))).out) as { items: PipelineRunObject[] };
    expect(json.items.map((r) => r.metadata?.name)).toContain('cli-ok');

    const get = await cli((o) => getCommand('cli-ok', flags(), o));
    expect(get.out).toMatch(/^Phase:\s+Succeeded$/m);
    expect(get.out).toMatch(/^Arguments:\s+n=3$/m);
    expect(get.out).toMatch(/^✔ one\s+Succeeded\s+\d+s/m);
    expect(get.out).toMatch(/^✔ two\s+Succeeded\s+\d+s/m);
    expect(get.out).toContain('one.seven = 7');

    const logs = await cli((o) => logsCommand('cli-ok', undefined, flags(), o));
    expect(logs.out.split('\n')).toEqual(expect.arrayContaining(['one | start-one', 'one | end-one', 'two | two says 3']));
    expect((await cli((o) => logsCommand('cli-ok', 'two', flags(), o))).out).toBe('two says 3\n');
    const typo = await cli((o) => logsCommand('cli-ok', 'tow', flags(), o));
    expect(typo).toMatchObject({ code: EXIT.notFound, err: expect.stringMatching(/no task "tow" with a pod; did you mean: two\?/) });

    const exported = await cli((o) => exportCommand('cli-ok', flags(), o));
    const manifest = parse(exported.out) as PipelineRunObject;
    expect(manifest.metadata).toEqual({ name: 'cli-ok', labels: created.metadata?.labels }); // its experiment too
    expect(manifest.status?.phase).toBe('Succeeded');
    // Submitted again under another name, it runs the same pipeline with the same arguments.
    const again = await cli((o) => submitCommand(file('exported.yaml', exported.out), { ...flags(), arg: [], label: [], name: 'cli-again', watch: true }, o));
    expect(again.code).toBe(0);
    expect((await getRun(ns.name, 'cli-again')).spec).toEqual(created.spec);

    expect(await cli((o) => deleteCommand(['cli-ok', 'cli-again'], flags(), o))).toMatchObject({ code: 0, out: 'pipelinerun/cli-ok deleted\npipelinerun/cli-again deleted\n' });
    await waitUntil('cli-ok gone', async () => (await kubectl(['get', 'pipelinerun', 'cli-ok', '-n', ns.name])).code !== 0, 30_000);
  });

  it('a failing run: watch exits 1 and get shows the reason', async () => {
    const sub = await cli((o) => submitCommand(pipeline(), { ...flags(), arg: ['n=1', 'fail=true'], label: [], generateName: 'cli-fail-', output: 'name' }, o));
    const name = sub.out.trim().replace('pipelinerun/', '');
    expect(name).toMatch(/^cli-fail-[a-z0-9]{5}$/);
    expect((await cli((o) => watchCommand(name, flags(), o))).code).toBe(EXIT.failed);
    const get = await cli((o) => getCommand(name, flags(), o));
    expect(get.out).toMatch(/^✖ two\s+Failed\s+\d+s\s+.*exit code 3/m);
    expect((await cli((o) => listCommand({ ...flags(), phase: ['Failed'] }, o))).out).toContain(name);
  });

  it('cancel stops a running run (watch exits 3); a Pipeline is submitted by name', async () => {
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({
      apiVersion: 'pipewright.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'slow' }, spec: { pipelineYAML: twoSteps('slow', 120) },
    }));
    const sub = await cli((o) => submitCommand('slow', { ...flags(), arg: ['n=1'], label: [], name: 'cli-cancel' }, o));
    expect(sub.code).toBe(0);
    expect((await getRun(ns.name, 'cli-cancel')).spec?.pipelineRef).toEqual({ name: 'slow' });
    await waitUntil('task one running', async () => (await getRun(ns.name, 'cli-cancel')).status?.nodes?.one?.phase === 'Running', 60_000);
    const watching = cli((o) => watchCommand('cli-cancel', flags(), o));
    expect(await cli((o) => cancelCommand(['cli-cancel'], flags(), o))).toEqual({ code: 0, out: 'pipelinerun/cli-cancel cancel requested\n', err: '' });
    const w = await watching;
    expect(w.code).toBe(EXIT.cancelled);
    expect(w.out).toMatch(/run cli-cancel Cancelled/);
    expect((await cli((o) => cancelCommand(['cli-cancel'], flags(), o))).out).toBe('pipelinerun/cli-cancel already finished (Cancelled): nothing to cancel\n');

    // retry: the cancelled run runs again in place (spec.retry), then a retry of a running run is refused.
    expect(await cli((o) => retryCommand(['cli-cancel'], flags(), o))).toEqual({ code: 0, out: 'pipelinerun/cli-cancel retry requested (round 1): failed, cancelled and never-started tasks run again\n', err: '' });
    await waitUntil('the retried run running again', async () => {
      const r = await getRun(ns.name, 'cli-cancel');
      return r.status?.retry?.count === 1 && r.status.phase === 'Running';
    }, 60_000);
    expect(await cli((o) => retryCommand(['cli-cancel'], flags(), o))).toEqual({ code: EXIT.failed, out: '', err: 'pipelinerun/cli-cancel is Running: only a Failed, Error or Cancelled run can be retried\n' });
    expect((await cli((o) => cancelCommand(['cli-cancel'], flags(), o))).code).toBe(0);
  });
});

describe('errors a person can act on', () => {
  it('not found names similar runs; an unknown Pipeline name too', async () => {
    await cli((o) => submitCommand(file('sim.json', twoSteps('sim')), { ...flags(), arg: ['n=1'], label: [], name: 'nightly-training' }, o));
    const r = await cli((o) => getCommand('nightly-trainin', flags(), o));
    expect(r).toEqual({ code: EXIT.notFound, out: '', err: `PipelineRun "nightly-trainin" not found in namespace "${ns.name}"; did you mean: nightly-training?` });
    const none = await cli((o) => logsCommand('zzz', undefined, flags(), o));
    expect(none.err).toMatch(new RegExp(`not found in namespace "${ns.name}" \\(see: pipewright list -n ${ns.name}`));
    const p = await cli((o) => submitCommand('no-such-pipeline', { ...flags(), arg: [], label: [] }, o));
    expect(p).toMatchObject({ code: EXIT.notFound, err: expect.stringMatching(/^Pipeline "no-such-pipeline" not found/) });
  });

  it('RBAC denied says which verb on which resource, and the rule to ask for', async () => {
    await kubectlOk(['create', 'serviceaccount', 'nobody', '-n', ns.name]);
    const kc = await serviceAccountKubeconfig(ns.name, 'nobody');
    const kubeconfig = file('nobody.kubeconfig', kc.exportConfig());
    const r = await cli((o) => listCommand({ kubeconfig, namespace: ns.name }, o));
    expect(r.code).toBe(EXIT.denied);
    expect(r.err).toContain(`forbidden: user "system:serviceaccount:${ns.name}:nobody" may not list pipelineruns.pipewright.dev in namespace "${ns.name}"`);
    expect(r.err).toContain('{apiGroups: ["pipewright.dev"], resources: ["pipelineruns"], verbs: ["list"]}');
    const c = await cli((o) => cancelCommand(['nightly-training'], { kubeconfig, namespace: ns.name }, o));
    expect(c.err).toMatch(/may not get pipelineruns\.pipewright\.dev/);
  });

  it('a context that does not exist, and an unreachable cluster', async () => {
    const r = await cli((o) => listCommand({ ...flags(), context: 'nope' }, o));
    expect(r).toMatchObject({ code: EXIT.badInput, err: expect.stringMatching(/^--context nope: no such context in the kubeconfig \(it has: /) });
    const kubeconfig = file('down.kubeconfig', JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 'x' } }], contexts: [{ name: 'down', context: { cluster: 'c', user: 'u' } }], 'current-context': 'down' }));
    const d = await cli((o) => listCommand({ kubeconfig }, o));
    expect(d).toMatchObject({ code: EXIT.unreachable, err: expect.stringMatching(/^cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1 \(context "down"\)/) });
  });
});
