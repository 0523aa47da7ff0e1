"""Tenancy: kfp-kubernetes use_secret_as_env with a Secret name from a pipeline parameter; given the
controller's S3 Secret name, the task is refused before its pod exists."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def leak() -> str:
    import os
    return os.environ.get("STOLEN", "")


@dsl.pipeline(name="tenancy-secret-param")
def tenancy_secret_param(secret: str = "my-secret"):
    t = leak()
    kubernetes.use_secret_as_env(t, secret_name=secret, secret_key_to_env={"secretkey": "STOLEN"})
