"""The workspace of KFP's pipeline_with_workspace sample: its claim asks for the `standard` StorageClass, which the
test cluster offers. On a cluster without that class the run fails at once with `storageclass "standard" not found`
and the fix, instead of staying Running with a task pod the scheduler cannot place."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_note(workspace: str) -> str:
    import os

    with open(os.path.join(workspace, "note.txt"), "w") as f:
        f.write("in the workspace")
    return "note.txt"


@dsl.pipeline(
    name="compat-workspace-class",
    pipeline_config=dsl.PipelineConfig(
        workspace=dsl.WorkspaceConfig(
            size="1Gi",
            kubernetes=dsl.KubernetesWorkspaceConfig(pvcSpecPatch={"storageClassName": "standard", "accessModes": ["ReadWriteOnce"]}),
        )
    ),
)
def workspace_class():
    write_note(workspace=dsl.WORKSPACE_PATH_PLACEHOLDER)
