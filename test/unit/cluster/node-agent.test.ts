// Pure parts of the test cluster's node agent: $(VAR) expansion, field paths, image rules, simulate settings,
// kubelet-style status and the sandbox layout.
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { expand, fieldPath } from '../../cluster/agent/env.js';
import { defaultRules, loadImageMap } from '../../cluster/agent/image-map.js';
import { simulationFor } from '../../cluster/agent/agent.js';
import { podStatus, runningSince, terminated, waiting } from '../../cluster/agent/status.js';
import { bwrapArgs, identityArgs } from '../../cluster/agent/sandbox.js';
import { hostsFile } from '../../cluster/agent/pod-worker.js';

const pod: V1Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { b: '2', a: '1' }, annotations: { note: 'x' } },
  spec: { nodeName: 'n', containers: [{ name: 'c' }] },
};

describe('env', () => {
  it('expands $(VAR), keeps unknown references and unescapes $$', () => {
    expect(expand('$(A)-$(B)-$$(A)-$(C', { A: 'x', B: 'y' })).toBe('x-y-$(A)-$(C');
  });
  it('resolves field paths as the downward API does', () => {
    expect(fieldPath(pod, 'metadata.name')).toBe('p');
    expect(fieldPath(pod, "metadata.labels['b']")).toBe('2');
    expect(fieldPath(pod, 'metadata.labels')).toBe('a="1"\nb="2"');
    expect(() => fieldPath(pod, 'spec.nope')).toThrow(/unsupported/);
  });
});

describe('image map', () => {
  it('tries custom rules first, then the defaults, by glob', () => {
    const map = loadImageMap('[{"pattern":"ghcr.io/acme/*","pathPrepend":["/opt/acme"]}]',
      [{ pattern: 'python:*', pathPrepend: ['/py'] }, { pattern: '*' }]);
    expect(map('ghcr.io/acme/tool:1').pathPrepend).toEqual(['/opt/acme']);
    expect(map('python:3.11').pathPrepend).toEqual(['/py']);
    expect(map('busybox').pattern).toBe('*');
  });
  it('runs the versitygw image (the chart\'s bundled S3) from the cached binary, at the image\'s entrypoint', () => {
    const bin = process.execPath; // any existing file stands in for the binary
    const map = loadImageMap(undefined, defaultRules('/repo', '/cache', '/shims', undefined, bin));
    expect(map('ghcr.io/versity/versitygw:v1.7.0')).toMatchObject({
      entrypoint: ['/app/versitygw'], binds: [{ host: bin, path: '/app/versitygw', readOnly: true }] });
    expect(map('versity/versitygw:latest').entrypoint).toEqual(['/app/versitygw']);
    // No binary built: the image falls through to the host's programs, as any unknown image.
    expect(loadImageMap(undefined, defaultRules('/repo', '/cache', '/shims', undefined, '/nope'))('ghcr.io/versity/versitygw:v1.7.0').pattern).toBe('*');
  });
});

describe('simulate mode', () => {
  const o = { nodeName: 'n', simulateAll: false, simulateDefaults: { delayMs: 1000, exitCode: 0 }, relistMs: 1, events: false, caPem: '' };
  it('applies to labelled or annotated pods with their own delay and exit code', () => {
    expect(simulationFor(pod, o)).toBeUndefined();
    const sim = { ...pod, metadata: { ...pod.metadata, labels: { 'pipewright.io/simulate': 'true' },
      annotations: { 'pipewright.io/simulate-exit-code': '3' } } };
    expect(simulationFor(sim, o)).toEqual({ delayMs: 1000, exitCode: 3 });
    expect(simulationFor(pod, { ...o, simulateAll: true })).toEqual({ delayMs: 1000, exitCode: 0 });
  });
});

