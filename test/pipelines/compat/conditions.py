"""dsl.If/Elif/Else on a task output with dsl.OneOf of parameters, dsl.Condition on a bool parameter,
dsl.If/Else on an int parameter with dsl.OneOf of artifacts, and a dsl.If inside a ParallelFor whose
outputs are collected (only the iterations whose branch ran contribute)."""
from typing import List

from kfp import dsl
from kfp.dsl import Artifact, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def classify(n: int) -> str:
    return "small" if n < 10 else ("medium" if n < 100 else "large")


@dsl.component(base_image=IMAGE)
def say(msg: str) -> str:
    return msg


@dsl.component(base_image=IMAGE)
def make_note(text: str, note: Output[Artifact]):
    with open(note.path, "w") as f:
        f.write(text)


@dsl.component(base_image=IMAGE)
def read_note(note: Input[Artifact]) -> str:
    with open(note.path) as f:
        return f.read()


@dsl.component(base_image=IMAGE)
def triple(x: int) -> int:
    return 3 * x


@dsl.component(base_image=IMAGE)
def list_sum(values: List[int]) -> str:
    return f"{len(values)}:{int(sum(values))}"


@dsl.pipeline(name="compat-conditions")
def conditions(n: int = 50, flag: bool = True):
    size = classify(n=n)
    with dsl.If(size.output == "small"):
        small = say(msg="is small")
    with dsl.Elif(size.output == "medium"):
        medium = say(msg="is medium")
    with dsl.Else():
        large = say(msg="is large")
    say(msg=dsl.OneOf(small.output, medium.output, large.output))

    with dsl.Condition(flag == True):  # noqa: E712 (a pipeline channel comparison)
        say(msg="flag is on")

    with dsl.If(n > 10):
        big = make_note(text="above ten")
    with dsl.Else():
        little = make_note(text="ten or less")
    read_note(note=dsl.OneOf(big.outputs["note"], little.outputs["note"]))

    with dsl.ParallelFor([10, 60, 200]) as item:
        with dsl.If(item > n):
            t = triple(x=item)
    list_sum(values=dsl.Collected(t.output))
