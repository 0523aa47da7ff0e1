"""Smaller shapes KFP's own test pipelines use: OutputPath of bool/dict/list read back typed; a Dataset returned
by the function; a directory artifact (files in a sub-directory) read by the next task; v1 YAML components
(load_component_from_text) with `env:` that set_env_variable overrides and an outputPath in `command`; caching
turned off on a sub-pipeline task; a pipeline display name."""
from typing import Dict, List

from kfp import components, dsl
from kfp.dsl import Dataset, Input, Model, Output, OutputPath

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def typed_outputs(flag: OutputPath(bool), config: OutputPath(dict), items: OutputPath(list)):
    import json

    with open(flag, "w") as f:
        f.write("true")
    with open(config, "w") as f:
        json.dump({"lr": 0.5, "layers": [2, 3]}, f)
    with open(items, "w") as f:
        json.dump(["a", "b"], f)


@dsl.component(base_image=IMAGE)
def use_typed(flag: bool, config: Dict, items: List) -> str:
    return f"{type(flag).__name__}:{flag}|{config['lr']}:{config['layers']}|{'+'.join(items)}"


@dsl.component(base_image=IMAGE)
def text_dataset() -> Dataset:
    # A pythonic output: the returned artifact's file holds what the task wrote to its path.
    ds = Dataset(uri=dsl.get_uri())
    with open(ds.path, "w") as f:
        f.write("rows=3")
    return ds


@dsl.component(base_image=IMAGE)
def read_dataset(data: Input[Dataset]) -> str:
    with open(data.path) as f:
        return f.read()


SAY = components.load_component_from_text(
    """
name: say
inputs:
- {name: word, type: String}
outputs:
- {name: said, type: String}
implementation:
  container:
    image: python:3.11
    env:
      GREETING: hello
    command:
    - python3
    - -c
    - |
      import os, sys
      os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
      open(sys.argv[2], "w").write(os.environ["GREETING"] + " " + sys.argv[1])
    - {inputValue: word}
    - {outputPath: said}
"""
)


@dsl.component(base_image=IMAGE)
def save_model_dir(model: Output[Model]):
    # A directory artifact (a SavedModel-style tree): uploaded and downloaded as a whole.
    import os

    os.makedirs(os.path.join(model.path, "variables"))
    with open(os.path.join(model.path, "saved_model.pb"), "w") as f:
        f.write("graph")
    with open(os.path.join(model.path, "variables", "weights.bin"), "w") as f:
        f.write("0101")


@dsl.component(base_image=IMAGE)
def load_model_dir(model: Input[Model]) -> str:
    import os

    files = sorted(os.path.relpath(os.path.join(d, f), model.path) for d, _, fs in os.walk(model.path) for f in fs)
    return ";".join(f"{name}={open(os.path.join(model.path, name)).read()}" for name in files)


@dsl.component(base_image=IMAGE)
def count(x: int) -> int:
    return x + 1


@dsl.pipeline
def counted(x: int) -> int:
    return count(x=x).output


@dsl.pipeline(name="compat-shapes", display_name="Compat: small shapes")
def shapes(word: str = "world"):
    t = typed_outputs()
    use_typed(flag=t.outputs["flag"], config=t.outputs["config"], items=t.outputs["items"])
    read_dataset(data=text_dataset().output)
    SAY(word=word)
    SAY(word=word).set_env_variable("GREETING", "hi")
    counted(x=1).set_caching_options(False)
    load_model_dir(model=save_model_dir().outputs["model"])
