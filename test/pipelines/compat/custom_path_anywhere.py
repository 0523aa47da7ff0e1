"""Artifact.set_path anywhere in the task's container, as KFP's launcher (which runs inside that container) allows:
a file in a volume only the user's container mounts (kfp-kubernetes empty_dir_mount at /scratch) and a folder in a
private volume under /tmp. On the cluster a KFP Python component's main container copies such paths out into the
pod's shared /tmp after the user's code (src/executor/set-path-staging.ts); the next tasks read them. Cluster only:
locally a task's outputs stay under its own directory (custom_path/local)."""
from kfp import dsl, kubernetes
from kfp.dsl import Dataset, Input, Model, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_anywhere(text: str, model: Output[Model], data: Output[Dataset]):
    import os
    model.set_path("/scratch/model.txt")
    with open(model.path, "w") as f:
        f.write(text)
    data.set_path("/tmp/private/data")
    os.makedirs(os.path.join(data.path, "part"))
    with open(os.path.join(data.path, "part", "rows.csv"), "w") as f:
        f.write("a,b\n1,2\n")
    os.chmod(os.path.join(data.path, "part", "rows.csv"), 0o600)


@dsl.component(base_image=IMAGE)
def read_both(model: Input[Model], data: Input[Dataset]) -> str:
    import os
    with open(model.path) as f:
        m = f.read()
    with open(os.path.join(data.path, "part", "rows.csv")) as f:
        return m + "|" + f.read().splitlines()[1]


@dsl.pipeline(name="compat-custom-path-anywhere")
def custom_path_anywhere(text: str = "weights from /scratch"):
    w = write_anywhere(text=text)
    kubernetes.empty_dir_mount(w, volume_name="scratch", mount_path="/scratch")
    kubernetes.empty_dir_mount(w, volume_name="private", mount_path="/tmp/private")
    read_both(model=w.outputs["model"], data=w.outputs["data"])
