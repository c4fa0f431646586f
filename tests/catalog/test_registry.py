"""Invariants over the whole catalog: a new type that breaks one fails here."""

from __future__ import annotations

import re

import pytest

from tests.catalog.recorded import collect_recorded, recording_path
from tether.aws.policies import permission_policies
from tether.catalog.base import ResourceSpec
from tether.catalog.registry import RESOURCE_TYPES, type_codes
from tether.domain.resources import ResourceRecord
from tether.emulator.seed_resources import SEEDED_TYPES
from tether.emulator.seeding import CATALOG_SEEDED_TYPES

EMULATED = frozenset(SEEDED_TYPES) | CATALOG_SEEDED_TYPES
ARN = re.compile(r"^arn:aws:[a-z0-9-]+:([a-z0-9-]*):(\d{12})?:.+")


def by_code(spec: ResourceSpec) -> str:
    return spec.type_code


def test_catalog_size() -> None:
    assert len(RESOURCE_TYPES) >= 40
    assert len({spec.service.client_name for spec in RESOURCE_TYPES}) >= 20


def test_type_codes_and_cloudformation_types_are_unique() -> None:
    assert len(type_codes()) == len(RESOURCE_TYPES)
    assert len({spec.cfn_type for spec in RESOURCE_TYPES}) == len(RESOURCE_TYPES)


@pytest.mark.parametrize("spec", RESOURCE_TYPES, ids=by_code)
def test_every_action_is_in_the_permission_policy(spec: ResourceSpec) -> None:
    granted = {action for doc in permission_policies() for action in doc["Statement"][0]["Action"]}
    assert spec.iam_actions <= granted


@pytest.mark.parametrize("spec", RESOURCE_TYPES, ids=by_code)
def test_every_type_is_tested_by_the_emulator_or_a_recording(spec: ResourceSpec) -> None:
    assert spec.cfn_type in EMULATED or recording_path(spec).exists(), (
        f"{spec.type_code}: seed it in tether.emulator.seeding or record AWS's answers "
        f"in {recording_path(spec)}"
    )


@pytest.mark.parametrize(
    "spec", [s for s in RESOURCE_TYPES if recording_path(s).exists()], ids=by_code
)
def test_recorded_items_normalise_to_the_model_with_an_arn(spec: ResourceSpec) -> None:
    collected, recording = collect_recorded(spec)
    assert collected.records, "a recording must hold at least one item"
    for record in collected.records:
        assert isinstance(record, ResourceRecord)
        assert record.resource_type == spec.type_code
        match = ARN.match(record.arn)
        assert match, record.arn
        assert record.account_id == recording["account_id"]
        assert record.name
