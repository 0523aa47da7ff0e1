// What the chart's install tests share: the helm binary build.sh made, a shell with the test cluster's kubeconfig,
// the README's sh blocks, and a cluster with nothing installed under the README's names.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { clusterState, kubectl, lockDefaultInstall } from './helpers.js';

export const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const version = /^HELM_VERSION=(\S+)$/m.exec(readFileSync(join(repo, 'test/cluster/versions.env'), 'utf8'))![1]!;
const helmBin = join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache/pipewright'), 'bin', `helm-${version}`, 'helm');

// The README's names.
export const release = 'pipewright';
export const system = 'pipewright-system';
export const team = 'my-team';

export interface Result { code: number; out: string }

/** bash -euo pipefail in the checkout, with helm and kubectl on PATH; S3_ACCESS_KEY/S3_SECRET_KEY are the cluster's. */
export function sh(script: string, timeoutMs = 600_000): Promise<Result> {
  const s = clusterState();
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repo, timeout: timeoutMs, maxBuffer: 64 << 20,
      env: {
        ...process.env, KUBECONFIG: s.kubeconfig, PATH: `${dirname(helmBin)}:${dirname(s.kubectl)}:${process.env.PATH}`,
        S3_ACCESS_KEY: s.s3.accessKey, S3_SECRET_KEY: s.s3.secretKey,
        HELM_CACHE_HOME: join(s.dir, 'helm', 'cache'), HELM_CONFIG_HOME: join(s.dir, 'helm', 'config'), HELM_DATA_HOME: join(s.dir, 'helm', 'data'),
      },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
  });
}

/** The sh blocks of charts/pipewright/README.md, in order. */
export function readmeBlocks(): string[] {
  const md = readFileSync(join(repo, 'charts/pipewright/README.md'), 'utf8');
  return [...md.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Nothing installed under the README's names, as on a cluster a user installs into: an earlier release, and what
 * deploy/ left (other test files apply it; its objects and CRDs have the same names, and Helm refuses to adopt
 * them). Deleting the CRDs deletes every run of the cluster: run only under lockDefaultInstall (helpers.ts).
 */
export async function fromNothing(): Promise<void> {
  await sh(`helm uninstall ${release} -n ${system} --wait || true`, 180_000);
  await kubectl(['delete', '-k', 'deploy/', '--ignore-not-found', '--wait=true'], undefined, 240_000);
  await kubectl(['delete', 'namespace', system, team, '--ignore-not-found', '--wait=true'], undefined, 180_000);
}

/** Uninstalls the release and removes its namespaces. */
export async function cleanUp(): Promise<void> {
  await sh(`helm uninstall ${release} -n ${system} --wait || true`, 120_000);
  await kubectl(['delete', 'namespace', system, team, '--wait=true', '--ignore-not-found'], undefined, 180_000);
}

/**
 * A test file that installs under the README's default names: holds the machine-wide default-install lock from a
 * cluster brought back to "nothing installed" until its own objects are cleaned up. `before` runs first at the end.
 */
export function withDefaultInstall(before?: () => void): void {
  let unlock: (() => void) | undefined;
  beforeAll(async () => {
    unlock = await lockDefaultInstall();
    await fromNothing();
  }, 1_500_000);
  afterAll(async () => {
    before?.();
    await cleanUp();
    unlock?.();
  }, 400_000);
}
