"""KFP's modelcar sample shape: an importer of a KServe modelcar image (`oci://`). On the cluster the image's /models
is mounted at the consumer's Model.path (test/integration/cluster/modelcar.test.ts runs this shape with a test
image); the local runner refuses it at load time, naming the task and the fix."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def read_model(model: dsl.Input[dsl.Model]) -> str:
    return model.uri


@dsl.pipeline(name="compat-modelcar")
def modelcar():
    m = dsl.importer(artifact_uri="oci://registry.example/models/demo:1.0", artifact_class=dsl.Model)
    read_model(model=m.output)
