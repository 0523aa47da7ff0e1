"""Container components (@dsl.container_component): `sh -c` and `python3 -c` commands writing an
output parameter (OutputPath(str)) and an output artifact, consumed by a lightweight component.
Parameters reach the scripts through argv, never spliced into the script text."""
from kfp import dsl
from kfp.dsl import Dataset, Input, Output, OutputPath

IMAGE = "python:3.11"


@dsl.container_component
def greet_sh(name: str, greeting: OutputPath(str), data: Output[Dataset]):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c"],
        args=[
            'mkdir -p "$(dirname "$2")" "$(dirname "$3")" && printf "hello, %s" "$1" > "$2" && printf "name\\n%s\\n" "$1" > "$3"',
            "greet-sh",
            name,
            greeting,
            data.path,
        ],
    )


@dsl.container_component
def count_py(data: Input[Dataset], count: OutputPath(int)):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=[
            "python3",
            "-c",
            "import os, sys\n"
            "lines = open(sys.argv[1]).read().splitlines()\n"
            "os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)\n"
            "open(sys.argv[2], 'w').write(str(len(lines)))\n",
        ],
        args=[data.path, count],
    )


@dsl.component(base_image=IMAGE)
def combine(greeting: str, count: int, data: Input[Dataset]) -> str:
    with open(data.path) as f:
        last = f.read().splitlines()[-1]
    return f"{greeting} / {count} lines / last={last}"


@dsl.pipeline(name="container-component")
def container_component(name: str = "pipewright"):
    g = greet_sh(name=name)
    c = count_py(data=g.outputs["data"])
    combine(greeting=g.outputs["greeting"], count=c.outputs["count"], data=g.outputs["data"])
