"""dsl.Condition (the tutorial's form) on a string output: one branch runs, the other is skipped."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def size_of(n: int) -> str:
    return "big" if n > 5 else "small"


@dsl.component(base_image=IMAGE)
def announce(message: str) -> str:
    print(message)
    return message


@dsl.pipeline(name="condition-basic")
def condition_basic(n: int = 7):
    s = size_of(n=n)
    with dsl.Condition(s.output == "big", name="is-big"):
        announce(message="it is big").set_display_name("say-big")
    with dsl.Condition(s.output != "big"):
        announce(message="it is small")
