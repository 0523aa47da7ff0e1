"""Fan-out / fan-in: data dependencies, an .after() ordering dependency, caching disabled on one task."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def source(seed: int) -> int:
    return seed + 1


@dsl.component(base_image=IMAGE)
def double(x: int) -> int:
    return x * 2


@dsl.component(base_image=IMAGE)
def square(x: int) -> int:
    return x * x


@dsl.component(base_image=IMAGE)
def join(a: int, b: int) -> str:
    return f"{a}+{b}={a + b}"


@dsl.component(base_image=IMAGE)
def finish() -> str:
    return "done"


@dsl.pipeline(name="diamond-dag")
def diamond_dag(seed: int = 2):
    s = source(seed=seed)
    d = double(x=s.output)
    q = square(x=s.output)
    j = join(a=d.output, b=q.output)
    finish().after(j).set_caching_options(False)
