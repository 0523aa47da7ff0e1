"""Every artifact type (Dataset, Model, Metrics, ClassificationMetrics, HTML, Markdown, Artifact):
written with contents and metadata, then read back by a consumer that reports what it saw."""
from kfp import dsl
from kfp.dsl import HTML, Artifact, ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def produce(
    dataset: Output[Dataset],
    model: Output[Model],
    metrics: Output[Metrics],
    classification: Output[ClassificationMetrics],
    html: Output[HTML],
    markdown: Output[Markdown],
    artifact: Output[Artifact],
    rows: int = 3,
):
    with open(dataset.path, "w") as f:
        f.write("x,y\n" + "".join(f"{i},{i * i}\n" for i in range(rows)))
    dataset.metadata["rows"] = rows
    dataset.metadata["columns"] = ["x", "y"]

    with open(model.path, "w") as f:
        f.write("weights: [0.5, 0.25]\n")
    model.metadata["framework"] = "none"
    model.metadata["version"] = 2

    metrics.log_metric("accuracy", 0.75)
    metrics.log_metric("loss", 0.5)

    classification.log_confusion_matrix(["cat", "dog"], [[8, 2], [1, 9]])
    classification.log_roc_curve(fpr=[0.0, 0.5, 1.0], tpr=[0.0, 0.75, 1.0], threshold=[1.0, 0.5, 0.0])

    with open(html.path, "w") as f:
        f.write("<h1>Report</h1>")
    with open(markdown.path, "w") as f:
        f.write("# Report\n\n* rows: %d\n" % rows)
    with open(artifact.path, "w") as f:
        f.write("generic")
    artifact.metadata["note"] = "any metadata"


@dsl.component(base_image=IMAGE)
def consume(
    dataset: Input[Dataset],
    model: Input[Model],
    metrics: Input[Metrics],
    classification: Input[ClassificationMetrics],
    html: Input[HTML],
    markdown: Input[Markdown],
    artifact: Input[Artifact],
) -> str:
    def read(a):
        with open(a.path) as f:
            return f.read()

    # Numbers in metadata are protobuf doubles in some runtimes (kfp.local: 3.0): print them as ints.
    lines = read(dataset).strip().split("\n")
    parts = [
        f"dataset:{len(lines) - 1}:{int(dataset.metadata['rows'])}",
        f"model:{read(model).strip()}:{model.metadata['framework']}",
        f"metrics:{metrics.metadata['accuracy']}",
        f"classification:{[int(v) for v in classification.metadata['confusionMatrix']['rows'][0]['row']]}",
        f"html:{read(html)}",
        f"markdown:{read(markdown).splitlines()[0]}",
        f"artifact:{read(artifact)}:{artifact.metadata['note']}",
        f"schemas:{','.join(a.schema_title for a in (dataset, model, metrics, classification, html, markdown, artifact))}",
    ]
    return "|".join(parts)


@dsl.pipeline(name="artifacts-all-types")
def artifacts_all_types(rows: int = 3):
    p = produce(rows=rows)
    consume(
        dataset=p.outputs["dataset"],
        model=p.outputs["model"],
        metrics=p.outputs["metrics"],
        classification=p.outputs["classification"],
        html=p.outputs["html"],
        markdown=p.outputs["markdown"],
        artifact=p.outputs["artifact"],
    )
