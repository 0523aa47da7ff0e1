"""Three dsl.ExitHandlers in one pipeline: the first body fails, the other two succeed; every exit task
runs and reports what it sees of PipelineTaskFinalStatus (whether the state is FAILED, whether there is an
error message). The state is only compared with 'FAILED' so the check holds whatever the name of the
success state (SUCCEEDED as kfp.local, COMPLETE as KFP's backend)."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def work(msg: str, fail: bool) -> str:
    import sys

    if fail:
        print(f"{msg}: failing on purpose", file=sys.stderr)
        sys.exit(4)
    return msg


@dsl.component(base_image=IMAGE)
def final_report(label: str, status: dsl.PipelineTaskFinalStatus) -> str:
    failed = "failed" if status.state == "FAILED" else "not failed"
    error = "error" if status.error_message else "no error"
    return f"{label}: {failed}, {error}"


@dsl.pipeline(name="compat-exit-handlers")
def exit_handlers(fail_first: bool = True):
    first_exit = final_report(label="first")
    with dsl.ExitHandler(first_exit, name="first"):
        a = work(msg="first body", fail=False)
        work(msg="first body fails", fail=fail_first).after(a)
    second_exit = final_report(label="second")
    with dsl.ExitHandler(second_exit, name="second"):
        work(msg="second body", fail=False)
    third_exit = final_report(label="third")
    with dsl.ExitHandler(third_exit, name="third"):
        b = work(msg="third body", fail=False)
        work(msg="third body again", fail=False).after(b)
