"""File-based I/O in lightweight components: OutputPath/InputPath for artifacts and an
OutputPath(str) output parameter, plus a Dataset returned from a task into an Input."""
from kfp import dsl
from kfp.dsl import InputPath, OutputPath

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def write_lines(n: int, lines: OutputPath("Dataset"), summary: OutputPath(str)):
    with open(lines, "w") as f:
        for i in range(n):
            f.write(f"line {i}\n")
    with open(summary, "w") as f:
        f.write(f"{n} lines")


@dsl.component(base_image=IMAGE)
def count_lines(lines: InputPath("Dataset"), summary: str) -> str:
    with open(lines) as f:
        n = len(f.read().splitlines())
    return f"{summary}; counted {n}"


@dsl.pipeline(name="input-output-paths")
def input_output_paths(n: int = 4):
    w = write_lines(n=n)
    count_lines(lines=w.outputs["lines"], summary=w.outputs["summary"])
