"""dsl.ParallelFor over a literal list (parallelism=1), a pipeline parameter (parallelism=2), an upstream
task's output and a literal list of dicts (item fields), each fanned in with dsl.Collected; nested loops
with a fan-in inside the outer loop and one after it."""
from typing import List

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def make_list(n: int) -> List[int]:
    return list(range(1, n + 1))


@dsl.component(base_image=IMAGE)
def square(x: int) -> int:
    return x * x


@dsl.component(base_image=IMAGE)
def add(a: int, b: int) -> int:
    return a + b


@dsl.component(base_image=IMAGE)
def total(values: List[int]) -> int:
    # int(): some runtimes hand collected ints over as floats.
    return int(sum(values))


@dsl.component(base_image=IMAGE)
def shout(word: str) -> str:
    return word.upper() + "!"


@dsl.component(base_image=IMAGE)
def join_words(words: List[str]) -> str:
    return ",".join(words)


@dsl.pipeline(name="compat-loops")
def loops(words: List[str] = ["ab", "cd", "ef"], n: int = 3):
    with dsl.ParallelFor([10, 20, 30], parallelism=1) as lit:
        lit_sq = square(x=lit)
    total(values=dsl.Collected(lit_sq.output))

    with dsl.ParallelFor(words, parallelism=2) as w:
        s = shout(word=w)
    join_words(words=dsl.Collected(s.output))

    made = make_list(n=n)
    with dsl.ParallelFor(made.output) as x:
        up_sq = square(x=x)
    total(values=dsl.Collected(up_sq.output))

    with dsl.ParallelFor([{"a": 1, "b": 2}, {"a": 30, "b": 40}]) as pair:
        summed = add(a=pair.a, b=pair.b)
    total(values=dsl.Collected(summed.output))

    with dsl.ParallelFor([1, 2]) as outer:
        with dsl.ParallelFor([10, 20]) as inner:
            nested_sum = add(a=outer, b=inner)
        inner_total = total(values=dsl.Collected(nested_sum.output))
    total(values=dsl.Collected(inner_total.output))
