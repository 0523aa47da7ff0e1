"""Artifacts in loops: a sub-pipeline returns dsl.Collected artifacts (List[Dataset]); a task consumes the
list; dsl.ParallelFor iterates over that list of artifacts (KFP's backend rejects artifactIterator; we
run it); the per-iteration artifacts are collected again. A pythonic artifact (`-> Dataset` built with
dsl.get_uri()) is returned and read."""
from typing import List

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_text(text: str, out: Output[Dataset]):
    with open(out.path, "w") as f:
        f.write(text)
    out.metadata["length"] = len(text)


@dsl.component(base_image=IMAGE)
def upper_copy(src: Input[Dataset], out: Output[Dataset]):
    with open(src.path) as f:
        text = f.read()
    with open(out.path, "w") as f:
        f.write(text.upper())
    out.metadata["from_length"] = src.metadata["length"]


@dsl.component(base_image=IMAGE)
def concat_all(items: Input[List[Dataset]]) -> str:
    parts = []
    for d in items:
        with open(d.path) as f:
            parts.append(f.read())
    return "+".join(parts)


@dsl.component(base_image=IMAGE)
def pythonic(text: str) -> Dataset:
    ds = Dataset(uri=dsl.get_uri(suffix="pythonic.txt"), metadata={"kind": "pythonic"})
    with open(ds.path, "w") as f:
        f.write(text)
    return ds


@dsl.component(base_image=IMAGE)
def read_one(ds: Input[Dataset]) -> str:
    with open(ds.path) as f:
        return f"{f.read()}|{ds.metadata['kind']}|{ds.uri.endswith('pythonic.txt')}"


@dsl.pipeline(name="produce-texts")
def produce_texts(texts: List[str]) -> List[Dataset]:
    with dsl.ParallelFor(texts, parallelism=2) as t:
        w = write_text(text=t)
    return dsl.Collected(w.outputs["out"])


@dsl.pipeline(name="compat-loop-artifacts")
def loop_artifacts(texts: List[str] = ["x", "yy", "zzz"]):
    produced = produce_texts(texts=texts)
    concat_all(items=produced.output)
    with dsl.ParallelFor(produced.output, parallelism=2) as ds:
        up = upper_copy(src=ds)
    concat_all(items=dsl.Collected(up.outputs["out"]))
    p = pythonic(text="made by get_uri")
    read_one(ds=p.output)
