"""Pipelines for the local runner's own behaviour: retries, stopping, importers.
Compiled at test time by the real kfp SDK (compileKfpPipeline, pipelineFunc picks one)."""
from kfp import dsl
from kfp.dsl import Dataset, Input

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def flaky(marker_dir: str) -> str:
    """Fails on its first attempt, succeeds on the next (the marker file remembers)."""
    import os
    import sys

    marker = os.path.join(marker_dir, "attempted")
    if not os.path.exists(marker):
        open(marker, "w").close()
        print("first attempt fails", file=sys.stderr)
        sys.exit(4)
    return "ok after retry"


@dsl.pipeline(name="retry-once")
def retry_once(marker_dir: str):
    flaky(marker_dir=marker_dir).set_retry(num_retries=2, backoff_duration="1s", backoff_factor=1.0)


@dsl.component(base_image=IMAGE)
def sleeper(seconds: int, pid_file: str) -> str:
    """Starts a grandchild so a stop must reach the whole process group."""
    import subprocess
    import time

    child = subprocess.Popen(["sleep", str(seconds)])
    with open(pid_file, "w") as f:
        f.write(str(child.pid))
    time.sleep(seconds)
    return "woke up"


@dsl.component(base_image=IMAGE)
def after(value: str) -> str:
    return value


@dsl.pipeline(name="long-sleep")
def long_sleep(pid_file: str, seconds: int = 60):
    s = sleeper(seconds=seconds, pid_file=pid_file)
    after(value=s.output)


@dsl.component(base_image=IMAGE)
def read_dataset(data: Input[Dataset]) -> str:
    with open(data.path) as f:
        return f.read().strip()


@dsl.pipeline(name="import-file")
def import_file(uri: str):
    imported = dsl.importer(artifact_uri=uri, artifact_class=Dataset, reimport=False, metadata={"origin": "test"})
    read_dataset(data=imported.output)
