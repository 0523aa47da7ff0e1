"""Optional inputs of a component and of a sub-pipeline (Optional[str] = None; str, int and bool with
non-None defaults), set by the parent, by the child, or nowhere; the root returns the child's value."""
from typing import Optional

from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def show(a: Optional[str] = None, s: str = "comp-s", i: int = 7, b: bool = True) -> str:
    return f"a={a} s={s} i={i} b={b}"


@dsl.pipeline(name="child")
def child(a: Optional[str] = None, s: str = "child-s", i: int = 11, b: bool = False) -> str:
    passed = show(a=a, s=s, i=i, b=b)  # the child's inputs, whatever they are
    show()  # nothing set anywhere: the component's defaults
    show(s="set-in-child", b=b)  # one set by the child, one from the child's input
    return passed.output


@dsl.pipeline(name="compat-optional-inputs")
def optional_inputs(a: Optional[str] = None, i: int = 5) -> str:
    child()  # the child's defaults
    child(a="from-parent", i=3, b=True)  # set by the parent
    via_root = child(a=a, i=i)  # from the root's own inputs (a may be None)
    show(a=a)
    return via_root.output
