// Containerized Python components (`@dsl.component(target_image=...)`): the compiled command is
// `python3 -m kfp.dsl.executor_main --executor_input {{$}} --function_to_execute <fn>`, and the function's
// module lives inside the image (`kfp component build` copies the sources and writes kfp_config.ini, which
// executor_main reads from its working directory). A local run has no image: it runs the same command in the
// kfp venv with `--component_module_path` pointing at the module on this machine, found in the component
// directories (by default the pipeline file's): first through a kfp_config.ini there, else a .py that
// defines `def <fn>(`.
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CommandItem, ContainerExecutor } from '../model/types.js';

const EXECUTOR_MAIN = ['python3', '-m', 'kfp.dsl.executor_main'];

/** The function a containerized Python component runs, or undefined for any other command. */
export function containerizedFunction(command: readonly CommandItem[], args: readonly CommandItem[]): string | undefined {
  if (command.length < 3 || !EXECUTOR_MAIN.every((w, i) => command[i] === w)) return undefined;
  const all = [...command, ...args];
  if (all.includes('--component_module_path')) return undefined; // the module is named already
  const i = all.indexOf('--function_to_execute');
  const fn = i >= 0 ? all[i + 1] : undefined;
  return typeof fn === 'string' ? fn : undefined;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

/** `[Components] fn = path` of a kfp_config.ini (paths relative to its directory). */
export function kfpConfigEntry(ini: string, fn: string): string | undefined {
  let inComponents = false;
  for (const raw of ini.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.*)\]$/.exec(line);
    if (section) {
      inComponents = section[1]!.trim() === 'Components';
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (inComponents && kv && kv[1] === fn) return kv[2]!.trim();
  }
  return undefined;
}

/** The module file defining `fn`, looked for in `dirs` in order; undefined when none has it. */
export async function findComponentModule(fn: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const ini = await readFile(path.join(dir, 'kfp_config.ini'), 'utf8').catch(() => undefined);
    const entry = ini === undefined ? undefined : kfpConfigEntry(ini, fn);
    if (entry && (await isFile(path.resolve(dir, entry)))) return path.resolve(dir, entry);
  }
  const defines = new RegExp(`^(?:async\\s+)?def\\s+${fn.replace(/[^\w]/g, '')}\\s*\\(`, 'm');
  for (const dir of dirs) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.py')).sort();
    for (const n of names) {
      const text = await readFile(path.join(dir, n), 'utf8').catch(() => '');
      if (defines.test(text)) return path.join(dir, n);
    }
  }
  return undefined;
}

/** Why a containerized component cannot run here, and the fix. */
export function moduleNotFoundMessage(fn: string, image: string, dirs: readonly string[]): string {
  const where = dirs.length ? `in ${dirs.join(', ')}` : '(no component directory given)';
  return (
    `containerized Python component '${fn}' (target_image ${image}) runs its module from inside that image; ` +
    `a local run needs the module on this machine, but found no kfp_config.ini listing '${fn}' and no .py defining 'def ${fn}(' ${where} ` +
    `(fix: keep the component's .py, or the kfp_config.ini that 'kfp component build' writes, next to the pipeline file, or pass --component-dir DIR)`
  );
}

/** argv with `--component_module_path <file>` after `python3 -m kfp.dsl.executor_main`. */
export function withModulePath(argv: readonly string[], file: string): string[] {
  return [...argv.slice(0, EXECUTOR_MAIN.length), '--component_module_path', file, ...argv.slice(EXECUTOR_MAIN.length)];
}

/** The argv a local run uses: unchanged, or a containerized component's with its module; else why not. */
export async function localArgv(ex: ContainerExecutor, argv: string[], dirs: readonly string[]): Promise<{ argv: string[] } | { error: string }> {
  const fn = containerizedFunction(ex.command, ex.args);
  if (fn === undefined) return { argv };
  const module = await findComponentModule(fn, dirs);
  return module ? { argv: withModulePath(argv, module) } : { error: moduleNotFoundMessage(fn, ex.image, dirs) };
}
