/**
 * Python virtual environments for the local runner.
 *
 * A lightweight KFP component is compiled into a container command that pip-installs its
 * `packages_to_install` plus a pinned `kfp` at every start (kfp-ir.md §3.1). Locally we do that
 * once: one venv per normalized package set, cached under `~/.cache/pipewright/venvs/<key>`
 * (root overridable with PIPEWRIGHT_CACHE), and the component's own `sh -ec …` part is run with
 * the venv's `bin` first on PATH.
 *
 * Build protocol: the venv is built in `<venvs>/.tmp-<key>-<pid>-<rand>` and renamed to
 * `<venvs>/<key>` only when pip succeeded, so a killed build never leaves a half venv behind.
 * Concurrent callers in one process share one promise; across processes a lock file
 * (`<venvs>/<key>.lock`, O_EXCL, holder pid inside, stale locks of dead pids are broken) keeps
 * a second process waiting instead of building the same env. If two builds still race, the
 * rename decides and the loser's copy is discarded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { runCaptured, type RunResult } from './captured-process.js';

/** The kfp SDK installed into every env (and used to compile `.py` pipelines). */
export const KFP_SDK_VERSION = '2.17.3';

/** Added to the compile env when a pipeline file imports kfp.kubernetes (released in lockstep with kfp). */
export const KFP_KUBERNETES_PACKAGE = `kfp-kubernetes==${KFP_SDK_VERSION}`;

/** Bumped when the layout or build steps of a cached venv change (part of the key). */
const ENV_FORMAT = 'pipewright-venv-1';
const MARKER_FILE = 'pipewright-env.json';

export interface PythonEnv {
  /** The venv directory. */
  dir: string;
  /** `<dir>/bin`: put it first on PATH so `python3` / `pip` resolve to the venv. */
  binDir: string;
  /** `<dir>/bin/python`. */
  python: string;
}

export interface EnsurePythonEnvOptions {
  /** Root of the cache; default PIPEWRIGHT_CACHE or ~/.cache/pipewright. Venvs go to `<cacheDir>/venvs`. */
  cacheDir?: string;
  /** Base interpreter used to create the venv; default PIPEWRIGHT_PYTHON or `python3`. */
  python?: string;
  logger: Logger;
  /** Receives pip's output lines while an env is being built. */
  onProgress?: (line: string) => void;
  /** How long to wait for another process's build of the same env (default 30 min). */
  lockTimeoutMs?: number;
}

export class PythonEnvError extends Error {
  override name = 'PythonEnvError';
}

// ---------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------

