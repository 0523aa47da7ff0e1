"""set_retry: a flaky task that succeeds on its third attempt (backoff 1s, factor 3, each delay capped at 2s), a task
whose retries run out; kfp-kubernetes set_timeout on a task that sleeps past it. The run fails on purpose.
`counter` is a file the flaky task counts its attempts in (one per run: pass a fresh path)."""
from kfp import dsl, kubernetes

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def flaky(counter: str, succeed_on: int) -> int:
    import os
    import sys

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


@dsl.pipeline(name="compat-retry-timeout")
def retry_timeout(counter: str = "/tmp/pipewright-compat-flaky-counter"):
    flaky(counter=counter, succeed_on=3).set_retry(num_retries=3, backoff_duration="1s", backoff_factor=3.0, backoff_max_duration="2s")
    always_fail().set_retry(num_retries=1, backoff_duration="0s")
    slow = sleepy(seconds=60.0)
    kubernetes.set_timeout(slow, 3)
