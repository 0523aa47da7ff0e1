"""The tutorial's client code (../shared/seed: "Pipeline Parameters") with only the host changed, and the other
kfp.Client calls users make, against `pipewright server`. Prints one line `RESULT <json>` for the test to check.

Usage: python client_flow.py <mode> ; KFP_HOST, PIPELINE (tutorial), WORKDIR, SUFFIX, TOKEN, NAMESPACE from the env.
"""
import json
import os
import sys
import time

from kfp import compiler, dsl
from kfp.client import Client

host = os.environ["KFP_HOST"]
workdir = os.environ["WORKDIR"]
suffix = os.environ.get("SUFFIX", "x")


@dsl.container_component
def sleeper():
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", "import time; time.sleep(300)"])


@dsl.pipeline(name="long-pipeline")
def long_pipeline():
    sleeper().set_caching_options(False)


@dsl.container_component
def hello(who: str):
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", "import sys; print('hello', sys.argv[1])"], args=[who])


@dsl.pipeline(name="hello-pipeline")
def hello_pipeline(who: str = "world"):
    hello(who=who).set_caching_options(False)


@dsl.container_component
def produce(out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", "import sys; open(sys.argv[1], 'w').write('made')"], args=[out])


@dsl.container_component
def needs_marker(marker: str, made: str):
    # Fails until the marker file exists (the test makes it between the failure and retry_run): the stand-in for an
    # outside dependency that was down on the first try.
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", "import os, sys; print('have', sys.argv[2]); sys.exit(0 if os.path.exists(sys.argv[1]) else 3)"], args=[marker, made])


@dsl.pipeline(name="retry-pipeline")
def retry_pipeline(marker: str):
    first = produce().set_caching_options(False)
    needs_marker(marker=marker, made=first.output).set_caching_options(False)


def compiled(fn, name):
    path = os.path.join(workdir, f"{name}.yaml")
    compiler.Compiler().compile(fn, path)
    return path


def wait_state(client, run_id, states, timeout=120):
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = client.get_run(run_id).state
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in states:
            return seen
        time.sleep(1)
    raise TimeoutError(f"run {run_id} never reached {states}; seen {seen}")


def tutorial():
    client = Client(host=host)

    # Submit with custom parameters (the tutorial's code; its data_url parameter is not in our offline pipeline)
    run = client.create_run_from_pipeline_package(
        os.environ["PIPELINE"],
        arguments={
            "min_accuracy": 0.90,
            "deploy_endpoint": "staging",
        },
        experiment_name="model-experiments",
    )

    print(f"Run ID: {run.run_id}")
    print(f"Dashboard: {host}/#/runs/details/{run.run_id}")

    done = run.wait_for_run_completion(timeout=600)
    got = client.get_run(run.run_id)
    experiment = client.get_experiment(experiment_name="model-experiments")
    listed = client.list_runs(experiment_id=experiment.experiment_id, page_size=100)
    experiments = client.list_experiments(page_size=100)
    return {
        "run_id": run.run_id,
        "done_state": done.state,
        "state": got.state,
        "parameters": got.runtime_config.parameters,
        "tasks": [
            {"task_id": t.task_id, "display_name": t.display_name, "state": t.state, "pod_name": t.pod_name,
             "outputs": {k: v.artifact_ids for k, v in (t.outputs or {}).items()}}
            for t in got.run_details.task_details
        ],
        "experiment_id": experiment.experiment_id,
        "run_experiment_id": got.experiment_id,
        "listed_run_ids": [r.run_id for r in listed.runs or []],
        "experiment_names": [e.display_name for e in experiments.experiments or []],
    }


def terminate():
    client = Client(host=host)
    run = client.create_run_from_pipeline_package(compiled(long_pipeline, "long"), experiment_name="model-experiments")
    before = wait_state(client, run.run_id, {"RUNNING"})
    client.terminate_run(run.run_id)
    after = wait_state(client, run.run_id, {"CANCELED", "FAILED", "SUCCEEDED"})
    return {"run_id": run.run_id, "states": before + after}


def retry():
    """A run fails on its second task; once the marker exists, retry_run runs only that task again and it succeeds."""
    client = Client(host=host)
    marker = os.environ["MARKER"]
    run = client.create_run_from_pipeline_package(compiled(retry_pipeline, "retry"), arguments={"marker": marker}, experiment_name="model-experiments")
    first = wait_state(client, run.run_id, {"FAILED", "SUCCEEDED"}, timeout=300)
    with open(marker, "w") as f:
        f.write("present")
    # kfp.Client has no retry method of its own: RetryRun is the API's (the KFP UI's Retry button), reached through
    # the SDK's generated client, as a user of the SDK would.
    client._run_api.run_service_retry_run(run_id=run.run_id)
    deadline = time.time() + 300
    after = []
    while time.time() < deadline:
        state = client.get_run(run.run_id).state
        if not after or after[-1] != state:
            after.append(state)
        if state == "SUCCEEDED" or (state in ("FAILED", "CANCELED") and "RUNNING" in after):
            break
        time.sleep(1)
    return {"run_id": run.run_id, "first": first[-1], "after": after}


def upload():
    client = Client(host=host)
    name = f"hello-{suffix}"
    pipeline = client.upload_pipeline(compiled(hello_pipeline, "hello"), pipeline_name=name, description="says hello")
    found_id = client.get_pipeline_id(name)
    versions = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    experiment = client.create_experiment(f"scratch-{suffix}")
    run = client.run_pipeline(experiment.experiment_id, f"hello run {suffix}", pipeline_id=pipeline.pipeline_id,
                              version_id=versions[0].pipeline_version_id, params={"who": "kfp"})
    done = client.wait_for_run_completion(run.run_id, timeout=300)
    pipelines = client.list_pipelines(page_size=100).pipelines or []
    client.archive_experiment(experiment.experiment_id)
    archived = client.get_experiment(experiment_id=experiment.experiment_id).storage_state
    client.unarchive_experiment(experiment.experiment_id)
    unarchived = client.get_experiment(experiment_id=experiment.experiment_id).storage_state
    client.delete_run(run.run_id)
    try:
        client.get_run(run.run_id)
        after_delete = 200
    except Exception as e:  # kfp_server_api.ApiException
        after_delete = getattr(e, "status", None)
    client.delete_pipeline_version(pipeline.pipeline_id, versions[0].pipeline_version_id)
    client.delete_pipeline(pipeline.pipeline_id)
    client.delete_experiment(experiment.experiment_id)
    return {
        "pipeline_id": pipeline.pipeline_id, "found_id": found_id, "versions": len(versions),
        "version_spec_name": (versions[0].pipeline_spec or {}).get("pipelineInfo", {}).get("name") if versions[0].pipeline_spec else None,
        "run_state": done.state, "parameters": done.runtime_config.parameters,
        "pipeline_version_id": run.pipeline_version_reference.pipeline_version_id if run.pipeline_version_reference else None,
        "listed_pipelines": [p.display_name for p in pipelines], "archived": archived, "unarchived": unarchived,
        "after_delete": after_delete,
        "pipelines_after": [p.display_name for p in client.list_pipelines(page_size=100).pipelines or []],
    }


def recurring():
    """The recurring-run calls of kfp.Client: an interval job (its first run comes one interval after creation), a
    disabled cron job, get, list with pages and a filter, enable/disable, delete."""
    client = Client(host=host)
    experiment = client.create_experiment(f"sched-{suffix}")
    hello = compiled(hello_pipeline, "hello-sched")
    hourly = client.create_recurring_run(experiment.experiment_id, f"every-{suffix}", interval_second=5,
                                         no_catchup=True, params={"who": "schedule"}, pipeline_package_path=hello, max_concurrency=1)
    nightly = client.create_recurring_run(experiment.experiment_id, f"nightly-{suffix}", cron_expression="0 0 2 ? * *",
                                          pipeline_package_path=hello, enabled=False, description="at two")
    got = client.get_recurring_run(nightly.recurring_run_id)
    page1 = client.list_recurring_runs(experiment_id=experiment.experiment_id, page_size=1)
    page2 = client.list_recurring_runs(experiment_id=experiment.experiment_id, page_size=1, page_token=page1.next_page_token)
    only = client.list_recurring_runs(experiment_id=experiment.experiment_id, filter=json.dumps(
        {"predicates": [{"operation": "EQUALS", "key": "display_name", "stringValue": f"nightly-{suffix}"}]}))
    client.enable_recurring_run(nightly.recurring_run_id)
    enabled = client.get_recurring_run(nightly.recurring_run_id).status
    client.disable_recurring_run(nightly.recurring_run_id)
    disabled = client.get_recurring_run(nightly.recurring_run_id).status
    made = []
    deadline = time.time() + 60
    while not made and time.time() < deadline:
        made = [r.run_id for r in client.list_runs(experiment_id=experiment.experiment_id, page_size=100).runs or []
                if r.recurring_run_id == hourly.recurring_run_id]
        time.sleep(0.5)
    made_run = client.get_run(made[0]) if made else None
    client.delete_recurring_run(hourly.recurring_run_id)
    client.delete_recurring_run(nightly.recurring_run_id)
    try:
        client.get_recurring_run(nightly.recurring_run_id)
        after_delete = 200
    except Exception as e:  # kfp_server_api.ApiException
        after_delete = getattr(e, "status", None)
    return {
        "hourly": {"id": hourly.recurring_run_id, "status": hourly.status, "interval": hourly.trigger.periodic_schedule.interval_second,
                   "max_concurrency": hourly.max_concurrency, "no_catchup": hourly.no_catchup, "parameters": hourly.runtime_config.parameters},
        "nightly": {"id": got.recurring_run_id, "status": got.status, "cron": got.trigger.cron_schedule.cron, "description": got.description,
                    "experiment_id": got.experiment_id, "display_name": got.display_name},
        "experiment_id": experiment.experiment_id,
        "pages": [[r.recurring_run_id for r in page1.recurring_runs or []], [r.recurring_run_id for r in page2.recurring_runs or []]],
        "total": page1.total_size, "page2_token": page2.next_page_token,
        "filtered": [r.display_name for r in only.recurring_runs or []],
        "enabled": enabled, "disabled": disabled, "made_runs": made, "after_delete": after_delete,
        "made_run": {"recurring_run_id": made_run.recurring_run_id, "parameters": made_run.runtime_config.parameters,
                     "experiment_id": made_run.experiment_id} if made_run else None,
    }


def token():
    """Client(existing_token=..., namespace=...): what a user of a multi-user server writes."""
    client = Client(host=host, existing_token=os.environ["TOKEN"], namespace=os.environ["NAMESPACE"])
    out = {}
    try:
        run = client.create_run_from_pipeline_package(compiled(hello_pipeline, "hello-token"), experiment_name=f"tok-{suffix}",
                                                      namespace=os.environ["NAMESPACE"], arguments={"who": "token"})
        out["run_id"] = run.run_id
        out["experiments"] = [e.display_name for e in client.list_experiments().experiments or []]
        out["status"] = 200
    except Exception as e:
        out["status"] = getattr(e, "status", None)
        out["error"] = str(getattr(e, "body", e))[:500]
    return out


if __name__ == "__main__":
    import kfp

    result = {"tutorial": tutorial, "terminate": terminate, "retry": retry, "upload": upload, "token": token, "recurring": recurring}[sys.argv[1]]()
    result["kfp"] = kfp.__version__
    print("RESULT " + json.dumps(result))
