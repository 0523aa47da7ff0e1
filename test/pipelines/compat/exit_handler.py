"""dsl.ExitHandler whose body may fail, with an exit task reading PipelineTaskFinalStatus; a consumer of a
failing task's output with .ignore_upstream_failure() (falls back to its default)."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def step(msg: str) -> str:
    return msg


@dsl.component(base_image=IMAGE)
def maybe_fail(fail: bool) -> str:
    import sys

    if fail:
        print("failing on purpose", file=sys.stderr)
        sys.exit(3)
    return "fine"


@dsl.component(base_image=IMAGE)
def report(status: dsl.PipelineTaskFinalStatus) -> str:
    return f"{status.state}|{status.pipeline_task_name}|{'error' if status.error_message else 'ok'}"


@dsl.component(base_image=IMAGE)
def fallback(text: str = "upstream failed") -> str:
    return f"got: {text}"


@dsl.pipeline(name="compat-exit-handler")
def exit_handler(fail: bool = True):
    final = report()
    with dsl.ExitHandler(final, name="guarded"):
        first = step(msg="started")
        maybe_fail(fail=fail).after(first)
    other = maybe_fail(fail=fail)
    fallback(text=other.output).ignore_upstream_failure()
