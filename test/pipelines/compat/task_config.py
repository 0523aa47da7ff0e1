"""dsl.TaskConfig: a component parameter annotated dsl.TaskConfig receives the task's pod settings, as KFP's
driver builds them (backend/src/v2/driver: resources, env, volumes, node selector, tolerations, affinity).

- `forwarded`: every field passed through (`task_config_passthroughs`), ENV and KUBERNETES_VOLUMES also
  applied to the task itself (apply_to_task=True), the rest not.
- `plain`: no passthroughs: the TaskConfig is empty (resources {} and the rest None) and every setting
  applies to the task, as without a TaskConfig.
- `env_kept_out`: ENV passed through without apply_to_task: the TaskConfig lists the variable, the task's
  own environment does not have it.

Each returns what it received as a dict, plus whether COMPAT_TC_ENV is set in its own environment.
Locally the Secret, PVC and scheduling settings are not applied (no cluster) but still reach the TaskConfig;
on the cluster the Secret and PVC are those of kubernetes_platform.py (compat-secret, compat-pvc).
"""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(
    base_image=IMAGE,
    task_config_passthroughs=[
        dsl.TaskConfigField.RESOURCES,
        dsl.TaskConfigField.KUBERNETES_TOLERATIONS,
        dsl.TaskConfigField.KUBERNETES_NODE_SELECTOR,
        dsl.TaskConfigField.KUBERNETES_AFFINITY,
        dsl.TaskConfigPassthrough(field=dsl.TaskConfigField.ENV, apply_to_task=True),
        dsl.TaskConfigPassthrough(field=dsl.TaskConfigField.KUBERNETES_VOLUMES, apply_to_task=True),
    ],
)
def forwarded(task_config: dsl.TaskConfig, label: str) -> dict:
    import os

    return {
        "label": label,
        "affinity": task_config.affinity,
        "tolerations": task_config.tolerations,
        "node_selector": task_config.node_selector,
        "env": task_config.env,
        "volumes": task_config.volumes,
        "volume_mounts": task_config.volume_mounts,
        "resources": task_config.resources,
        "own_env": os.environ.get("COMPAT_TC_ENV", "<unset>"),
    }


@dsl.component(base_image=IMAGE)
def plain(cfg: dsl.TaskConfig) -> dict:
    import os

    return {
        "affinity": cfg.affinity,
        "tolerations": cfg.tolerations,
        "node_selector": cfg.node_selector,
        "env": cfg.env,
        "volumes": cfg.volumes,
        "volume_mounts": cfg.volume_mounts,
        "resources": cfg.resources,
        "own_env": os.environ.get("COMPAT_TC_ENV", "<unset>"),
    }


@dsl.component(base_image=IMAGE, task_config_passthroughs=[dsl.TaskConfigField.ENV])
def env_kept_out(cfg: dsl.TaskConfig) -> dict:
    import os

    return {"env": cfg.env, "resources": cfg.resources, "own_env": os.environ.get("COMPAT_TC_ENV", "<unset>")}


@dsl.pipeline(name="compat-task-config")
def task_config(cpu_limit: str = "1500m", pvc_name: str = "compat-pvc"):
    f = forwarded(label="forwarded")
    f.set_cpu_request("250m").set_cpu_limit(cpu_limit)
    f.set_memory_request("524288Ki").set_memory_limit("1024Mi")
    f.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
    f.set_env_variable("COMPAT_TC_ENV", "forwarded")
    kubernetes.use_secret_as_env(f, secret_name="compat-secret", secret_key_to_env={"password": "TC_PASSWORD"})
    kubernetes.mount_pvc(f, pvc_name=pvc_name, mount_path="/mnt/tc")
    kubernetes.add_node_selector(f, label_key="pool", label_value="trainers")
    kubernetes.add_toleration(f, key="dedicated", operator="Equal", value="training", effect="NoSchedule")
    kubernetes.add_node_affinity(f, match_expressions=[{"key": "zone", "operator": "In", "values": ["a", "b"]}])

    p = plain()
    p.set_env_variable("COMPAT_TC_ENV", "plain")
    p.set_cpu_limit("1")

    e = env_kept_out()
    e.set_env_variable("COMPAT_TC_ENV", "kept out")
