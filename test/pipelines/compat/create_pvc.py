"""kfp-kubernetes CreatePVC / DeletePVC without mounts, so it runs in both modes: the claim is named after the run
with a suffix, a task receives that name, DeletePVC removes the claim. A bad size fails CreatePVC with a message
naming the input, and the tasks after it are skipped. (Mounting the claim: volumes.py, cluster only.)"""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def check_name(name: str, run: str) -> str:
    return "ok" if name == run + "-scratch" else "unexpected claim name: " + name


@dsl.pipeline(name="compat-create-pvc")
def create_pvc(size: str = "1Mi"):
    pvc = kubernetes.CreatePVC(pvc_name_suffix="-scratch", access_modes=["ReadWriteOnce"], size=size)
    check = check_name(name=pvc.outputs["name"], run=dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER)
    kubernetes.DeletePVC(pvc_name=pvc.outputs["name"]).after(check)
