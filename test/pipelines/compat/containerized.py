"""Containerized Python components (`@dsl.component(target_image=...)`): the compiled command is
`python3 -m kfp.dsl.executor_main --function_to_execute <fn>`, with the function's module expected inside
the image that `kfp component build` makes. On the cluster the pod runs that image unchanged. Locally there is
no image: pipewright runs the same command in its kfp venv with `--component_module_path` set to the module
found next to the pipeline file (a kfp_config.ini there, or a .py defining the function, as this file does).
"""
from kfp import dsl
from kfp.dsl import Dataset, Output

IMAGE = "registry.local/compat/containerized:v1"


@dsl.component(base_image="python:3.11", target_image=IMAGE)
def containerized_greet(name: str, report: Output[Dataset]) -> str:
    import os

    greeting = f"hello {name} from {os.path.basename(__file__)}"
    with open(report.path, "w") as f:
        f.write(greeting)
    return greeting


@dsl.component(base_image="python:3.11")
def containerized_read(report: dsl.Input[Dataset]) -> str:
    with open(report.path) as f:
        return f.read().upper()


@dsl.pipeline(name="compat-containerized")
def containerized(name: str = "world"):
    g = containerized_greet(name=name)
    containerized_read(report=g.outputs["report"])
