"""Python environment options of lightweight components: packages_to_install with use_venv=True (the
compiled command installs the packages, then makes a venv with --system-site-packages and installs kfp
into it), and a plain packages_to_install component reading the venv component's output."""
from kfp import dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE, packages_to_install=["six==1.16.0"], use_venv=True)
def in_venv(word: str) -> str:
    import sys

    import six

    # six.moves is only there when six really imported; sys.prefix shows a venv is active.
    in_a_venv = sys.prefix != sys.base_prefix
    return f"{six.ensure_str(word.upper())}|six={six.__version__}|venv={in_a_venv}"


@dsl.component(base_image=IMAGE, packages_to_install=["six==1.16.0"])
def no_venv(text: str) -> str:
    import six

    return f"{text}|{six.text_type.__name__}"


@dsl.pipeline(name="compat-python-env")
def python_env_pipeline(word: str = "hello"):
    v = in_venv(word=word)
    no_venv(text=v.output)
