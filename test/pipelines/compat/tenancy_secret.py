"""Tenancy: kfp-kubernetes use_secret_as_env with the controller's own S3 Secret, by a constant name (refused
for the whole run) and by a name from a parameter (refused for the task whose pod would mount it)."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def leak() -> str:
    import os
    return os.environ.get("STOLEN", "")


@dsl.pipeline(name="tenancy-secret")
def tenancy_secret():
    t = leak()
    kubernetes.use_secret_as_env(t, secret_name="pipewright-s3", secret_key_to_env={"secretkey": "STOLEN"})
