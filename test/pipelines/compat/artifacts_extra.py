"""Artifact features of kfp 2.17: an output artifact written at a path of the component's choosing
(`Artifact.set_path`, reported to the backend as `custom_path` and copied to the artifact's URI), and
`dsl.EmbeddedInput` of a directory and of a single file (`embedded_artifact_path`, packed into the
component's source at compile time, relative to this file)."""
import os

from kfp import dsl
from kfp.dsl import Input, Model, Output

IMAGE = "python:3.11"
ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "embedded_assets")


@dsl.component(base_image=IMAGE)
def write_custom(text: str, model: Output[Model]) -> str:
    import os

    default = model.path
    # A path of our own (beside the default one, so the cluster's output step can read it too).
    model.set_path(os.path.join(os.path.dirname(default), "custom", "weights.txt"))
    os.makedirs(os.path.dirname(model.path), exist_ok=True)
    with open(model.path, "w") as f:
        f.write(text)
    model.metadata["custom"] = True
    return "moved" if model.path != default else "same"


@dsl.component(base_image=IMAGE)
def read_model(model: Input[Model]) -> str:
    with open(model.path) as f:
        return f"{f.read()}|{model.metadata['custom']}"


@dsl.component(base_image=IMAGE, embedded_artifact_path=ASSETS)
def read_embedded_dir(key: str, assets: dsl.EmbeddedInput[dsl.Dataset]) -> str:
    import json
    import os

    with open(os.path.join(assets.path, "greeting.txt")) as f:
        greeting = f.read().strip()
    with open(os.path.join(assets.path, "lookup.json")) as f:
        value = json.load(f)[key]
    return f"{greeting}|{key}={value}|{sorted(os.listdir(assets.path))}"


@dsl.component(base_image=IMAGE, embedded_artifact_path=os.path.join(ASSETS, "greeting.txt"))
def read_embedded_file(asset: dsl.EmbeddedInput[dsl.Artifact]) -> str:
    import os

    with open(asset.path) as f:
        return f"{os.path.basename(asset.path)}:{f.read().strip()}"


@dsl.pipeline(name="compat-artifacts-extra")
def artifacts_extra_pipeline(text: str = "w=1", key: str = "beta"):
    w = write_custom(text=text)
    read_model(model=w.outputs["model"])
    read_embedded_dir(key=key)
    read_embedded_file()
