"""Tenancy (test/integration/cluster/tenancy.test.ts): one cached task that writes a Dataset and returns a value.
Namespace b runs it; namespace a runs the same pipeline and must not get b's cache entry."""
from kfp import dsl
from kfp.dsl import Dataset, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write(text: str, ds: Output[Dataset]) -> str:
    import os
    with open(ds.path, "w") as f:
        f.write(text)
    return f"{text}|{os.environ.get('HOSTNAME', '')}"


@dsl.pipeline(name="tenancy-writer")
def tenancy_writer(text: str = "b's data"):
    write(text=text)
