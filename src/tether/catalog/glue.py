"""AWS Glue jobs."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item_at
from tether.catalog.common import as_datetime, iso
from tether.catalog.services import GLUE
from tether.domain.resources import ResourceRecord


def _job_arn(name: str, where: Where) -> str:
    # GetJobs answers no ARN; AWS documents it as job/NAME.
    return f"arn:{where.partition}:glue:{where.region}:{where.account_id}:job/{name}"


def _role_arn(role: str | None, where: Where) -> str | None:
    """A job's ``Role`` is an ARN or a bare role name (then at IAM's root path)."""
    if not role:
        return None
    if role.startswith("arn:"):
        return role
    return f"arn:{where.partition}:iam::{where.account_id}:role/{role}"


def _job(item: dict[str, Any], where: Where) -> ResourceRecord:
    name = item["Name"]
    tags = {str(k): str(v) for k, v in (item.get("Tags") or {}).items()}
    command = item.get("Command") or {}
    role_arn = _role_arn(item.get("Role"), where)
    return ResourceRecord(
        arn=_job_arn(name, where),
        resource_type="AWS_GLUE_JOBS",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "jobName": name,
            "description": item.get("Description") or None,
            "jobMode": item.get("JobMode"),
            "command": command.get("Name"),
            "pythonVersion": command.get("PythonVersion"),
            "glueVersion": item.get("GlueVersion"),
            "workerType": item.get("WorkerType"),
            "numberOfWorkers": item.get("NumberOfWorkers"),
            "maxCapacity": item.get("MaxCapacity"),
            "maxRetries": item.get("MaxRetries"),
            "timeout": item.get("Timeout"),
            "executionClass": item.get("ExecutionClass"),
            "role": item.get("Role"),
            "connections": sorted((item.get("Connections") or {}).get("Connections") or []),
            "lastModifiedOn": iso(item.get("LastModifiedOn")),
        },
        relationships=[{"type": "AWS_IAM_ROLE", "arn": role_arn}] if role_arn else [],
        created_time=as_datetime(item.get("CreatedOn")),
    )


JOBS = ResourceSpec(
    type_code="AWS_GLUE_JOBS",
    title="Glue job",
    service=GLUE,
    list_call=Call("GetJobs", {"MaxResults": 1000}, result_path="Jobs"),
    normalise=_job,
    cfn_type="AWS::Glue::Job",
    # GetTags takes the job's ARN, built from the account and region.
    enrich=(
        per_item_at(
            Call("GetTags", result_path="Tags"),
            lambda item, where: {"ResourceArn": _job_arn(item["Name"], where)},
            "Tags",
            gone=frozenset({"EntityNotFoundException"}),
        ),
    ),
    tag_source="GetTags",
)

TYPES: tuple[ResourceSpec, ...] = (JOBS,)
