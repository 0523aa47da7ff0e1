"""kfp-kubernetes volumes and identity: CreatePVC (named after the run with a suffix) mounted by a writer, a
reader task and the iterations of a loop, and deleted after them with DeletePVC; a generic ephemeral volume; a security context (user and
group). Cluster only: locally there are no claims or users to switch to (CreatePVC/DeletePVC resolve the claim
name and succeed, mounts are ignored), so the reader would not find the writer's file."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_file(path: str, text: str) -> str:
    import os

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


@dsl.component(base_image=IMAGE)
def read_file(path: str) -> str:
    with open(path) as f:
        return f.read()


@dsl.component(base_image=IMAGE)
def scratch_roundtrip(directory: str) -> str:
    import os

    path = os.path.join(directory, "tmp.bin")
    with open(path, "wb") as f:
        f.write(b"x" * 1024)
    return f"{os.path.getsize(path)} bytes in {directory}"


@dsl.component(base_image=IMAGE)
def identity() -> str:
    import os

    return f"{os.getuid()}:{os.getgid()}"


@dsl.pipeline(name="compat-volumes")
def volumes(text: str = "through the claim"):
    pvc = kubernetes.CreatePVC(pvc_name_suffix="-shared", access_modes=["ReadWriteOnce"], size="10Mi")
    w = write_file(path="/mnt/shared/notes/note.txt", text=text)
    kubernetes.mount_pvc(w, pvc_name=pvc.outputs["name"], mount_path="/mnt/shared")
    r = read_file(path=w.output).after(w)
    kubernetes.mount_pvc(r, pvc_name=pvc.outputs["name"], mount_path="/mnt/shared")
    with dsl.ParallelFor(["a", "b"]) as sub:
        # The claim named by CreatePVC's output, mounted in every iteration of a loop.
        each = read_file(path="/data/notes/note.txt").after(w)
        kubernetes.mount_pvc(each, pvc_name=pvc.outputs["name"], mount_path="/data")
    kubernetes.DeletePVC(pvc_name=pvc.outputs["name"]).after(r, each)

    s = scratch_roundtrip(directory="/scratch")
    kubernetes.add_ephemeral_volume(s, volume_name="scratch", mount_path="/scratch", access_modes=["ReadWriteOnce"], size="5Mi", labels={"compat": "ephemeral"})

    who = identity()
    kubernetes.set_security_context(who, run_as_user=1000, run_as_group=3000, run_as_non_root=True)
