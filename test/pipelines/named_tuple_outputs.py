"""NamedTuple outputs consumed field by field downstream, plus a plain single return."""
from typing import NamedTuple

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def divide(a: int, b: int) -> NamedTuple("Outputs", quotient=int, remainder=int, text=str):
    from collections import namedtuple

    q, r = divmod(a, b)
    return namedtuple("Outputs", ["quotient", "remainder", "text"])(q, r, f"{a} = {q} * {b} + {r}")


@dsl.component(base_image=IMAGE)
def add(x: int, y: int) -> int:
    return x + y


@dsl.component(base_image=IMAGE)
def shout(text: str) -> str:
    return text.upper() + "!"


@dsl.pipeline(name="named-tuple-outputs")
def named_tuple_outputs(a: int = 17, b: int = 5):
    d = divide(a=a, b=b)
    add(x=d.outputs["quotient"], y=d.outputs["remainder"])
    shout(text=d.outputs["text"])
