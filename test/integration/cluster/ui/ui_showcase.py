"""The web UI test's pipeline: every previewed artifact type (Metrics, ClassificationMetrics, HTML, Markdown,
Dataset), a ParallelFor loop, a condition that is skipped or not by a parameter, and an optional slow task
(for cancel, printing a line a second for the followed log). Compile: bash test/pipelines/compile-all.sh is for test/pipelines; this one is compiled by
test/integration/cluster/ui/compile.sh with the same pinned kfp SDK."""
from typing import List

from kfp import dsl
from kfp.dsl import HTML, ClassificationMetrics, Dataset, Markdown, Metrics, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def evaluate(
    min_accuracy: float,
    metrics: Output[Metrics],
    classification: Output[ClassificationMetrics],
    report: Output[HTML],
    summary: Output[Markdown],
    predictions: Output[Dataset],
) -> str:
    accuracy = 0.9
    metrics.log_metric("accuracy", accuracy)
    metrics.log_metric("min_accuracy", min_accuracy)
    classification.log_confusion_matrix(["cat", "dog"], [[8, 2], [1, 9]])
    classification.log_roc_curve(fpr=[0.0, 0.1, 0.5, 1.0], tpr=[0.0, 0.6, 0.9, 1.0], threshold=[1.0, 0.8, 0.5, 0.0])
    with open(report.path, "w") as f:
        f.write("<h1 id='report-title'>Evaluation report</h1><p>accuracy 0.9</p>"
                "<script>document.title = 'script ran'; parent.document.body.dataset.pwned = 'yes';</script>")
    with open(summary.path, "w") as f:
        f.write("# Summary\n\n* accuracy: **0.9**\n\n<img src=x onerror=\"parent.document.body.dataset.pwned='md'\">\n")
    with open(predictions.path, "w") as f:
        f.write("id,label,score\n" + "".join(f"{i},{'cat' if i % 2 else 'dog'},{i / 100}\n" for i in range(200)))
    print(f"evaluated: accuracy={accuracy} min_accuracy={min_accuracy}")
    return "yes" if accuracy >= min_accuracy else "no"


@dsl.component(base_image=IMAGE)
def square(x: int) -> int:
    print(f"square of {x}")
    return x * x


@dsl.component(base_image=IMAGE)
def deploy(decision: str) -> str:
    print(f"deploying: {decision}")
    return "deployed"


@dsl.component(base_image=IMAGE)
def wait(seconds: int) -> int:
    import time
    for i in range(seconds):  # a line a second: the browser test watches the log grow while the task runs
        print(f"waited {i} s", flush=True)
        time.sleep(1)
    return seconds


@dsl.pipeline(name="ui-showcase")
def ui_showcase(min_accuracy: float = 0.85, xs: List[int] = [1, 2, 3], sleep_seconds: int = 0):
    ev = evaluate(min_accuracy=min_accuracy)
    with dsl.ParallelFor(xs) as x:
        square(x=x).after(ev)
    with dsl.If(ev.outputs["Output"] == "yes"):
        deploy(decision=ev.outputs["Output"])
    wait(seconds=sleep_seconds)
