// A python with the kfp SDK from PyPI, for the tests that run kfp.Client against pipewright server.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export /** A python with exactly kfp==version: the env pipewright builds for it, else a toolchain venv (built once). */
function kfpPython(version: string): string {
  const cache = process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache', 'pipewright');
  const venvs = join(cache, 'venvs');
  for (const d of existsSync(venvs) ? readdirSync(venvs) : []) {
    const marker = join(venvs, d, 'pipewright-env.json');
    if (!existsSync(marker)) continue;
    const packages = (JSON.parse(readFileSync(marker, 'utf8')) as { packages?: string[] }).packages;
    if (JSON.stringify(packages) === JSON.stringify([`kfp==${version}`])) return join(venvs, d, 'bin', 'python');
  }
  const tool = join(cache, 'toolchain', `kfp-${version}`);
  if (!existsSync(join(tool, 'bin', 'python'))) {
    const tmp = `${tool}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    execFileSync('python3', ['-m', 'venv', tmp]);
    execFileSync(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `kfp==${version}`], { stdio: 'inherit' });
    renameSync(tmp, tool);
  }
  return join(tool, 'bin', 'python');
}

