"""A task that exits with code 3: the run fails, its downstream task never runs, an independent
task still succeeds."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def fail_with(code: int, message: str) -> str:
    import sys

    print(message, file=sys.stderr)
    sys.exit(code)


@dsl.component(base_image=IMAGE)
def after_failure(value: str) -> str:
    return value


@dsl.component(base_image=IMAGE)
def independent() -> str:
    return "ran"


@dsl.pipeline(name="failing-task")
def failing_task(code: int = 3):
    f = fail_with(code=code, message="failing on purpose")
    after_failure(value=f.output)
    independent()
