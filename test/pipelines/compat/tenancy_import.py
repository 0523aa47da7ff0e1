"""Tenancy: dsl.importer of a URI given as a parameter, read by a component. From another namespace's prefix
the importer must fail (the controller's tenancy rules) and the reader never run."""
from kfp import dsl
from kfp.dsl import Dataset, Input

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def read(ds: Input[Dataset]) -> str:
    with open(ds.path) as f:
        return f.read()


@dsl.pipeline(name="tenancy-import")
def tenancy_import(uri: str = "minio://pipewright/v2/artifacts/somewhere/else"):
    imported = dsl.importer(artifact_uri=uri, artifact_class=Dataset, reimport=False)
    read(ds=imported.output)
