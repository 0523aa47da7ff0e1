"""Every parameter type (str, int, float, bool, list, dict) in and out, with defaults and overrides.

Defaults avoid integral numbers inside list/dict values: the IR stores them as protobuf Values
(doubles), and whether a component then sees 1 or 1.0 differs between runtimes."""
from typing import Dict, List, NamedTuple

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def transform(s: str, i: int, f: float, b: bool, l: list, d: dict) -> NamedTuple(
    "Outputs", s=str, i=int, f=float, b=bool, l=list, d=dict
):
    from collections import namedtuple

    out = namedtuple("Outputs", ["s", "i", "f", "b", "l", "d"])
    # Added numbers are non-integral: integral values inside lists/dicts come back as 3 or 3.0
    # depending on the runtime (protobuf Values are doubles; kfp.local keeps 3.0, JSON gives 3).
    return out(s.upper(), i * 2, f / 2, not b, l + [len(l) + 0.5], {**d, "n": str(len(d))})


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
    l: list = ["one", 2.5, True],
    d: dict = {"a": "x", "b": [True, 0.5]},
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
