"""dsl.importer of an existing artifact by URI (a pipeline parameter), with metadata holding a constant
and a pipeline parameter; the imported artifact is read by a component."""
from kfp import dsl
from kfp.dsl import Dataset, Input

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def read_dataset(ds: Input[Dataset]) -> str:
    with open(ds.path) as f:
        text = f.read()
    return f"{text}|{ds.metadata['source']}|{ds.metadata['label']}"


@dsl.pipeline(name="compat-importer")
def importer_pipeline(uri: str = "/tmp/pipewright-compat-import.txt", label: str = "v1"):
    imported = dsl.importer(
        artifact_uri=uri,
        artifact_class=Dataset,
        reimport=False,
        metadata={"source": "compat", "label": label},
    )
    read_dataset(ds=imported.output)
