"""Container components exercising every placeholder: Concat, IfPresent (given and absent), input and
output artifact uri/path/metadata, a list of artifacts, pipeline/task placeholders inside strings (in
command args and in a task input), output parameter files and the executor output file."""
from typing import List

from kfp import dsl
from kfp.dsl import Dataset, Input, Output, OutputPath

IMAGE = "python:3.11"

# A small script run by `python3 -c`: argv pairs KEY VALUE, written as "KEY=VALUE" lines to the file
# named by the first argument, plus what only this task's container can see: the contents of its input
# artifacts, read through the local paths their URIs map to (minio://b/k -> /minio/b/k, as KFP's executor
# maps them; locally URIs are paths already). Values arrive through argv, never spliced into the script.
DUMP = (
    "import json, os, sys\n"
    "def local(uri):\n"
    "    for scheme, root in (('minio://', '/minio/'), ('s3://', '/s3/'), ('gs://', '/gcs/')):\n"
    "        if uri.startswith(scheme):\n"
    "            return root + uri[len(scheme):]\n"
    "    return uri\n"
    "out = sys.argv[1]\n"
    "os.makedirs(os.path.dirname(out), exist_ok=True)\n"
    "v = dict(zip(sys.argv[2::2], sys.argv[3::2]))\n"
    "v['in_path_content'] = open(v['in_path_is_file']).read()\n"
    "v['many_content'] = '+'.join(open(local(d['uri'])).read() for d in json.loads(v['many']))\n"
    "v['in_uri_local'] = local(v['in_uri'])\n"
    "v['out_uri_local'] = local(v['out_uri'])\n"
    "open(out, 'w').write(''.join(f'{k}={val}\\n' for k, val in v.items()))\n"
)


@dsl.component(base_image=IMAGE)
def make_data(text: str, data: Output[Dataset]):
    with open(data.path, "w") as f:
        f.write(text)
    data.metadata["lang"] = "en"


@dsl.container_component
def show_all(name: str, data: Input[Dataset], many: Input[List[Dataset]], report: OutputPath(str), result: Output[Dataset], opt: str = None):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["python3", "-c", DUMP],
        args=[
            report,
            "concat", dsl.ConcatPlaceholder(["<", name, ">"]),
            "ifpresent", dsl.IfPresentPlaceholder(input_name="opt", then=[opt], else_=["absent"]),
            "in_path_is_file", data.path,
            "in_uri", data.uri,
            "in_meta", data.metadata,
            "many", many,
            "out_uri", result.uri,
            "out_path", result.path,
            "job", f"job={dsl.PIPELINE_JOB_NAME_PLACEHOLDER};task={dsl.PIPELINE_TASK_NAME_PLACEHOLDER}",
            "resource", dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER,
            "uuid", dsl.PIPELINE_JOB_ID_PLACEHOLDER,
            "task_uuid", dsl.PIPELINE_TASK_ID_PLACEHOLDER,
            "created", dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER,
            "scheduled", dsl.PIPELINE_JOB_SCHEDULE_TIME_UTC_PLACEHOLDER,
            "root", dsl.PIPELINE_ROOT_PLACEHOLDER if hasattr(dsl, "PIPELINE_ROOT_PLACEHOLDER") else "{{$.pipeline_root}}",
            "output_file", "{{$.outputs.output_file}}",
        ],
    )


@dsl.component(base_image=IMAGE)
def echo(msg: str) -> str:
    return msg


@dsl.component(base_image=IMAGE)
def check_report(report: str) -> str:
    """Checks what show_all saw and sums it up in a run-independent string."""
    import json
    import os
    import re

    v = dict(line.split("=", 1) for line in report.splitlines() if "=" in line)
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    many = json.loads(v["many"])
    checks = {
        "concat": v["concat"],
        "ifpresent": v["ifpresent"],
        "in_path": v["in_path_content"],
        "in_uri_to_path": v["in_uri_local"] == v["in_path_is_file"],
        "in_meta": json.loads(v["in_meta"]),
        "many": v["many_content"] + ":" + ",".join(d["type"]["schemaTitle"] for d in many),
        "out_uri": v["out_uri"].endswith("/result") and v["out_path"] == v["out_uri_local"],
        "job": v["job"] == "job=" + v["resource"] + ";task=" + ("show-all" if v["ifpresent"] != "absent" else "show-all-2"),
        "uuids": bool(uuid.match(v["uuid"]) and uuid.match(v["task_uuid"])),
        "times": bool(re.match(r"^\d{4}-\d\d-\d\dT", v["created"])) and v["scheduled"] == v["created"],
        "root": v["in_uri"].startswith(v["root"]),
        "output_file": os.path.basename(v["output_file"]) == "executor_output.json",
    }
    return json.dumps(checks, sort_keys=True)


@dsl.component(base_image=IMAGE)
def check_echo(msg: str, resource: str) -> str:
    return "ok" if msg == resource + "/echo/pw" else "bad: " + msg


@dsl.pipeline(name="compat-placeholders")
def placeholders(name: str = "pw"):
    d = make_data(text="hello")
    with dsl.ParallelFor(["a", "b"]) as t:
        m = make_data(text=t)
    given = show_all(name=name, data=d.outputs["data"], many=dsl.Collected(m.outputs["data"]), opt="given")
    absent = show_all(name=name, data=d.outputs["data"], many=dsl.Collected(m.outputs["data"]))
    check_report(report=given.outputs["report"])
    check_report(report=absent.outputs["report"])
    e = echo(msg=f"{dsl.PIPELINE_JOB_NAME_PLACEHOLDER}/{dsl.PIPELINE_TASK_NAME_PLACEHOLDER}/{name}")
    check_echo(msg=e.output, resource=dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER)
