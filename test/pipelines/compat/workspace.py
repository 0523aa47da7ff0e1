"""The pipeline workspace (dsl.PipelineConfig(workspace=...)): a file written under
dsl.WORKSPACE_PATH_PLACEHOLDER by one task is read by the next. Locally the workspace is the run's
`.workspace` directory; on the cluster a claim per run (`<run>-kfp-workspace`), mounted in every task and deleted
when the run ends."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_shared(workspace: str, text: str) -> str:
    import os

    path = os.path.join(workspace, "shared", "note.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return "shared/note.txt"


@dsl.component(base_image=IMAGE)
def read_shared(workspace: str, rel: str) -> str:
    import os

    with open(os.path.join(workspace, rel)) as f:
        return f.read()


@dsl.pipeline(name="compat-workspace", pipeline_config=dsl.PipelineConfig(workspace=dsl.WorkspaceConfig(size="1Gi")))
def workspace(text: str = "left in the workspace"):
    w = write_shared(workspace=dsl.WORKSPACE_PATH_PLACEHOLDER, text=text)
    read_shared(workspace=dsl.WORKSPACE_PATH_PLACEHOLDER, rel=w.output)
