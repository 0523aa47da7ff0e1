"""Conditions over float, bool and int outputs and pipeline parameters (CEL double()/bool casts)."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def measure(ratio: float) -> float:
    return ratio * 2


@dsl.component(base_image=IMAGE)
def is_even(n: int) -> bool:
    return n % 2 == 0


@dsl.component(base_image=IMAGE)
def mark(label: str) -> str:
    return label


@dsl.pipeline(name="condition-types")
def condition_types(ratio: float = 0.3, n: int = 4, enabled: bool = False):
    m = measure(ratio=ratio)
    e = is_even(n=n)
    with dsl.If(m.output > 0.5):
        mark(label="ratio-high")
    with dsl.If(m.output <= 0.5):
        mark(label="ratio-low")
    with dsl.If(e.output == True):  # noqa: E712 (a pipeline channel, not a Python bool)
        mark(label="even")
    with dsl.If(enabled == True):  # noqa: E712
        mark(label="enabled")
    with dsl.If(n > 3):
        mark(label="n-above-3")
