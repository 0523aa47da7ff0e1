"""Pipelines used as components, two levels deep, returning a parameter and an artifact (NamedTuple),
and a sub-pipeline called in a ParallelFor whose outputs are collected."""
from typing import List, NamedTuple

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def double(x: int) -> int:
    return 2 * x


@dsl.component(base_image=IMAGE)
def add_one(x: int) -> int:
    return x + 1


@dsl.component(base_image=IMAGE)
def write_report(value: int, report: Output[Dataset]):
    with open(report.path, "w") as f:
        f.write(f"value={value}")
    report.metadata["value"] = value


@dsl.component(base_image=IMAGE)
def consume(total: int, report: Input[Dataset]) -> str:
    with open(report.path) as f:
        return f"{total} {f.read()}"


@dsl.component(base_image=IMAGE)
def sum_all(values: List[int]) -> int:
    return int(sum(values))


@dsl.pipeline(name="leaf")
def leaf(x: int) -> NamedTuple("LeafOut", [("doubled", int), ("report", Dataset)]):
    d = double(x=x)
    r = write_report(value=d.output)
    Out = NamedTuple("LeafOut", [("doubled", int), ("report", Dataset)])
    return Out(doubled=d.output, report=r.outputs["report"])


@dsl.pipeline(name="middle")
def middle(x: int) -> NamedTuple("MiddleOut", [("total", int), ("report", Dataset)]):
    inner = leaf(x=x)
    plus = add_one(x=inner.outputs["doubled"])
    Out = NamedTuple("MiddleOut", [("total", int), ("report", Dataset)])
    return Out(total=plus.output, report=inner.outputs["report"])


@dsl.pipeline(name="compat-nested-pipelines")
def nested_pipelines(x: int = 4):
    m = middle(x=x)
    consume(total=m.outputs["total"], report=m.outputs["report"])
    with dsl.ParallelFor([1, 2]) as i:
        lf = leaf(x=i)
    sum_all(values=dsl.Collected(lf.outputs["doubled"]))
