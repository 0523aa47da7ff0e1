"""Control-flow combinations: a dsl.If nested in a dsl.If on upstream outputs (the inner one on an output
made inside the outer branch), a dsl.Condition comparing two task outputs, a sub-pipeline with two
Conditions called in a ParallelFor, dsl.OneOf of a parameter (a return value or an OutputPath(str)) and of
an artifact returned by a sub-pipeline and consumed two levels up, two tasks .after() a task inside a
ParallelFor, a ParallelFor over an upstream List[Dict] (item fields and the whole dict), an f-string of a
parameter and a task output; the root returns a Collected list and an artifact."""
from typing import Dict, List, NamedTuple

from kfp import dsl
from kfp.dsl import Artifact, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def number(n: int) -> int:
    return n


@dsl.component(base_image=IMAGE)
def double(n: int) -> int:
    return 2 * n


@dsl.component(base_image=IMAGE)
def echo(msg: str) -> str:
    return msg


@dsl.component(base_image=IMAGE)
def give(text: str) -> str:
    return text


@dsl.component(base_image=IMAGE)
def write_out(text: str, out: dsl.OutputPath(str)):
    with open(out, "w") as f:
        f.write(text.upper())


@dsl.component(base_image=IMAGE)
def make_art(text: str, art: Output[Artifact]):
    with open(art.path, "w") as f:
        f.write(text)
    art.metadata["chars"] = len(text)


@dsl.component(base_image=IMAGE)
def read_both(text: str, art: Input[Artifact]) -> str:
    with open(art.path) as f:
        return f"{text}+{f.read()}"


@dsl.component(base_image=IMAGE)
def make_configs(scale: int) -> List[Dict]:
    return [{"tag": "alpha", "size": scale}, {"tag": "beta", "size": 10 * scale}]


@dsl.component(base_image=IMAGE)
def describe(tag: str, size: int) -> str:
    return f"{tag}:{size}"


@dsl.component(base_image=IMAGE)
def show_config(config: dict) -> str:
    return ",".join(f"{k}={config[k]}" for k in sorted(config))


@dsl.pipeline(name="gate")
def gate(v: int, limit: int):
    with dsl.Condition(v > limit):
        echo(msg=f"{v} above {limit}")
    with dsl.Condition(v < limit):
        echo(msg=f"{v} below {limit}")


@dsl.pipeline(name="choose")
def choose(mode: str) -> NamedTuple("ChooseOut", [("text", str), ("art", Artifact)]):
    with dsl.If(mode == "value"):
        returned = give(text="returned")
        art_one = make_art(text="art one")
    with dsl.Else():
        written = write_out(text="written")
        art_two = make_art(text="art two")
    Out = NamedTuple("ChooseOut", [("text", str), ("art", Artifact)])
    return Out(text=dsl.OneOf(returned.output, written.outputs["out"]), art=dsl.OneOf(art_one.outputs["art"], art_two.outputs["art"]))


@dsl.pipeline(name="relay")
def relay(mode: str) -> NamedTuple("RelayOut", [("text", str), ("art", Artifact)]):
    c = choose(mode=mode)
    Out = NamedTuple("RelayOut", [("text", str), ("art", Artifact)])
    return Out(text=c.outputs["text"], art=c.outputs["art"])


@dsl.pipeline(name="compat-control-flow")
def control_flow(a: int = 5, b: int = 3, mode: str = "value") -> NamedTuple("Outputs", [("labels", List[str]), ("chosen", Artifact)]):
    x = number(n=a)
    y = number(n=b)
    # The loops come first so that the root's condition groups (condition-4, ...) do not share a name with
    # choose's (condition-branches-1, condition-2, condition-3): kfp 2.17 merges such same-named group
    # components of a pipeline nested two levels deep into one broken component (kubeflow/pipelines#11484).
    with dsl.ParallelFor([1, 3, 5]) as v:
        gate(v=v, limit=y.output)
    with dsl.ParallelFor([10, 20]) as w:
        step = double(n=w)
    echo(msg="after the loop (1)").after(step)
    echo(msg="after the loop (2)").after(step)

    configs = make_configs(scale=b)
    with dsl.ParallelFor(configs.output) as cfg:
        label = describe(tag=cfg.tag, size=cfg.size)
        show_config(config=cfg)

    with dsl.If(x.output > 0):
        d = double(n=y.output)
        with dsl.If(d.output > 4):
            echo(msg="deep: double of b above 4")
        with dsl.Else():
            echo(msg="deep: double of b at most 4")
    with dsl.Condition(x.output > y.output):
        echo(msg="a beats b")

    r = relay(mode=mode)
    read_both(text=r.outputs["text"], art=r.outputs["art"])

    echo(msg=f"a={a}, b={y.output}")
    Out = NamedTuple("Outputs", [("labels", List[str]), ("chosen", Artifact)])
    return Out(labels=dsl.Collected(label.output), chosen=r.outputs["art"])
