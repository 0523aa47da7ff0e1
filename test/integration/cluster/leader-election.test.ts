// Leader election against the real kube-apiserver: controllers in this process share one Lease; only the leader
// reconciles; a graceful stop hands over at once; a leader that cannot renew, or whose Lease is taken, stops its
// work and calls its exit callback. Short durations (3 s / 2 s / 0.5 s) keep the test quick.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { stringify } from 'yaml';
import type { ControllerHandle } from '../../../src/controller/main.js';
import type { LeaseApi } from '../../../src/controller/leader-elector.js';
import { createNamespace, kubectl, kubectlOk, sleep, waitUntil } from './helpers.js';
import { installCrds, prepareNamespaceForRuns, startTestController, waitForRun } from './operator.js';

jest.setTimeout(300_000);

const LEASE = 'pipewright-leader-election';
let ns: { name: string; remove: () => Promise<void> };
const started: ControllerHandle[] = [];

beforeAll(async () => {
  await installCrds();
  ns = await createNamespace('le');
  await prepareNamespaceForRuns(ns.name);
});

afterAll(async () => {
  await Promise.all(started.map((c) => c.stop()));
  await ns?.remove();
});

interface Candidate { handle: ControllerHandle; reconciled: string[]; lost: string[] }

async function candidate(identity: string, wrapLeaseApi?: (api: LeaseApi) => LeaseApi): Promise<Candidate> {
  const reconciled: string[] = [];
  const lost: string[] = [];
  const handle = await startTestController(ns.name, {
    PIPEWRIGHT_LEADER_ELECT: 'true',
    PIPEWRIGHT_LEADER_ELECTION_NAMESPACE: ns.name,
    POD_NAME: identity,
    PIPEWRIGHT_LEASE_DURATION_SECONDS: '3',
    PIPEWRIGHT_RENEW_DEADLINE_SECONDS: '2',
    PIPEWRIGHT_RETRY_PERIOD_SECONDS: '0.5',
  }, {
    onReconciled: (_ms, key) => reconciled.push(key),
    onLeadershipLost: (reason) => lost.push(reason),
    ...(wrapLeaseApi ? { wrapLeaseApi } : {}),
  });
  started.push(handle);
  return { handle, reconciled, lost };
}

interface LeaseObject { metadata: { resourceVersion: string }; spec: { holderIdentity?: string; leaseTransitions?: number; renewTime?: string; acquireTime?: string; leaseDurationSeconds?: number } }
async function lease(): Promise<LeaseObject | undefined> {
  const r = await kubectl(['get', 'lease', LEASE, '-n', ns.name, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as LeaseObject) : undefined;
}

const RUN = (name: string) => ({
  apiVersion: 'pipewright.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name },
  spec: {
    pipelineSpec: {
      tasks: [{ name: 'hello', image: 'python:3.11', command: ['python3', '-c', 'print("hello from the leader")'], cache: false }],
    },
  },
});

async function runToCompletion(name: string): Promise<string | undefined> {
  await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(RUN(name)));
  return (await waitForRun(ns.name, name, 120_000)).status?.phase;
}

describe('leader election on the real API server', () => {
  let a: Candidate;
  let b: Candidate;
  let failB = false;

  it('one leader reconciles; the standby waits and reconciles nothing', async () => {
    a = await candidate('ctl-a');
    await waitUntil('ctl-a leads', async () => a.handle.isLeader(), 15_000, 100);
    b = await candidate('ctl-b', (api) => ({ ...api, update: (rv, spec) => (failB ? Promise.reject(new Error('simulated: apiserver unreachable')) : api.update(rv, spec)) }));
    await sleep(2000);
    expect(b.handle.isLeader()).toBe(false);
    expect(b.handle.queue).toBeUndefined();
    const l = await lease();
    expect(l?.spec).toMatchObject({ holderIdentity: 'ctl-a', leaseDurationSeconds: 3, leaseTransitions: 0 });
    expect(l?.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    expect(await runToCompletion('first')).toBe('Succeeded');
    expect(a.reconciled.filter((k) => k.endsWith('/first')).length).toBeGreaterThan(0);
    expect(b.reconciled).toEqual([]);
    expect(a.lost).toEqual([]);
  });

  it('stopping the leader releases the Lease and the standby takes over at once and completes a run', async () => {
    const before = (await lease())!.spec.renewTime;
    const t0 = Date.now();
    await a.handle.stop();
    await waitUntil('ctl-b leads', async () => b.handle.isLeader(), 10_000, 50);
    // Well under the 3 s lease duration: the release, not expiry, handed it over.
    expect(Date.now() - t0).toBeLessThan(2500);
    const l = await lease();
    expect(l?.spec).toMatchObject({ holderIdentity: 'ctl-b', leaseTransitions: 1 });
    expect(l?.spec.renewTime).not.toBe(before);
    const aCount = a.reconciled.length;
    expect(await runToCompletion('second')).toBe('Succeeded');
    expect(b.reconciled.filter((k) => k.endsWith('/second')).length).toBeGreaterThan(0);
    expect(a.reconciled.length).toBe(aCount);
    expect(a.lost).toEqual([]);
  });

  it('a leader whose renewals fail stops its work and calls its exit callback within the renew deadline', async () => {
    failB = true;
    const t0 = Date.now();
    await waitUntil('ctl-b gives up', async () => b.lost.length > 0, 10_000, 50);
    expect(Date.now() - t0).toBeLessThan(8000); // 2 s deadline + stopping the caches and queue
    expect(b.lost[0]).toMatch(/no renewal succeeded within 2000 ms/);
    expect(b.handle.isLeader()).toBe(false);
    expect(b.handle.queue).toBeUndefined();
    // Nothing is reconciled by the stopped leader any more.
    const bCount = b.reconciled.length;
    await kubectlOk(['apply', '-n', ns.name, '-f', '-'], stringify(RUN('orphan')));
    await sleep(1500);
    expect(b.reconciled.length).toBe(bCount);
  });

  it('a new candidate takes the abandoned Lease after it expires, and steps down when the Lease is overwritten', async () => {
    const c = await candidate('ctl-c');
    const t0 = Date.now();
    await waitUntil('ctl-c leads', async () => c.handle.isLeader(), 15_000, 100);
    // ctl-b never released: ctl-c waited one lease duration from first seeing it.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    expect((await waitForRun(ns.name, 'orphan', 120_000)).status?.phase).toBe('Succeeded');
    expect(c.reconciled.some((k) => k.endsWith('/orphan'))).toBe(true);

    const l = (await lease())!;
    expect(l.spec).toMatchObject({ holderIdentity: 'ctl-c', leaseTransitions: 2 });
    await kubectlOk(['patch', 'lease', LEASE, '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { holderIdentity: 'intruder', leaseDurationSeconds: 60 } })]);
    await waitUntil('ctl-c gives up', async () => c.lost.length > 0, 10_000, 50);
    expect(c.lost[0]).toMatch(/held by intruder/);
    expect(c.handle.isLeader()).toBe(false);
    await c.handle.stop();
    expect((await lease())?.spec.holderIdentity).toBe('intruder'); // not released: it was not ours
  });
});
