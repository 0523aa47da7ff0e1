"""dsl.ParallelFor over a list parameter with parallelism, results gathered with dsl.Collected."""
from typing import List

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def square(x: int) -> int:
    return x * x


@dsl.component(base_image=IMAGE)
def total(values: List[int]) -> int:
    # int(): kfp.local hands collected ints over as floats (1.0, 4.0, ...); JSON runtimes as ints.
    return int(sum(values))


@dsl.pipeline(name="parallel-for")
def parallel_for(xs: List[int] = [1, 2, 3]):
    with dsl.ParallelFor(xs, parallelism=2) as x:
        s = square(x=x)
    total(values=dsl.Collected(s.output))
