"""Caching with KFP's semantics: on by default, keyed by component + resolved inputs; outputs (parameter
and artifact) reused on a rerun; set_caching_options(False) opts one task out. The values carry a
nanosecond clock so a reused output is told apart from a recomputed one."""
from kfp import dsl
from kfp.dsl import Dataset, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def stamp(x: int) -> str:
    import time

    return f"{x}@{time.time_ns()}"


@dsl.component(base_image=IMAGE)
def write(text: str, out: Output[Dataset]):
    with open(out.path, "w") as f:
        f.write(text)


@dsl.component(base_image=IMAGE)
def read(ds: Input[Dataset]) -> str:
    with open(ds.path) as f:
        return "read " + f.read()


@dsl.pipeline(name="compat-caching")
def caching(x: int = 1):
    a = stamp(x=x)
    fixed = stamp(x=100)
    w = write(text=a.output)
    read(ds=w.outputs["out"])
    never = stamp(x=x).after(fixed)
    never.set_caching_options(False)
