"""KFP's modelcar sample shape: an importer of a KServe modelcar image (`oci://`). Pipewright does not support oci://
artifacts: the pipeline is refused at validation, naming the task and what to import instead (a copy of this IR
is test/malformed/ir-modelcar-importer.yaml)."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def read_model(model: dsl.Input[dsl.Model]) -> str:
    return model.uri


@dsl.pipeline(name="compat-modelcar")
def modelcar():
    m = dsl.importer(artifact_uri="oci://registry.example/models/demo:1.0", artifact_class=dsl.Model)
    read_model(model=m.output)
