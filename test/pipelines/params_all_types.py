"""Every parameter type (str, int, float, bool, list, dict) in and out, with defaults and overrides."""
from typing import Dict, List, NamedTuple

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def transform(s: str, i: int, f: float, b: bool, l: list, d: dict) -> NamedTuple(
    "Outputs", s=str, i=int, f=float, b=bool, l=list, d=dict
):
    from collections import namedtuple

    out = namedtuple("Outputs", ["s", "i", "f", "b", "l", "d"])
    return out(s.upper(), i * 2, f / 2, not b, l + [len(l)], {**d, "n": len(d)})


@dsl.component(base_image=IMAGE)
def typed_lists(names: List[str], weights: Dict[str, float]) -> str:
    return ",".join(f"{n}={weights.get(n, 0.0)}" for n in names)


@dsl.component(base_image=IMAGE)
def describe(s: str, i: int, f: float, b: bool, l: list, d: dict) -> str:
    # repr() of every value after the round trip through the runner: checks the types arrived.
    return f"{s!r} {i!r} {f!r} {b!r} {l!r} {sorted(d.items())!r}"


@dsl.pipeline(name="params-all-types")
def params_all_types(
    s: str = "hello",
    i: int = 21,
    f: float = 2.5,
    b: bool = True,
    l: list = [1, "two", 3.5],
    d: dict = {"a": 1, "b": [True, "z"]},
    names: List[str] = ["x", "y"],
    weights: Dict[str, float] = {"x": 0.25},
):
    t = transform(s=s, i=i, f=f, b=b, l=l, d=d)
    describe(
        s=t.outputs["s"],
        i=t.outputs["i"],
        f=t.outputs["f"],
        b=t.outputs["b"],
        l=t.outputs["l"],
        d=t.outputs["d"],
    )
    typed_lists(names=names, weights=weights)