/** Root of pipewright's cache: PIPEWRIGHT_CACHE, else ~/.cache/pipewright. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PIPEWRIGHT_CACHE;
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(os.homedir(), '.cache', 'pipewright');
}

/** PEP 503 name of a requirement spec (`Scikit_Learn>=1.4; python_version>"3"` -> `scikit-learn`), or undefined for URLs/paths. */
export function requirementName(spec: string): string | undefined {
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?:$|[<>=!~;@(\s])/.exec(spec);
  if (!m || /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(spec)) return undefined;
  return m[1]!.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The package specs an env is built from: trimmed, empty ones dropped, deduplicated, sorted by
 * (name, spec), and `kfp==KFP_SDK_VERSION` added unless a requirement named `kfp` is present
 * (an explicit pin, e.g. the one a compiled component carries, wins).
 */
export function normalizePackages(packages: readonly string[], kfpVersion: string = KFP_SDK_VERSION): string[] {
  const specs = new Set<string>();
  for (const p of packages) {
    const s = p.trim().replace(/\s+/g, ' ');
    if (s !== '') specs.add(s);
  }
  if (![...specs].some((s) => requirementName(s) === 'kfp')) specs.add(`kfp==${kfpVersion}`);
  const sortKey = (s: string) => `${requirementName(s) ?? '~' + s}\u0000${s}`;
  return [...specs].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** Cache key of an env: sha256 over the format version, the interpreter's `sys.version` and the normalized specs (first 24 hex digits). */
export function envKey(pythonVersion: string, normalizedPackages: readonly string[]): string {
  const h = createHash('sha256');
  h.update(`${ENV_FORMAT}\n${pythonVersion.trim()}\n`);
  for (const p of normalizedPackages) h.update(`${p}\n`);
  return h.digest('hex').slice(0, 24);
}

/** Environment variables to run a process "inside" the venv (PATH + VIRTUAL_ENV; PYTHONHOME removed). */
export function pythonEnvVars(env: PythonEnv, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...base, VIRTUAL_ENV: env.dir, PATH: [env.binDir, base.PATH ?? ''].filter(Boolean).join(path.delimiter) };
  delete out.PYTHONHOME;
  return out;
}

const versionCache = new Map<string, Promise<string>>();

/** `sys.version` of an interpreter (cached per interpreter path), with a clear error if it is missing or too old. */
export function pythonVersion(python: string): Promise<string> {
  let p = versionCache.get(python);
  if (!p) {
    p = (async () => {
      let r: RunResult;
      try {
        r = await runCaptured(python, ['-c', 'import sys; print(sys.version.replace("\\n", " ")); print(sys.version_info >= (3, 9))']);
      } catch (e) {
        throw new PythonEnvError(`cannot run Python interpreter '${python}': ${(e as Error).message} (set PIPEWRIGHT_PYTHON or install python3 >= 3.9)`);
      }
      const [version, ok] = r.stdout.trim().split('\n');
      if (r.code !== 0 || !version) throw new PythonEnvError(`'${python}' failed to report its version: ${r.tail.slice(-3).join(' | ')}`);
      if (ok?.trim() !== 'True') throw new PythonEnvError(`Python '${python}' is ${version}; pipewright needs Python >= 3.9`);
      return version.trim();
    })();
    p.catch(() => versionCache.delete(python));
    versionCache.set(python, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Locking
// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tries to take the lock; false if a live process holds it. Breaks locks of dead holders (same host). */
async function tryLock(lockPath: string): Promise<boolean> {
  const content = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
  try {
    await fs.writeFile(lockPath, content, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let holder: { pid?: number; host?: string } = {};
  try {
    holder = JSON.parse(await fs.readFile(lockPath, 'utf8')) as typeof holder;
  } catch {
    // Being written right now, or just removed: treat as held and look again later.
    return false;
  }
  if (holder.host === os.hostname() && typeof holder.pid === 'number' && !pidAlive(holder.pid)) {
    // Stale. Move it aside atomically (only one breaker wins the rename), then retry once.
    const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await fs.rename(lockPath, aside);
      await fs.rm(aside, { force: true });
    } catch {
      return false;
    }
    return tryLock(lockPath);
  }
  return false;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// ensurePythonEnv
// ---------------------------------------------------------------------------------------------

const inflight = new Map<string, Promise<PythonEnv>>();

function envAt(dir: string): PythonEnv {
  const binDir = path.join(dir, 'bin');
  return { dir, binDir, python: path.join(binDir, 'python') };
}

export interface PythonEnvLocation {
  key: string;
  /** Where the env is (or will be) once built. */
  dir: string;
  /** The normalized package specs it is built from. */
  packages: string[];
  basePython: string;
  pythonVersion: string;
}

/** Where the env for `packages` lives (whether or not it is built yet). */
export async function locatePythonEnv(packages: readonly string[], opts: Pick<EnsurePythonEnvOptions, 'cacheDir' | 'python'> = {}): Promise<PythonEnvLocation> {
  const basePython = opts.python ?? process.env.PIPEWRIGHT_PYTHON ?? 'python3';
  const specs = normalizePackages(packages);
  const version = await pythonVersion(basePython);
  const key = envKey(version, specs);
  const dir = path.join(opts.cacheDir ?? defaultCacheDir(), 'venvs', key);
  return { key, dir, packages: specs, basePython, pythonVersion: version };
}

/**
 * A venv with `packages` (+ the kfp pin) installed, built on first use and reused afterwards.
 * Progress of a build is logged and pip's output is passed line by line to `onProgress`.
 */
export async function ensurePythonEnv(packages: string[], opts: EnsurePythonEnvOptions): Promise<PythonEnv> {
  const { key, dir: finalDir, packages: specs, basePython, pythonVersion: version } = await locatePythonEnv(packages, opts);
  const venvsDir = path.dirname(finalDir);

  const existing = inflight.get(finalDir);
  if (existing) return existing;
  const p = (async () => {
    if (await exists(path.join(finalDir, MARKER_FILE))) return envAt(finalDir);
    await fs.mkdir(venvsDir, { recursive: true });
    const lockPath = `${finalDir}.lock`;
    const deadline = Date.now() + (opts.lockTimeoutMs ?? 30 * 60_000);
    let announced = false;
    for (;;) {
      if (await exists(path.join(finalDir, MARKER_FILE))) return envAt(finalDir);
      if (await tryLock(lockPath)) break;
      if (!announced) {
        opts.logger.info({ env: key, lock: lockPath }, 'waiting for another pipewright process building the same Python env');
        opts.onProgress?.(`waiting for another process building ${finalDir}`);
        announced = true;
      }
      if (Date.now() > deadline) throw new PythonEnvError(`timed out waiting for the lock ${lockPath} (remove it if no pipewright process is building that env)`);
      await sleep(500);
    }
    try {
      if (await exists(path.join(finalDir, MARKER_FILE))) return envAt(finalDir);
      // A directory without the marker was not made by a finished build (copied, hand-edited): replace it.
      if (await exists(finalDir)) {
        opts.logger.warn({ env: key, dir: finalDir }, 'replacing an incomplete Python env directory');
        await fs.rm(finalDir, { recursive: true, force: true });
      }
      await build({ basePython, version, specs, key, venvsDir, finalDir, opts });
      return envAt(finalDir);
    } finally {
      await fs.rm(lockPath, { force: true });
    }
  })();
  inflight.set(finalDir, p);
  // A finished env is found by the marker file next time; a failed one can be retried.
  p.then(
    () => inflight.delete(finalDir),
    () => inflight.delete(finalDir),
  );
  return p;
}

interface BuildArgs {
  basePython: string;
  version: string;
  specs: string[];
  key: string;
  venvsDir: string;
  finalDir: string;
  opts: EnsurePythonEnvOptions;
}

async function build({ basePython, version, specs, key, venvsDir, finalDir, opts }: BuildArgs): Promise<void> {
  const { logger } = opts;
  const started = Date.now();
  const tmpDir = path.join(venvsDir, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const progress = (line: string) => {
    logger.debug({ env: key }, line);
    opts.onProgress?.(line);
  };
  logger.info({ env: key, dir: finalDir, packages: specs }, 'creating Python env (first use of this package set; this can take a while)');
  opts.onProgress?.(`creating Python env ${finalDir} for ${specs.join(' ')}`);
  await removeStaleTempDirs(venvsDir);
  try {
    const venv = await runCaptured(basePython, ['-m', 'venv', tmpDir], { onLine: progress });
    if (venv.code !== 0) {
      throw new PythonEnvError(`'${basePython} -m venv' failed (is the venv module installed, e.g. apt-get install python3-venv?):\n${venv.tail.join('\n')}`);
    }
    const tmpPython = path.join(tmpDir, 'bin', 'python');
    const pipEnv: NodeJS.ProcessEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' };
    delete pipEnv.PYTHONHOME;
    delete pipEnv.VIRTUAL_ENV;
    const pip = await runCaptured(tmpPython, ['-m', 'pip', 'install', '--no-compile', '--progress-bar', 'off', ...specs], { env: pipEnv, onLine: progress });
    if (pip.code !== 0) throw pipError(specs, pip);
    // Byte-compile now, recording the final location in the .pyc files (tracebacks show real paths).
    const compile = await runCaptured(tmpPython, ['-m', 'compileall', '-q', '-f', '-s', tmpDir, '-p', finalDir, path.join(tmpDir, 'lib')], { env: pipEnv, onLine: progress });
    if (compile.code !== 0) logger.warn({ env: key, output: compile.tail.join('\n') }, 'byte-compiling the env failed; continuing without .pyc files');
    await relocateScripts(tmpDir, finalDir);
    const marker = { format: ENV_FORMAT, python: version, basePython, packages: specs, createdAt: new Date().toISOString(), buildSeconds: (Date.now() - started) / 1000 };
    await fs.writeFile(path.join(tmpDir, MARKER_FILE), JSON.stringify(marker, null, 2) + '\n');
    try {
      await fs.rename(tmpDir, finalDir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(path.join(finalDir, MARKER_FILE)))) {
        logger.info({ env: key }, 'another process finished the same Python env first; using it');
      } else throw e;
    }
    logger.info({ env: key, seconds: (Date.now() - started) / 1000 }, 'Python env ready');
    opts.onProgress?.(`Python env ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

function pipError(specs: string[], r: RunResult): PythonEnvError {
  const text = r.tail.join('\n');
  const culprit =
    /No matching distribution found for (\S+)/.exec(text)?.[1] ??
    /Could not find a version that satisfies the requirement (\S+)/.exec(text)?.[1] ??
    /Failed to build (\S+)/.exec(text)?.[1] ??
    /Invalid requirement: '?([^'\n]+)'?/.exec(text)?.[1] ??
    /for package (\S+)/.exec(text)?.[1];
  const what = culprit ? `could not install ${culprit}` : `failed`;
  const exit = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
  return new PythonEnvError(`pip install ${what} (${exit}) while building a Python env for: ${specs.join(' ')}\npip's last lines:\n${text}`);
}

/** Rewrite the temp path in `bin/` scripts (pip's console-script shebangs, activate*) to the final path. */
async function relocateScripts(tmpDir: string, finalDir: string): Promise<void> {
  const binDir = path.join(tmpDir, 'bin');
  for (const name of await fs.readdir(binDir)) {
    const file = path.join(binDir, name);
    const st = await fs.lstat(file);
    if (!st.isFile() || st.size > 1 << 20) continue;
    const buf = await fs.readFile(file);
    if (buf.includes(0)) continue; // binary
    const text = buf.toString('utf8');
    if (!text.includes(tmpDir)) continue;
    await fs.writeFile(file, text.split(tmpDir).join(finalDir), { mode: st.mode });
  }
}

/** Remove `.tmp-*` build dirs left by killed builds (holder pid dead). */
async function removeStaleTempDirs(venvsDir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(venvsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.tmp-[0-9a-f]+-(\d+)-[0-9a-f]+$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
      await fs.rm(path.join(venvsDir, name), { recursive: true, force: true });
    }
  }
}
