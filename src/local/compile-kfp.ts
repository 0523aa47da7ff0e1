// Compiling a `.py` pipeline file to KFP IR YAML with the real kfp SDK, in a Python env of ours.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCaptured } from './captured-process.js';
import {
  ensurePythonEnv, KFP_KUBERNETES_PACKAGE, PythonEnvError, pythonEnvVars, requirementName, type EnsurePythonEnvOptions,
} from './python-env.js';

export interface CompileKfpPipelineOptions extends Omit<EnsurePythonEnvOptions, 'lockTimeoutMs'> {
  /** Name of the pipeline function in the file (needed when it defines several). */
  pipelineFunc?: string;
  /** Extra packages the pipeline file imports at compile time (e.g. kfp-kubernetes). */
  packages?: string[];
}

/**
 * Python side of compileKfpPipeline. argv: file, function name or '', output path.
 * The module is imported under a non-`__main__` name with cwd = a scratch dir (so an unguarded
 * `Compiler().compile(..., 'pipeline.yaml')` in the file writes nowhere that matters), and
 * errors are reported as one `PIPEWRIGHT_ERROR:` line on stderr.
 */
const COMPILE_SCRIPT = String.raw`
import importlib.util, os, sys, traceback, warnings
warnings.simplefilter("ignore", FutureWarning)
py_file, func_name, out_path = sys.argv[1], sys.argv[2], sys.argv[3]

def fail(msg, code=2):
    sys.stderr.write("PIPEWRIGHT_ERROR: " + msg.replace("\n", " ") + "\n")
    sys.exit(code)

def describe(exc):
    where = ""
    for fr in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(fr.filename) == os.path.abspath(py_file):
            where = " (%s line %d)" % (os.path.basename(py_file), fr.lineno)
    text = str(exc).strip().splitlines()
    last = type(exc).__name__ + (": " + text[-1] if text else "")
    return last + where

try:
    from kfp import compiler
    from kfp.dsl import base_component, graph_component, utils
except Exception as e:
    fail("cannot import the kfp SDK: " + describe(e))

sys.path.insert(0, os.path.dirname(os.path.abspath(py_file)))
spec = importlib.util.spec_from_file_location("pipewright_user_pipeline", py_file)
module = importlib.util.module_from_spec(spec)
sys.modules["pipewright_user_pipeline"] = module
try:
    spec.loader.exec_module(module)
except SystemExit as e:
    fail("the file exited while being imported (sys.exit(%s))" % (e.code,))
except BaseException as e:
    fail("importing it raised " + describe(e))

def own(obj):
    fn = getattr(obj, "pipeline_func", None)
    return fn is None or getattr(fn, "__module__", None) == "pipewright_user_pipeline"

pipelines = [n for n, o in vars(module).items() if isinstance(o, graph_component.GraphComponent) and own(o)]

def nested(name):
    # used as a sub-pipeline by another pipeline of the file
    comp = utils.sanitize_component_name(getattr(module, name).name)
    return any(o != name and comp in getattr(module, o).pipeline_spec.components for o in pipelines)

if len(pipelines) > 1:
    pipelines = [n for n in pipelines if not nested(n)] or pipelines
if func_name:
    obj = getattr(module, func_name, None)
    if obj is None:
        fail("it has no function named '%s' (pipelines found: %s)" % (func_name, ", ".join(pipelines) or "none"))
    if not isinstance(obj, base_component.BaseComponent):
        fail("'%s' is not a @dsl.pipeline (or @dsl.component) function" % func_name)
else:
    if not pipelines:
        fail("it defines no @dsl.pipeline function")
    if len(pipelines) > 1:
        fail("it defines several pipelines (%s); choose one with --pipeline-func NAME" % ", ".join(pipelines))
    obj = getattr(module, pipelines[0])
try:
    compiler.Compiler().compile(obj, package_path=out_path)
except BaseException as e:
    fail("compiling '%s' failed: %s" % (func_name or pipelines[0], describe(e)))
`;

/**
 * Compiles a `.py` pipeline file with the real kfp SDK (in the base env: kfp==KFP_SDK_VERSION)
 * and returns the IR YAML text. Picks the file's single `@dsl.pipeline` function, or
 * `opts.pipelineFunc`. Errors name the file and show the Python error's last line only.
 */
export async function compileKfpPipeline(pyFile: string, opts: CompileKfpPipelineOptions): Promise<string> {
  const file = path.resolve(pyFile);
  if (!(await fs.access(file).then(() => true, () => false))) throw new PythonEnvError(`cannot compile ${pyFile}: no such file`);
  const packages = opts.packages ?? [];
  try {
    return await compileIn(pyFile, file, packages, opts);
  } catch (e) {
    // Pipelines using kfp-kubernetes (secrets, PVCs, node selectors) need it at compile time:
    // retry once in an env that has it rather than making every user pass it.
    const wantsK8s = e instanceof PythonEnvError && /No module named 'kfp\.kubernetes'|cannot import name 'kubernetes' from 'kfp'/.test(e.message);
    if (!wantsK8s || packages.some((p) => requirementName(p) === 'kfp-kubernetes')) throw e;
    opts.logger.info({ file: pyFile }, `the pipeline imports kfp.kubernetes; compiling with ${KFP_KUBERNETES_PACKAGE}`);
    return compileIn(pyFile, file, [...packages, KFP_KUBERNETES_PACKAGE], opts);
  }
}

async function compileIn(pyFile: string, file: string, packages: string[], opts: CompileKfpPipelineOptions): Promise<string> {
  const env = await ensurePythonEnv(packages, opts);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'pipewright-compile-'));
  try {
    const out = path.join(scratch, 'pipeline.yaml');
    const childEnv = pythonEnvVars(env, { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' });
    const r = await runCaptured(env.python, ['-c', COMPILE_SCRIPT, file, opts.pipelineFunc ?? '', out], { cwd: scratch, env: childEnv });
    if (r.code !== 0) {
      const marked = /^PIPEWRIGHT_ERROR: (.*)$/m.exec(r.stderr)?.[1];
      const lastLine = r.stderr.trim().split('\n').pop() ?? `exit code ${r.code}`;
      throw new PythonEnvError(`cannot compile ${pyFile}: ${marked ?? lastLine}`);
    }
    if (r.stderr.trim()) opts.logger.debug({ file: pyFile, stderr: r.stderr.trim() }, 'kfp compiler output');
    return await fs.readFile(out, 'utf8');
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