describe('pod status', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  const rec = (state: object) => ({ name: 'c', image: 'i', init: false, sidecar: false, restartCount: 0, state, lastState: {}, started: false, ready: false });
  it('reports a completed pod as a kubelet does', () => {
    const s = podStatus({ phase: 'Succeeded', startTime: t, initialized: true, readyToStart: true,
      containers: [rec(terminated(0, t, t, { containerID: 'id' }))] }, undefined);
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'PodCompleted', message: null });
    expect(s.containerStatuses![0]!.state!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z' });
  });
  it('names unready containers while running', () => {
    const s = podStatus({ phase: 'Pending', startTime: t, initialized: true, readyToStart: true,
      containers: [rec(waiting('ContainerCreating'))] }, undefined);
    expect(s.conditions!.find((c) => c.type === 'ContainersReady')).toMatchObject({
      status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
  });
  it('keeps a running container whose readiness probe has not passed out of Ready', () => {
    const facts = (ready: boolean) => ({ phase: 'Running' as const, startTime: t, initialized: true, readyToStart: true,
      containers: [{ ...rec(runningSince(t)), started: true, ready }] });
    const notYet = podStatus(facts(false), undefined);
    expect(notYet.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(notYet.containerStatuses![0]).toMatchObject({ ready: false, started: true });
    const ready = podStatus(facts(true), notYet);
    expect(ready.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(ready.containerStatuses![0]).toMatchObject({ ready: true });
  });
});

describe('sandbox', () => {
  it('binds the host read-only and builds missing mount points inside the sandbox only', () => {
    const args = bwrapArgs([{ host: '/tmp/x', path: '/no-such-top/dir', readOnly: false }], undefined).join(' ');
    expect(args).toContain('--ro-bind /usr /usr');
    expect(args).toContain('--bind /tmp/x /no-such-top/dir');
    expect(args).toContain('--tmpfs /tmp');
    expect(args).not.toContain('--bind / ');
  });

  it('gives the container its own PID namespace and hides the cluster directory except what is kept', () => {
    const dir = mkdtempSync(join(homedir(), '.pw-sandbox-test-'));
    try {
      mkdirSync(join(dir, 'node', 'shims'), { recursive: true });
      writeFileSync(join(dir, 'state.json'), '{"secretKey":"hidden-value"}');
      writeFileSync(join(dir, 'node', 'shims', 'pipewright'), 'shim');
      const bwrap = execFileSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).trim();
      const sandbox = bwrapArgs([], undefined, [], { dirs: [dir], keep: [join(dir, 'node', 'shims')] });
      const script = `ls /proc | grep -c '^[0-9]'; ls ${dir}; cat ${dir}/node/shims/pipewright; echo; cat ${dir}/state.json 2>&1 || true`;
      const out = execFileSync(bwrap, [...sandbox, '--', 'sh', '-c', script], { encoding: 'utf8' });
      const [pids, ...rest] = out.trim().split('\n');
      expect(Number(pids)).toBeLessThan(5); // sh, ls, grep and bwrap's init; the host has hundreds
      expect(rest.join('\n')).toMatch(/^node\nshim\ncat: .*state\.json: No such file or directory$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('security context', () => {
  it('runs as the container\'s user and group, else the pod\'s', () => {
    expect(identityArgs(undefined, undefined)).toEqual([]);
    expect(identityArgs({ runAsUser: 1 }, { runAsUser: 1000, runAsGroup: 3000 })).toEqual(['--unshare-user', '--uid', '1000', '--gid', '3000']);
    expect(identityArgs({ runAsUser: 7, runAsGroup: 8 }, {})).toEqual(['--unshare-user', '--uid', '7', '--gid', '8']);
  });

  it('falls back to the image\'s USER, as the pipewright image rule states it', () => {
    const user = loadImageMap(undefined, defaultRules('/repo', '/cache', '/shims'))('pipewright:dev').user;
    expect(user).toEqual({ uid: 65532, gid: 65532 });
    expect(identityArgs(undefined, undefined, user)).toEqual(['--unshare-user', '--uid', '65532', '--gid', '65532']);
    expect(identityArgs(undefined, { runAsUser: 7 }, user)).toEqual(['--unshare-user', '--uid', '7']);
    expect(identityArgs(undefined, { runAsNonRoot: true }, user)).toEqual(['--unshare-user', '--uid', '65532', '--gid', '65532']);
  });

  it('refuses runAsNonRoot without a non-root user, as the kubelet does', () => {
    expect(() => identityArgs(undefined, { runAsNonRoot: true })).toThrow('container has runAsNonRoot and image will run as root');
    expect(() => identityArgs({ runAsNonRoot: true }, { runAsUser: 0 })).toThrow(/runAsNonRoot/);
    expect(identityArgs({ runAsNonRoot: true }, { runAsUser: 5 })).toEqual(['--unshare-user', '--uid', '5']);
  });
});

describe('readOnlyRootFilesystem', () => {
  it('remounts the sandbox root and /tmp read-only after the volumes are in place', () => {
    const args = bwrapArgs([{ host: '/tmp/x', path: '/tmp/kfp/outputs', readOnly: false }], undefined, [], undefined, true);
    expect(args.slice(-4)).toEqual(['--remount-ro', '/tmp', '--remount-ro', '/']);
    expect(args.indexOf('--bind')).toBeLessThan(args.indexOf('--remount-ro'));
    expect(bwrapArgs([], undefined)).not.toContain('--remount-ro');
  });

  it('runs as uid 65532 where only volumes are writable (a real bwrap sandbox)', () => {
    const bwrap = execFileSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).trim();
    const vol = mkdtempSync(join(tmpdir(), 'pw-rofs-'));
    try {
      const sandbox = [...identityArgs(undefined, { runAsUser: 65532, runAsGroup: 65532 }),
        ...bwrapArgs([{ host: vol, path: '/tmp/kfp/outputs', readOnly: false }], '/work/pw-rofs', [], undefined, true)];
      const script = 'id -u; touch /tmp/x 2>/dev/null && echo tmp-writable; touch /pw-rofs-x 2>/dev/null && echo root-writable; '
        + 'touch here 2>/dev/null && echo cwd-writable; echo ok > /tmp/kfp/outputs/out';
      const r = spawnSync(bwrap, [...sandbox, '--', 'sh', '-c', script], { encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toBe('65532\n');
      expect(readFileSync(join(vol, 'out'), 'utf8')).toBe('ok\n');
    } finally {
      rmSync(vol, { recursive: true, force: true });
    }
  });
});

describe('Services without kube-proxy or DNS', () => {
  it('resolve every Service name to the loopback, the short name only in its own namespace', () => {
    const hosts = hostsFile(['pipewright-controller.pw-system', 'minio.minio'], 'pw-system').split('\n');
    expect(hosts).toContain('127.0.0.1 pipewright-controller.pw-system.svc.cluster.local pipewright-controller.pw-system.svc pipewright-controller.pw-system pipewright-controller');
    expect(hosts).toContain('127.0.0.1 minio.minio.svc.cluster.local minio.minio.svc minio.minio');
    expect(hosts[0]).toBe('127.0.0.1 localhost');
  });
});

describe('the image layout', () => {
  it('runs pipewright images from the layout\'s /app with its entrypoint, ENV and USER', () => {
    const layout = { dir: '/cache/image/abc', env: { NODE_ENV: 'production' }, user: '65532:65532', entrypoint: ['node', '/app/bin/pipewright.js'] };
    const map = loadImageMap(undefined, defaultRules('/repo', '/cache', '/shims', layout));
    for (const image of ['ghcr.io/pipewright/pipewright:0.1.0', 'pipewright:dev']) {
      expect(map(image)).toMatchObject({
        entrypoint: ['node', '/app/bin/pipewright.js'], env: { NODE_ENV: 'production' }, user: { uid: 65532, gid: 65532 },
        binds: [{ host: '/cache/image/abc/root/app', path: '/app', readOnly: true }],
      });
    }
    // Without a layout: the checkout, through the shim.
    expect(loadImageMap(undefined, defaultRules('/repo', '/cache', '/shims'))('pipewright:dev').entrypoint).toEqual(['pipewright']);
  });
});
