// Artifact.set_path anywhere in the user's container, on a cluster. KFP's launcher runs inside the user's container,
// so it reads a custom path wherever it is; our `outputs` step is another container and sees only the shared
// emptyDirs. For a KFP Python component (the only kind whose SDK offers set_path) the main container's command is
// wrapped: after the user's command exits 0, a fixed Python program (the component already needs python3) copies
// each reported custom path that lies outside the shared mounts into /tmp/kfp/set-path/<n> and points
// executor_output.json at the copy. The user's command and arguments stay argv entries: nothing is spliced into
// shell text. Pure.

/** Where the copies go: inside the pod's shared /tmp emptyDir, which the outputs step reads. */
export const SET_PATH_STAGE_DIR = '/tmp/kfp/set-path';

/** KFP's Python components run `python3 -m kfp.dsl.executor_main` (kfp.compiler's command for @dsl.component). */
export function isKfpPythonComponent(command: readonly string[], args: readonly string[]): boolean {
  return [...command, ...args].some((s) => s.includes('kfp.dsl.executor_main'));
}

// Runs after the user's code, in its container, as its user; argv[1] is executor_output.json. A path that is
// missing is left as reported (the outputs step then names it); a copy that fails fails the task.
const STAGER = `
import json, os, shutil, sys
out, shared, private = sys.argv[1], __SHARED__, __PRIVATE__
stage = __STAGE__
try:
    with open(out) as f:
        doc = json.load(f)
except (OSError, ValueError):
    sys.exit(0)  # none, or not JSON: the outputs step says what is wrong with it
if not isinstance(doc, dict) or not isinstance(doc.get("artifacts"), dict):
    sys.exit(0)
def under(p, roots):
    return any(p == r or p.startswith(r + "/") for r in roots)
def outside(p):
    p = os.path.normpath(p)
    return under(p, private) or not under(p, shared)
def readable(top):
    for d, dirs, files in os.walk(top):
        os.chmod(d, 0o755)
        for f in files:
            if not os.path.islink(os.path.join(d, f)):
                os.chmod(os.path.join(d, f), 0o644)
n, changed = 0, False
for name, entry in sorted(doc["artifacts"].items()):
    listed = entry.get("artifacts") if isinstance(entry, dict) else None
    for a in listed if isinstance(listed, list) else []:
        for key in ("custom_path", "customPath") if isinstance(a, dict) else ():
            p = a.get(key)
            if not isinstance(p, str) or not p.startswith("/") or not outside(p) or not os.path.lexists(p):
                continue
            n += 1
            dest = os.path.join(stage, str(n))
            try:
                os.makedirs(stage, exist_ok=True)
                if os.path.isdir(dest) and not os.path.islink(dest):
                    shutil.rmtree(dest)
                elif os.path.lexists(dest):
                    os.remove(dest)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.copytree(p, dest, symlinks=True)
                    readable(dest)
                else:
                    shutil.copyfile(p, dest, follow_symlinks=False)
                    if not os.path.islink(dest):
                        os.chmod(dest, 0o644)
            except OSError as e:
                sys.exit("pipewright: output artifact %r: could not copy Artifact.set_path(%r) out of the task container: %s" % (name, p, e))
            a[key] = dest
            changed = True
if changed:
    with open(out, "w") as f:
        json.dump(doc, f)
`.trim();

/**
 * The main container's command and args with the staging step after the user's command, for a KFP Python
 * component; anything else is returned unchanged (its custom paths must be under the shared mounts).
 */
export function withSetPathStaging(
  command: readonly string[], args: readonly string[], executorOutputFile: string, mounts: StagingMounts,
): { command: string[]; args: string[] } {
  if (!command.length || !isKfpPythonComponent(command, args)) return { command: [...command], args: [...args] };
  const program = stagerProgram(mounts);
  // sh -c SCRIPT $0 $1 $2…: $1 is the executor output file, the rest the user's argv, run as it is.
  const script = [
    'out=$1; shift',
    '"$@"',
    'rc=$?',
    '[ "$rc" -eq 0 ] || exit "$rc"',
    `exec python3 -c '${program}' "$out"`,
  ].join('\n');
  return { command: ['sh', '-c', script, 'pipewright-main', executorOutputFile, ...command, ...args], args: [] };
}

/**
 * What the outputs step sees of the main container: the shared emptyDirs, less the main container's own volumes
 * mounted below them (a kfp-kubernetes volume at /tmp/data is the user's alone).
 */
export interface StagingMounts {
  shared: readonly string[];
  private: readonly string[];
  /** Where copies go (SET_PATH_STAGE_DIR in a pod; tests pick their own). */
  stageDir?: string;
}

/** The stager with the mounts (paths the pod spec chose) as literals; no single quote may end the shell string. */
export function stagerProgram(mounts: StagingMounts): string {
  // A JSON string is a Python string literal too; \u0027 keeps a quote in a user's mountPath inside the literal.
  const literal = (v: unknown): string => JSON.stringify(v).replace(/'/g, '\\u0027');
  const values: Record<string, unknown> = { SHARED: mounts.shared, PRIVATE: mounts.private, STAGE: mounts.stageDir ?? SET_PATH_STAGE_DIR };
  // One pass, so a path that reads like another marker is never substituted twice.
  const program = STAGER.replace(/__(SHARED|PRIVATE|STAGE)__/g, (_m, k: string) => literal(values[k]));
  if (program.includes("'")) throw new Error('set-path stager: a single quote would end the shell string');
  return program;
}

/** The user's argv (command then args) of a main container, staged or not: for reading a pod spec. */
export function userArgv(c: { command?: string[]; args?: string[] }): string[] {
  const command = c.command ?? [];
  if (command[0] === 'sh' && command[1] === '-c' && command[3] === 'pipewright-main') return [...command.slice(5), ...(c.args ?? [])];
  return [...command, ...(c.args ?? [])];
}
