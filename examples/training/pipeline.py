"""Train, evaluate, and conditionally deploy a classifier (the pipeline from our users' tutorial).

Differences from the tutorial, so it runs anywhere without a download or /mnt:
  * load_data uses the breast-cancer dataset that scikit-learn ships and splits it into a
    training and a held-out test Dataset (evaluation on held-out rows, not the training rows);
  * evaluate_model returns its decision ('yes'/'no'); with an artifact output next to the
    return value the task has several outputs, so the condition uses outputs["Output"];
  * deploy_model "deploys" by copying the model into its own Output[Model] artifact.

Compile:  python examples/training/pipeline.py  (writes pipeline.yaml beside this file)
Run:      pipewright run examples/training/pipeline.py [--param min_accuracy=0.99]
"""
from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

PACKAGES = ["pandas", "scikit-learn"]


@dsl.component(base_image="python:3.11-slim", packages_to_install=PACKAGES)
def load_data(train_data: Output[Dataset], test_data: Output[Dataset], test_size: float = 0.2):
    """Load the breast-cancer dataset shipped with scikit-learn and split it."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    df = load_breast_cancer(as_frame=True).frame  # 30 feature columns + "target"
    df = df.dropna().drop_duplicates()
    train, test = train_test_split(df, test_size=test_size, random_state=42, stratify=df["target"])
    for artifact, part in ((train_data, train), (test_data, test)):
        part.to_csv(artifact.path, index=False)
        artifact.metadata["rows"] = len(part)
        artifact.metadata["columns"] = len(part.columns)


@dsl.component(base_image="python:3.11-slim", packages_to_install=PACKAGES)
def train_model(dataset: Input[Dataset], model: Output[Model], metrics: Output[Metrics], n_estimators: int = 100):
    import pickle

    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    df = pd.read_csv(dataset.path)
    X = df.drop("target", axis=1)
    y = df["target"]
    clf = RandomForestClassifier(n_estimators=n_estimators, random_state=42)
    clf.fit(X, y)

    metrics.log_metric("train_accuracy", float(clf.score(X, y)))
    metrics.log_metric("n_estimators", n_estimators)
    with open(model.path, "wb") as f:
        pickle.dump(clf, f)
    model.metadata["framework"] = "scikit-learn"
    model.metadata["algorithm"] = "RandomForestClassifier"


@dsl.component(base_image="python:3.11-slim", packages_to_install=PACKAGES)
def evaluate_model(
    model: Input[Model],
    test_data: Input[Dataset],
    metrics: Output[Metrics],
    min_accuracy: float = 0.85,
) -> str:
    import pickle

    import pandas as pd
    from sklearn.metrics import accuracy_score, f1_score

    with open(model.path, "rb") as f:
        clf = pickle.load(f)

    df = pd.read_csv(test_data.path)
    X = df.drop("target", axis=1)
    y = df["target"]

    preds = clf.predict(X)
    acc = float(accuracy_score(y, preds))
    f1 = float(f1_score(y, preds, average="weighted"))

    metrics.log_metric("accuracy", acc)
    metrics.log_metric("f1_score", f1)

    return "yes" if acc >= min_accuracy else "no"


@dsl.component(base_image="python:3.11-slim")
def deploy_model(model: Input[Model], deployed_model: Output[Model], endpoint_name: str = "production"):
    """Deploy the model: copy it into this task's own artifact, tagged with the endpoint."""
    import shutil

    shutil.copyfile(model.path, deployed_model.path)
    deployed_model.metadata["endpoint"] = endpoint_name
    deployed_model.metadata["source_uri"] = model.uri
    print(f"Model deployed to endpoint {endpoint_name!r} at {deployed_model.path}")


@dsl.pipeline(
    name="training-pipeline",
    description="Train, evaluate, and conditionally deploy a classifier",
)
def ml_pipeline(min_accuracy: float = 0.85, deploy_endpoint: str = "production"):
    load_task = load_data()
    train_task = train_model(dataset=load_task.outputs["train_data"])
    eval_task = evaluate_model(
        model=train_task.outputs["model"],
        test_data=load_task.outputs["test_data"],
        min_accuracy=min_accuracy,
    )
    with dsl.Condition(eval_task.outputs["Output"] == "yes"):
        deploy_model(model=train_task.outputs["model"], endpoint_name=deploy_endpoint)


if __name__ == "__main__":
    import os

    from kfp import compiler

    compiler.Compiler().compile(ml_pipeline, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipeline.yaml"))
