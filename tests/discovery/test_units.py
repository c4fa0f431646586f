"""One unit's outcome under each kind of failure, through the fault proxy; and planning."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.discovery.conftest import member_identity
from tether.catalog.base import Where
from tether.catalog.registry import RESOURCE_TYPES, resource_type
from tether.discovery.limits import RateLimiter
from tether.discovery.units import collect_unit
from tether.domain.resources import ResourceRecord
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.services.scan_plan import Unit, plan_units
from tether.store.models import Integration

SQS = resource_type("SQS")
DEVICE = resource_type("DEVICE")
REGION = "us-east-1"


@pytest.fixture
def account(catalog_org: EmulatedOrganization) -> str:
    return catalog_org.onboarded_member_ids[0]


def test_throttles_slow_only_their_bucket_and_the_unit_still_ends_ok(
    catalog_org: EmulatedOrganization, aws_faults: FaultProxy, account: str
) -> None:
    assert SQS is not None
    assert DEVICE is not None
    identity = member_identity(aws_faults, catalog_org, account, max_attempts=4)
    aws_faults.add_rule("throttle", account_id=account, region=REGION, service="sqs", first_n=3)
    limiter = RateLimiter()
    queues = collect_unit(identity, SQS, account, REGION, limiter)
    instances = collect_unit(identity, DEVICE, account, REGION, limiter)
    assert queues.status == "ok", queues.error
    assert queues.throttles == 3
    assert len(queues.records) == len(catalog_org.resources_in(account, REGION, SQS.cfn_type))
    sqs_bucket = limiter.bucket((account, REGION, "sqs"))
    assert sqs_bucket.throttles == 3
    assert sqs_bucket.per_second < sqs_bucket.rate.per_second
    ec2_bucket = limiter.bucket((account, REGION, "ec2"))
    assert (ec2_bucket.throttles, ec2_bucket.per_second) == (0, ec2_bucket.rate.per_second)
    assert instances.status == "ok"


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"kind": "throttle"}, "throttled", "ThrottlingException"),  # still throttled after retries
        # SQS speaks AWS's JSON protocol: its codes are the JSON ones.
        ({"kind": "access_denied"}, "denied", "AccessDeniedException"),
        ({"kind": "access_denied", "wording": "scp"}, "denied", "AccessDeniedException"),
        ({"kind": "region_disabled"}, "skipped", "UnrecognizedClientException"),
        (
            {"kind": "server_error", "status": 500, "code": "InternalError"},
            "failed",
            "InternalError",
        ),
    ],
)
def test_every_failure_ends_its_unit_with_a_status_and_its_cause(
    catalog_org: EmulatedOrganization,
    aws_faults: FaultProxy,
    account: str,
    fault: dict[str, str | int],
    status: str,
    code: str,
) -> None:
    assert SQS is not None
    identity = member_identity(aws_faults, catalog_org, account, max_attempts=2)
    aws_faults.add_rule(account_id=account, region=REGION, service="sqs", **fault)  # type: ignore[arg-type]
    outcome = collect_unit(identity, SQS, account, REGION, RateLimiter())
    assert (outcome.status, outcome.error_code) == (status, code)
    assert outcome.error
    assert outcome.records == []
    assert outcome.api_calls >= 1
    if status == "denied":
        assert outcome.action == "sqs:ListQueues"
        if fault.get("wording") == "scp":
            assert "service control policy" in outcome.error


def test_a_defect_in_a_normaliser_fails_its_unit_not_the_scan(
    catalog_org: EmulatedOrganization, aws_faults: FaultProxy, account: str
) -> None:
    assert SQS is not None

    def broken(item: dict[str, object], where: Where) -> ResourceRecord:
        raise KeyError("QueueArn")

    identity = member_identity(aws_faults, catalog_org, account)
    outcome = collect_unit(identity, replace(SQS, normalise=broken), account, REGION, RateLimiter())
    assert (outcome.status, outcome.error_code) == ("failed", "internal_error")
    assert outcome.error == "KeyError: 'QueueArn'"


def test_a_region_that_does_not_offer_a_service_is_planned_as_skipped(
    catalog_org: EmulatedOrganization, aws_faults: FaultProxy, account: str
) -> None:
    identity = member_identity(aws_faults, catalog_org, account)
    regional = [spec for spec in RESOURCE_TYPES if not spec.service.is_global]
    everywhere = set(identity.available_regions("ec2"))
    spec, region = next(
        (spec, region)
        for spec in regional
        for region in sorted(everywhere)
        if identity.available_regions(spec.service.client_name)
        and region not in identity.available_regions(spec.service.client_name)
    )
    integration = Integration(account_id=account, regions=[region, REGION])
    units = plan_units(
        integration, [{"name": "all", "rules": [{"filterType": "ANY_CLOUD_RESOURCE"}]}], identity
    )
    planned = {(unit.region, unit.spec_code): unit for unit in units}
    skipped = planned[(region, spec.type_code)]
    assert skipped.skip_reason == f"{spec.service.title} is not offered in {region}"
    assert planned[(REGION, spec.type_code)] == Unit(REGION, spec.type_code)
    global_units = [unit for unit in units if unit.region == "global"]
    assert {unit.spec_code for unit in global_units} == {
        s.type_code for s in RESOURCE_TYPES if s.service.is_global
    }
