"""A pipeline used as a component inside another (sub-DAG with inputs and an output)."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def add(x: int, y: int) -> int:
    return x + y


@dsl.component(base_image=IMAGE)
def stringify(x: int, prefix: str) -> str:
    return f"{prefix}{x}"


@dsl.pipeline(name="inner")
def inner(a: int, b: int = 10) -> int:
    first = add(x=a, y=b)
    second = add(x=first.output, y=first.output)
    return second.output


@dsl.pipeline(name="nested-pipeline")
def nested_pipeline(start: int = 1):
    i = inner(a=start)
    stringify(x=i.output, prefix="result=")
