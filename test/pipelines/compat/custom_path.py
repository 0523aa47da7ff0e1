"""KFP's pipeline_with_artifact_custom_path shape: an output written at a path of the component's choosing in /tmp
(`Artifact.set_path('/tmp/out_dataset')`), read by the next task. On the cluster /tmp is shared with the pod's
outputs step, which uploads it; locally a task's outputs must stay under its own directory, so the runner refuses
the path with a message saying so (docs/kfp-compatibility.md)."""
from kfp import dsl
from kfp.dsl import Dataset, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_tmp(text: str, out_dataset: Output[Dataset]):
    out_dataset.set_path("/tmp/out_dataset")
    with open(out_dataset.path, "w") as f:
        f.write(text)


@dsl.component(base_image=IMAGE)
def read_dataset(dataset: Input[Dataset]) -> str:
    with open(dataset.path) as f:
        return f.read()


@dsl.pipeline(name="compat-custom-path")
def custom_path(text: str = "written in /tmp"):
    w = write_tmp(text=text)
    read_dataset(dataset=w.outputs["out_dataset"])
