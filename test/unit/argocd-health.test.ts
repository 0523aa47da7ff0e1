// The Argo CD health checks (charts/pipewright/files/argocd/*.lua) run with gopher-lua v1.1.2, the VM Argo CD
// embeds (test/tools/lua-health, built once into ~/.cache/pipewright/bin), on objects captured from real runs on
// the test cluster (test/integration/cluster/observability.test.ts with PIPEWRIGHT_CAPTURE_ARGOCD_FIXTURES=1).
// The same objects through kstatus (sigs.k8s.io/cli-utils, what Flux's health checks use; test/tools/kstatus).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FIXTURES = 'test/fixtures/argocd';
let bin = '';
let kstatus = '';

beforeAll(() => {
  bin = execFileSync('bash', ['test/tools/lua-health/build.sh'], { encoding: 'utf8' }).trim();
  kstatus = execFileSync('bash', ['test/tools/kstatus/build.sh'], { encoding: 'utf8' }).trim();
}, 300_000);

function health(script: string, files: string[]): Record<string, { status: string; message: string }> {
  const out = execFileSync(bin, [`charts/pipewright/files/argocd/${script}`, ...files.map((f) => `${FIXTURES}/${f}`)], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; status: string; message: string }).map((r) => [r.file.slice(FIXTURES.length + 1), r]));
}

describe('Argo CD health of a PipelineRun', () => {
  it('captured statuses: Running → Progressing, Succeeded → Healthy, Failed and Cancelled → Degraded', () => {
    const phase = (f: string) => (JSON.parse(readFileSync(`${FIXTURES}/${f}`, 'utf8')) as { status: { phase: string } }).status.phase;
    const files = ['pipelinerun-running.json', 'pipelinerun-succeeded.json', 'pipelinerun-failed.json', 'pipelinerun-cancelled.json', 'pipelinerun-timeout.json'];
    expect(files.map(phase)).toEqual(['Running', 'Succeeded', 'Failed', 'Cancelled', 'Failed']);
    const h = health('pipelinerun-health.lua', files);
    expect(Object.fromEntries(Object.entries(h).map(([f, r]) => [f, r.status]))).toEqual({
      'pipelinerun-running.json': 'Progressing', 'pipelinerun-succeeded.json': 'Healthy', 'pipelinerun-failed.json': 'Degraded', 'pipelinerun-cancelled.json': 'Degraded', 'pipelinerun-timeout.json': 'Degraded',
    });
    expect(h['pipelinerun-timeout.json']!.message).toBe('Timeout: run exceeded its timeout of 3s');
    expect(h['pipelinerun-failed.json']!.message).toMatch(/^TaskFailed: task boom failed.*exit code 3/);
    expect(h['pipelinerun-running.json']!.message).toBe('run running (0/1 tasks done)');
    expect(h['pipelinerun-succeeded.json']!.message).toBe('run succeeded (2/2 tasks)');
  });

  it('a run the controller has not seen yet is Progressing, not Healthy', () => {
    const fresh = JSON.parse(readFileSync(`${FIXTURES}/pipelinerun-succeeded.json`, 'utf8')) as Record<string, unknown>;
    delete fresh.status;
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    execFileSync('bash', ['-c', `cat > ${dir}/fresh.json`], { input: JSON.stringify(fresh) });
    const out = JSON.parse(execFileSync(bin, ['charts/pipewright/files/argocd/pipelinerun-health.lua', `${dir}/fresh.json`], { encoding: 'utf8' })) as { status: string };
    expect(out.status).toBe('Progressing');
  });
});

describe('Argo CD health of a Pipeline', () => {
  it('valid → Healthy, invalid → Degraded with the problem', () => {
    const h = health('pipeline-health.lua', ['pipeline-valid.json', 'pipeline-invalid.json']);
    expect([h['pipeline-valid.json']!.status, h['pipeline-invalid.json']!.status]).toEqual(['Healthy', 'Degraded']);
    expect(h['pipeline-invalid.json']!.message).toMatch(/^invalid pipeline: .*nope/);
  });
});

describe('kstatus (Flux, cli-utils) on the same objects', () => {
  it('running → InProgress, succeeded and valid → Current, failed, cancelled, timed out and invalid → Failed', () => {
    const files = ['pipelinerun-running.json', 'pipelinerun-succeeded.json', 'pipelinerun-failed.json', 'pipelinerun-cancelled.json', 'pipelinerun-timeout.json', 'pipeline-valid.json', 'pipeline-invalid.json'];
    const out = execFileSync(kstatus, files.map((f) => `${FIXTURES}/${f}`), { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    expect(Object.fromEntries(files.map((f, i) => [f, out[i]!.status]))).toEqual({
      'pipelinerun-running.json': 'InProgress', 'pipelinerun-succeeded.json': 'Current', 'pipelinerun-failed.json': 'Failed',
      'pipelinerun-cancelled.json': 'Failed', 'pipelinerun-timeout.json': 'Failed', 'pipeline-valid.json': 'Current', 'pipeline-invalid.json': 'Failed',
    });
  });
});
