"""Every catalog type moto emulates, collected from the seeded organization, equals the
seeded ground truth: nothing missing, nothing extra, right account, region and tags."""

from __future__ import annotations

import pytest

from tests.discovery.conftest import member_identity
from tether.catalog.base import ResourceSpec, Where
from tether.catalog.registry import RESOURCE_TYPES
from tether.discovery.collector import collect
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.emulator.seed_resources import SEEDED_TYPES
from tether.emulator.seeding import CATALOG_SEEDED_TYPES

EMULATED = [
    spec for spec in RESOURCE_TYPES if spec.cfn_type in {*SEEDED_TYPES, *CATALOG_SEEDED_TYPES}
]


@pytest.mark.parametrize("spec", EMULATED, ids=lambda spec: spec.type_code)
def test_collected_equals_ground_truth(
    spec: ResourceSpec, catalog_org: EmulatedOrganization, fault_proxy: FaultProxy
) -> None:
    seeded = catalog_org.resources_in(resource_type=spec.cfn_type)
    assert seeded, f"nothing of {spec.cfn_type} was seeded"
    for account_id in catalog_org.role_arns:
        identity = member_identity(fault_proxy, catalog_org, account_id)
        regions = ("us-east-1",) if spec.service.is_global else catalog_org.regions
        found = {}
        for region in regions:
            for record in collect(identity, spec, Where("aws", account_id, region)).records:
                assert record.resource_type == spec.type_code
                assert record.account_id == account_id
                found[record.arn] = record
        want = {r.arn: r for r in seeded if r.account_id == account_id}
        assert sorted(found) == sorted(want)
        for arn, truth in want.items():
            assert found[arn].tags == truth.tag_map, arn
            assert found[arn].region == truth.region, arn
