"""Running a catalog type against recorded AWS answers, for types moto does not emulate.

A recording (``recorded/<TYPE_CODE>.json``) holds the answers AWS gave, in botocore's
parsed shape, in the order the collector asks for them, and what the records must be:

    {"account_id": "111122223333", "region": "us-east-1",
     "calls": [{"operation": "DescribeX", "params": {...}, "response": {...}}, ...],
     "expected": [{"arn": "...", "name": "...", "tags": {...}, ...}, ...]}

botocore's Stubber checks every request against the service model (and ``params``, when
given) and every answer against the output shape: a recording cannot drift from the API.
Timestamps are ISO text in the file and datetimes by the time ``normalise`` sees them, as
with real AWS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import Shape
from botocore.stub import ANY, Stubber

from tether.catalog.base import ResourceSpec, Where
from tether.catalog.common import as_datetime
from tether.discovery.collector import Collected, collect

RECORDINGS = Path(__file__).parent / "recorded"


def recording_path(spec: ResourceSpec) -> Path:
    return RECORDINGS / f"{spec.type_code}.json"


def _coerce(shape: Shape | None, value: Any) -> Any:
    """JSON text into botocore's Python types, following the output shape."""
    if shape is None or value is None:
        return value
    if shape.type_name == "timestamp":
        return as_datetime(value)
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {key: _coerce(members.get(key), item) for key, item in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_coerce(shape.member, item) for item in value]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: _coerce(shape.value, item) for key, item in value.items()}  # type: ignore[attr-defined]
    return value


class _RecordedIdentity:
    """Stands where ``AwsIdentity`` does: hands out the one stubbed client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, service: str, region: str) -> Any:
        return self._client


def collect_recorded(
    spec: ResourceSpec, path: Path | None = None
) -> tuple[Collected, dict[str, Any]]:
    """Collect ``spec`` from its recording; returns what was collected and the recording."""
    recording = json.loads((path or recording_path(spec)).read_text())
    session = botocore.session.get_session()
    client = session.create_client(
        spec.service.client_name,
        region_name=recording["region"],
        aws_access_key_id="AKIDRECORDED",
        aws_secret_access_key="recorded",  # never sent anywhere
    )
    stubber = Stubber(client)
    methods = {api: method for method, api in client.meta.method_to_api_mapping.items()}
    for call in recording["calls"]:
        operation = methods[call["operation"]]
        output = client.meta.service_model.operation_model(call["operation"]).output_shape
        if "error" in call:
            stubber.add_client_error(operation, service_error_code=call["error"])
            continue
        expected = call.get("params")
        stubber.add_response(
            operation,
            _coerce(output, call["response"]),
            {key: ANY for key in expected} | {k: v for k, v in expected.items() if v != "*"}
            if expected is not None
            else None,
        )
    with stubber:
        collected = collect(
            _RecordedIdentity(client),  # type: ignore[arg-type]
            spec,
            Where("aws", recording["account_id"], recording["region"]),
        )
        stubber.assert_no_pending_responses()
    return collected, recording


def check_expected(collected: Collected, recording: dict[str, Any]) -> None:
    """Each expected record's given fields equal what was collected, in order."""
    expected = recording["expected"]
    assert len(collected.records) == len(expected)
    for record, want in zip(collected.records, expected, strict=True):
        actual = record.comparable()
        for key, value in want.items():
            assert actual[key] == value, f"{record.arn}: {key} is {actual[key]!r}, not {value!r}"
