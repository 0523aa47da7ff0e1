"""dsl.If / dsl.Elif / dsl.Else on an int output, and a OneOf over the branches' outputs."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def score(x: int) -> int:
    return x * 10


@dsl.component(base_image=IMAGE)
def grade(label: str) -> str:
    return label


@dsl.component(base_image=IMAGE)
def report(result: str) -> str:
    return "grade: " + result


@dsl.pipeline(name="if-elif-else")
def if_elif_else(x: int = 6):
    s = score(x=x)
    with dsl.If(s.output >= 80):
        high = grade(label="high")
    with dsl.Elif(s.output >= 50):
        mid = grade(label="mid")
    with dsl.Else():
        low = grade(label="low")
    report(result=dsl.OneOf(high.output, mid.output, low.output))
