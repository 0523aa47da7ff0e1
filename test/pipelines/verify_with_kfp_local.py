"""Cross-checks test/pipelines/expectations.json against kfp.local (the SDK's own local runner).

An independent oracle for the expectations: runs every case with kfp.local's SubprocessRunner
(use_venv=False, so tasks use this interpreter's packages) and compares task states, output
parameters and artifact contents/metadata read from kfp.local's output directories. Cases
marked "kfpLocalDiffers" are skipped (kfp.local cannot run them or runs them differently), and
ParallelFor iterations are not compared one by one.

Needs an interpreter with kfp (the version in src/local/python-env.ts) and the `docker` package
(kfp.local imports it even for the SubprocessRunner), and that interpreter's bin dir first on PATH:
  PATH=/path/venv/bin:$PATH python test/pipelines/verify_with_kfp_local.py [--all] [case-name-substring ...]
"""
import contextlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_pipeline(path):
    from kfp.dsl import graph_component, utils

    spec = importlib.util.spec_from_file_location("pipeline_" + os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    found = [o for o in vars(mod).values() if isinstance(o, graph_component.GraphComponent) and o.pipeline_func.__module__ == spec.name]
    found = [p for p in found if not any(q is not p and utils.sanitize_component_name(p.name) in q.pipeline_spec.components for q in found)]
    assert len(found) == 1, path
    return found[0]


def subset(expected, actual):
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and abs(expected - actual) < 1e-9
    return expected == actual


def check(case, run_dir):
    problems = []
    for task, exp in case["tasks"].items():
        task_dir = os.path.join(run_dir, task)
        out_file = os.path.join(task_dir, "executor_output.json")
        if "iterations" in exp:
            continue
        if exp["state"] == "Skipped":
            if os.path.exists(task_dir):
                problems.append(f"{task}: expected Skipped, but it ran")
            continue
        if exp["state"] == "Failed":
            if os.path.exists(out_file):
                problems.append(f"{task}: expected Failed, but it wrote executor output")
            continue
        if not os.path.exists(out_file):
            problems.append(f"{task}: expected Succeeded, no executor output in {task_dir}")
            continue
        with open(out_file) as f:
            out = json.load(f)
        params = dict(out.get("parameterValues", {}))
        for name, want in exp.get("parameters", {}).items():
            if name not in params and os.path.exists(os.path.join(task_dir, name)):
                with open(os.path.join(task_dir, name)) as f:
                    params[name] = f.read()  # OutputPath(str) written to its file
            if not subset(want, params.get(name)):
                problems.append(f"{task}: parameter {name}: want {want!r}, got {params.get(name)!r}")
        arts = out.get("artifacts", {})
        for name, want in exp.get("artifacts", {}).items():
            got = (arts.get(name) or {}).get("artifacts") or [{}]
            meta = got[0].get("metadata", {})
            if "metadata" in want and not subset(want["metadata"], meta):
                problems.append(f"{task}: artifact {name} metadata: want {want['metadata']!r}, got {meta!r}")
            if "contents" in want:
                path = got[0].get("uri") or os.path.join(task_dir, name)
                try:
                    with open(path) as f:
                        text = f.read()
                except OSError as e:
                    text = f"<{e}>"
                if text != want["contents"]:
                    problems.append(f"{task}: artifact {name} contents: want {want['contents']!r}, got {text!r}")
    return problems


def main(args):
    run_all = "--all" in args  # also the cases kfp.local is known to run differently
    filters = [a for a in args if a != "--all"]
    from kfp import local

    with open(os.path.join(REPO, "test/pipelines/expectations.json")) as f:
        cases = json.load(f)["cases"]
    failed = 0
    for case in cases:
        if filters and not any(s in case["name"] for s in filters):
            continue
        if case.get("kfpLocalDiffers") and not run_all:
            print(f"SKIP {case['name']}: {case['kfpLocalDiffers']}")
            continue
        root = tempfile.mkdtemp(prefix="kfp-local-verify-")
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root, raise_on_error=False)
        pipeline = load_pipeline(os.path.join(REPO, case["file"]))
        logs = io.StringIO()
        with contextlib.redirect_stdout(logs), contextlib.redirect_stderr(logs):
            try:
                pipeline(**case.get("args", {}))
                phase = "Succeeded"
            except Exception as e:  # raise_on_error=False still raises for a failed pipeline in some versions
                phase = "Failed"
        runs = [os.path.join(root, d) for d in os.listdir(root)]
        run_dir = runs[0] if runs else root
        problems = check(case, run_dir)
        if "FAILURE" in logs.getvalue() or "finished with status \x1b[91mFAILURE" in logs.getvalue():
            phase = "Failed"
        if phase != case["phase"]:
            problems.append(f"run phase: want {case['phase']}, got {phase}")
        status = "ok  " if not problems else "FAIL"
        failed += bool(problems)
        print(f"{status} {case['name']}")
        for p in problems:
            print("     " + p)
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
