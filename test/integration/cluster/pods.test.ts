// Pods run by the node agent, checked with the real kubectl: shared emptyDir, logs, exit codes, termination
// messages, failure, restarts with --previous, and following logs.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { V1ContainerStatus } from '@kubernetes/client-node';
import { createNamespace, getPod, kubectl, kubectlOk, waitForPhase, waitUntil } from './helpers.js';

jest.setTimeout(120_000);

let ns: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ name: ns, remove } = await createNamespace('pods')));
afterAll(async () => remove());

const pod = (name: string, spec: object): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });

describe('pods on the node agent', () => {
  it('runs two containers that share an emptyDir, with logs and kubelet-style status', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], pod('share', {
      restartPolicy: 'Never',
      volumes: [{ name: 'work', emptyDir: {} }],
      containers: [
        { name: 'writer', image: 'python:3.11', volumeMounts: [{ name: 'work', mountPath: '/work-share' }],
          command: ['python3', '-c', [
            "open('/work-share/data.txt','w').write('shared-bytes-42')",
            "open('/dev/termination-log','w').write('writer done')",
            "print('writer wrote the file')"].join('\n')] },
        { name: 'reader', image: 'busybox', volumeMounts: [{ name: 'work', mountPath: '/in' }],
          command: ['sh', '-c', 'while [ ! -s /in/data.txt ]; do sleep 0.1; done; echo "reader got: $(cat /in/data.txt)"'] },
      ],
    }));
    const p = await waitForPhase(ns, 'share', ['Succeeded', 'Failed']);
    expect(p.status?.phase).toBe('Succeeded');
    expect((await kubectlOk(['logs', '-n', ns, 'share', '-c', 'writer'])).trim()).toBe('writer wrote the file');
    expect((await kubectlOk(['logs', '-n', ns, 'share', '-c', 'reader'])).trim()).toBe('reader got: shared-bytes-42');
    expect((await kubectlOk(['logs', '-n', ns, 'share', '-c', 'reader', '--tail=1', '--timestamps'])).trim())
      .toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z reader got: shared-bytes-42$/);
    const previous = await kubectl(['logs', '-n', ns, 'share', '-c', 'writer', '--previous']);
    expect(previous.code).not.toBe(0);
    expect(previous.stderr).toMatch(/previous terminated container "writer" in pod "share" not found/);
    const writer = p.status!.containerStatuses!.find((c) => c.name === 'writer')!;
    expect(writer.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'writer done' });
    expect(writer.state?.terminated?.startedAt).toBeTruthy();
    expect(writer.state?.terminated?.finishedAt).toBeTruthy();
    expect(writer).toMatchObject({ ready: false, restartCount: 0, started: false, image: 'python:3.11' });
    expect(p.status?.podIP).toBe('127.0.0.1');
    expect(p.status?.startTime).toBeTruthy();
    const cond = Object.fromEntries((p.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(cond.Ready).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond.Initialized).toMatchObject({ status: 'True' });
    expect(cond.PodScheduled).toMatchObject({ status: 'True' });
  });

  it('reports a failing container: phase Failed, its exit code, the log tail as message', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], pod('fails', {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError',
        command: ['sh', '-c', 'echo about to fail; echo boom >&2; exit 3'] }],
    }));
    const p = await waitForPhase(ns, 'fails', ['Succeeded', 'Failed']);
    expect(p.status?.phase).toBe('Failed');
    const t = p.status!.containerStatuses![0]!.state!.terminated!;
    expect(t).toMatchObject({ exitCode: 3, reason: 'Error', message: 'about to fail\nboom\n' });
    const get = await kubectlOk(['get', 'pod', 'fails', '-n', ns]);
    expect(get).toMatch(/fails\s+0\/1\s+Error\s+0/);
  });

  it('restarts on failure under OnFailure and keeps the previous log', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], pod('retry', {
      restartPolicy: 'OnFailure',
      volumes: [{ name: 'state', emptyDir: {} }],
      containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'state', mountPath: '/state' }],
        command: ['sh', '-c', 'if [ -f /state/once ]; then echo second run; else touch /state/once; echo first run; exit 1; fi'] }],
    }));
    const p = await waitForPhase(ns, 'retry', ['Succeeded', 'Failed']);
    expect(p.status?.phase).toBe('Succeeded');
    const c = p.status!.containerStatuses![0]!;
    expect(c.restartCount).toBe(1);
    expect(c.lastState?.terminated?.exitCode).toBe(1);
    expect((await kubectlOk(['logs', '-n', ns, 'retry'])).trim()).toBe('second run');
    expect((await kubectlOk(['logs', '-n', ns, 'retry', '--previous'])).trim()).toBe('first run');
  });

  it('restarts a crashing container under Always and reports CrashLoopBackOff between runs', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], pod('crash', {
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo crashing; exit 1'] }],
    }));
    let status: V1ContainerStatus | undefined;
    await waitUntil('CrashLoopBackOff after a restart', async () => {
      status = (await getPod(ns, 'crash'))?.status?.containerStatuses?.[0];
      return (status?.restartCount ?? 0) >= 1 && status?.state?.waiting?.reason === 'CrashLoopBackOff';
    }, 60_000, 100);
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect((await getPod(ns, 'crash'))?.status?.phase).toBe('Running');
    expect(await kubectlOk(['get', 'pod', 'crash', '-n', ns])).toMatch(/crash\s+0\/1\s+(CrashLoopBackOff|Error|Completed)\s+[1-9]/);
  });

  it('follows a running container with kubectl logs -f until it exits', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], pod('follow', {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.5; done'] }],
    }));
    await waitForPhase(ns, 'follow', ['Running', 'Succeeded']);
    const r = await kubectl(['logs', '-f', '-n', ns, 'follow'], undefined, 30_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
  });

  it('runs init containers in order before the containers, with a native sidecar alongside', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], pod('init', {
      restartPolicy: 'Never',
      volumes: [{ name: 'w', emptyDir: {} }],
      initContainers: [
        { name: 'first', image: 'busybox', volumeMounts: [{ name: 'w', mountPath: '/w' }], command: ['sh', '-c', 'echo first >> /w/order'] },
        { name: 'sidecar', image: 'busybox', restartPolicy: 'Always', volumeMounts: [{ name: 'w', mountPath: '/w' }],
          command: ['sh', '-c', 'echo sidecar >> /w/order; exec sleep 600'] },
        { name: 'second', image: 'busybox', volumeMounts: [{ name: 'w', mountPath: '/w' }], command: ['sh', '-c', 'sleep 0.3; echo second >> /w/order'] },
      ],
      containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'w', mountPath: '/w' }], command: ['sh', '-c', 'echo main >> /w/order; cat /w/order'] }],
    }));
    const p = await waitForPhase(ns, 'init', ['Succeeded', 'Failed']);
    expect(p.status?.phase).toBe('Succeeded');
    expect((await kubectlOk(['logs', '-n', ns, 'init'])).trim().split('\n')).toEqual(['first', 'sidecar', 'second', 'main']);
    const side = p.status!.initContainerStatuses!.find((c) => c.name === 'sidecar')!;
    expect(side.state?.terminated).toBeTruthy(); // stopped once the main container finished
  });
});
