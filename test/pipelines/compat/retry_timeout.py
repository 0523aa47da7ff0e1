"""set_retry: a flaky task that succeeds on its third attempt (backoff 1s, factor 3, each delay capped at 2s), a task
whose retries run out; kfp-kubernetes set_timeout on a task that sleeps past it. The run fails on purpose.
The flaky task counts its attempts in a file in the run's workspace, which every attempt sees (locally the run's
`.workspace` directory, on the cluster the run's workspace claim) and which starts empty in each run."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def flaky(workspace: str, succeed_on: int) -> int:
    import os
    import sys

    counter = os.path.join(workspace, "flaky-attempts")
    n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
    with open(counter, "w") as f:
        f.write(str(n))
    if n < succeed_on:
        print(f"attempt {n}: failing", file=sys.stderr)
        sys.exit(1)
    return n


@dsl.component(base_image=IMAGE)
def always_fail():
    import sys

    sys.exit(2)


@dsl.component(base_image=IMAGE)
def sleepy(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "woke up"


@dsl.pipeline(name="compat-retry-timeout", pipeline_config=dsl.PipelineConfig(workspace=dsl.WorkspaceConfig(size="10Mi")))
def retry_timeout():
    flaky(workspace=dsl.WORKSPACE_PATH_PLACEHOLDER, succeed_on=3).set_retry(num_retries=3, backoff_duration="1s", backoff_factor=3.0, backoff_max_duration="2s")
    always_fail().set_retry(num_retries=1, backoff_duration="0s")
    slow = sleepy(seconds=60.0)
    kubernetes.set_timeout(slow, 3)
