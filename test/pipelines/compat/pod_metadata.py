"""kfp-kubernetes settings in a local run: pod labels and annotations read through use_field_path_as_env get their
values, a Secret as env comes from `--secrets-dir`, and every setting a process cannot have (another field path,
a node selector, a Secret without a secrets directory) is named in a warning (src/local/platform-local.ts)."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def read_env() -> str:
    import os

    return "|".join(os.environ.get(k, "unset") for k in ["TEAM", "NOTE", "POD_NAME", "TOKEN"])


@dsl.pipeline(name="compat-pod-metadata")
def pod_metadata():
    t = read_env()
    kubernetes.add_pod_label(t, "team", "ml")
    kubernetes.add_pod_annotation(t, "example.com/note", "from an annotation")
    kubernetes.use_field_path_as_env(t, env_name="TEAM", field_path="metadata.labels['team']")
    kubernetes.use_field_path_as_env(t, env_name="NOTE", field_path="metadata.annotations['example.com/note']")
    kubernetes.use_field_path_as_env(t, env_name="POD_NAME", field_path="metadata.name")
    kubernetes.use_secret_as_env(t, secret_name="compat-secret", secret_key_to_env={"password": "TOKEN"})
    kubernetes.add_node_selector(t, "disktype", "ssd")
