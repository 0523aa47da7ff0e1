"""bench:local's chain: ten lightweight Python tasks, each adding one to the previous task's output.

The pipeline function is `chain` (kfp.local calls it); pipewright runs the IR YAML that
`pipewright compile bench/pipelines/chain10.py` writes. The last task's output is 10 + start.
"""
from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def add_one(x: int) -> int:
    return x + 1


@dsl.pipeline(name="chain10")
def chain(start: int = 0) -> int:
    task = add_one(x=start)
    for _ in range(9):
        task = add_one(x=task.output)
    return task.output
