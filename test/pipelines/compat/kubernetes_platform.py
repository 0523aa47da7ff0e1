"""kfp-kubernetes platform settings on one task: secrets and config maps as env and as volumes, a PVC,
node selector, toleration, node affinity, image pull secrets, pod labels and annotations, an empty dir,
image pull policy, a field path as env, and an active deadline; a second task gets node selector,
tolerations and node affinity as JSON from pipeline parameters; tasks in a loop get a secret named by an upstream
output and a pod label through a field path. Locally the task runs as usual (the settings shape the
cluster pod; test/unit asserts the pod buildTaskPod makes from this IR)."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def configured(x: int) -> int:
    return x + 1


@dsl.component(base_image=IMAGE)
def secret_name() -> str:
    return "compat-secret"


@dsl.pipeline(name="compat-kubernetes-platform")
def kubernetes_platform(
    pvc_name: str = "compat-pvc",
    x: int = 1,
    selector: dict = {"pool": "batch"},
    tolerations: list = [{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}],
    affinity: dict = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "arch", "operator": "In", "values": ["amd64"]}]}]}},
):
    t = configured(x=x)
    kubernetes.use_secret_as_env(t, secret_name="compat-secret", secret_key_to_env={"password": "SECRET_PASSWORD"})
    kubernetes.use_secret_as_volume(t, secret_name="compat-secret", mount_path="/mnt/secret")
    kubernetes.use_config_map_as_env(t, config_map_name="compat-config", config_map_key_to_env={"mode": "CONFIG_MODE"})
    kubernetes.use_config_map_as_volume(t, config_map_name="compat-config", mount_path="/mnt/config")
    kubernetes.mount_pvc(t, pvc_name=pvc_name, mount_path="/mnt/data")
    kubernetes.add_node_selector(t, label_key="disktype", label_value="ssd")
    kubernetes.add_toleration(t, key="dedicated", operator="Equal", value="pipelines", effect="NoSchedule")
    kubernetes.add_node_affinity(t, match_expressions=[{"key": "zone", "operator": "In", "values": ["a", "b"]}], weight=50)
    kubernetes.set_image_pull_secrets(t, ["compat-registry"])
    kubernetes.add_pod_label(t, "compat/label", "yes")
    kubernetes.add_pod_annotation(t, "compat/annotation", "noted")
    kubernetes.empty_dir_mount(t, volume_name="scratch", mount_path="/scratch", medium="Memory", size_limit="64Mi")
    kubernetes.set_image_pull_policy(t, "IfNotPresent")
    kubernetes.use_field_path_as_env(t, env_name="POD_NAME", field_path="metadata.name")
    kubernetes.set_timeout(t, 120)

    j = configured(x=2)
    kubernetes.add_node_selector_json(j, selector)
    kubernetes.add_toleration_json(j, tolerations)
    kubernetes.add_node_affinity_json(j, affinity)

    # Inside a loop: a secret named by an upstream task's output, a pod label read through a field path.
    n = secret_name()
    with dsl.ParallelFor([10, 20], parallelism=1) as item:
        inner = configured(x=item)
        kubernetes.use_secret_as_env(inner, secret_name=n.output, secret_key_to_env={"password": "SECRET_PASSWORD"})
        kubernetes.use_field_path_as_env(inner, env_name="TASK_LABEL", field_path="metadata.labels['pipewright.dev/task']")
