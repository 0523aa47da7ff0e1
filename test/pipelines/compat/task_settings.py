"""Task settings: cpu/memory requests and limits, accelerator type and limit, environment variables and
display names, a container image from a pipeline parameter. Locally the resources and the image are
ignored (they shape the cluster pod); env and names show."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def read_env(name: str) -> str:
    import os

    return os.environ.get(name, "<unset>")


@dsl.pipeline(name="compat-task-settings")
def task_settings(greeting: str = "hi", image: str = "python:3.11"):
    t = read_env(name="COMPAT_GREETING")
    t.set_env_variable("COMPAT_GREETING", "hello from env")
    t.set_display_name("Read the greeting")
    t.set_cpu_request("100m").set_cpu_limit("500m")
    t.set_memory_request("64Mi").set_memory_limit("128Mi")
    g = read_env(name="COMPAT_UNSET")
    g.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
    g.set_display_name("Accelerated")
    i = read_env(name="COMPAT_UNSET")
    i.set_container_image(image)
    i.set_display_name("Image from a parameter")
