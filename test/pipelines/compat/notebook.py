"""dsl.notebook_component: a notebook (notebook_compat.ipynb, beside this file, embedded at compile time)
with a `parameters` cell gets parameters and an input artifact's path, writes an output artifact and
counts that the component logs as Metrics; a downstream task reads the notebook's output."""
import os

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Output

IMAGE = "python:3.11"
NOTEBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebook_compat.ipynb")


@dsl.component(base_image=IMAGE)
def make_lines(lines: str, data: Output[Dataset]):
    with open(data.path, "w") as f:
        f.write(lines.replace(",", "\n"))


@dsl.notebook_component(notebook_path=NOTEBOOK, base_image=IMAGE)
def run_notebook(word: str, times: int, data: Input[Dataset], report: Output[Dataset], metrics: Output[Metrics]) -> int:
    import json
    import tempfile

    metrics_path = tempfile.mktemp(suffix=".json")
    dsl.run_notebook(word=word, times=times, in_path=data.path, out_path=report.path, metrics_path=metrics_path)
    with open(metrics_path) as f:
        counts = json.load(f)
    for name, value in counts.items():
        metrics.log_metric(name, value)
    report.metadata["word"] = word
    return counts["lines"]


@dsl.component(base_image=IMAGE)
def read_report(report: Input[Dataset]) -> str:
    with open(report.path) as f:
        return f.read().replace("\n", "/") + "|" + report.metadata["word"]


@dsl.pipeline(name="compat-notebook")
def notebook_pipeline(word: str = "hi", times: int = 2, lines: str = "a,b,c"):
    data = make_lines(lines=lines)
    nb = run_notebook(word=word, times=times, data=data.outputs["data"])
    read_report(report=nb.outputs["report"])
