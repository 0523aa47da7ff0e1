"""Tasks that set a non-root user with kfp-kubernetes, so the run passes the Pod Security `restricted`
profile: an artifact and an output parameter go from one task (uid 1000) to the next (uid 2000). The
optional task sets no user; in a restricted namespace its pod is refused (test/integration/cluster/pod-security.test.ts)."""
from kfp import dsl, kubernetes
from kfp.dsl import Dataset, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def produce(text: str, data: Output[Dataset]) -> int:
    import os

    with open(data.path, "w") as f:
        f.write(text)
    return os.getuid()


@dsl.component(base_image=IMAGE)
def consume(data: Input[Dataset], producer_uid: int) -> str:
    import os

    with open(data.path) as f:
        return f"{f.read()} from uid {producer_uid}, read by uid {os.getuid()}"


@dsl.component(base_image=IMAGE)
def unconfined() -> str:
    return "ran without a user"


@dsl.pipeline(name="pod-security")
def pod_security(text: str = "restricted", with_unconfined: bool = False):
    p = produce(text=text)
    # A non-zero user is enough: pipewright states runAsNonRoot for it (docs/security.md).
    kubernetes.set_security_context(p, run_as_user=1000, run_as_group=3000)
    c = consume(data=p.outputs["data"], producer_uid=p.outputs["Output"])
    kubernetes.set_security_context(c, run_as_user=2000, run_as_non_root=True)
    # A uid without a passwd entry gets HOME=/; the start-up pip install needs a writable one.
    for t in (p, c):
        t.set_env_variable("HOME", "/tmp")
    with dsl.If(with_unconfined == True):  # noqa: E712 (a pipeline condition, not a Python comparison)
        unconfined().after(c)
