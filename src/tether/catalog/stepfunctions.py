"""AWS Step Functions state machines."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import STEPFUNCTIONS
from tether.domain.resources import ResourceRecord


def _state_machine(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("tags"), key="key", value="value")
    return ResourceRecord(
        arn=item["stateMachineArn"],
        resource_type="AWS_STEP_FUNCTIONS_STATE_MACHINE",
        name=tags.get("Name") or item["name"],
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "stateMachineName": item["name"],
            "type": item.get("type"),  # STANDARD or EXPRESS
            "creationDate": iso(item.get("creationDate")),
        },
        created_time=as_datetime(item.get("creationDate")),
    )


STATE_MACHINES = ResourceSpec(
    type_code="AWS_STEP_FUNCTIONS_STATE_MACHINE",
    title="Step Functions state machine",
    service=STEPFUNCTIONS,
    list_call=Call("ListStateMachines", {"maxResults": 1000}, result_path="stateMachines"),
    normalise=_state_machine,
    cfn_type="AWS::StepFunctions::StateMachine",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="tags"),
            lambda item: {"resourceArn": item["stateMachineArn"]},
            into="tags",
            gone=frozenset({"ResourceNotFound"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (STATE_MACHINES,)
