"""Tasks that try to make the local runner put files from outside their own task root into an artifact:
set_path (custom_path) at /etc/passwd, an artifact returned with a URI elsewhere (as dsl.get_uri renames
are), and an artifact path that is a symbolic link. Each must fail with a clear message; set_path inside
the task's own directory still works. Compiled at test time (compileKfpPipeline, pipelineFunc picks one)."""
from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def steal_passwd(model: Output[Model]):
    model.set_path("/etc/passwd")


@dsl.component(base_image=IMAGE)
def elsewhere(target: str) -> Dataset:
    import os

    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write("outside")
    return Dataset(uri=target)


@dsl.component(base_image=IMAGE)
def link_out(model: Output[Model]):
    import os

    os.makedirs(os.path.dirname(model.path), exist_ok=True)
    os.symlink("/etc/passwd", model.path)


@dsl.component(base_image=IMAGE)
def custom_inside(text: str, model: Output[Model]):
    import os

    model.set_path(os.path.join(os.path.dirname(model.path), "custom", "weights.txt"))
    os.makedirs(os.path.dirname(model.path), exist_ok=True)
    with open(model.path, "w") as f:
        f.write(text)


@dsl.component(base_image=IMAGE)
def read_model(model: Input[Model]) -> str:
    with open(model.path) as f:
        return f.read()


@dsl.pipeline(name="steal-passwd")
def steal():
    steal_passwd()


@dsl.pipeline(name="uri-elsewhere")
def uri_elsewhere(target: str):
    elsewhere(target=target)


@dsl.pipeline(name="link-out")
def link():
    link_out()


@dsl.pipeline(name="custom-inside")
def inside(text: str = "weights"):
    c = custom_inside(text=text)
    read_model(model=c.outputs["model"])
