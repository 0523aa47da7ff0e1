"""Tenancy: a pipeline rooted elsewhere (pipeline_root). The cluster test puts the victim namespace's name, or
another bucket, in place of VICTIM; the run must be refused before any pod."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def hello() -> str:
    return "hello"


@dsl.pipeline(name="tenancy-root", pipeline_root="minio://pipewright/v2/artifacts/VICTIM")
def tenancy_root():
    hello()
