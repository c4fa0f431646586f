"""What the scan-runner tests share: a slowed scan of the management account and its check."""

from __future__ import annotations

from tests.support.app import Api
from tests.support.org_scans import (
    Snapshot,
    creations,
    install_org,
    inventory,
    set_rules,
    start_scans,
)
from tether.emulator import EmulatedOrganization, FaultProxy

# The slowed scans of the fault tests collect a few types: chunks of a few seconds.
SLOWED = {"AWS_IAM_ROLE", "AWS_VPC", "AWS_SUBNET", "AWS_SECURITY_GROUP", "SQS", "DEVICE"}


def slowed_scan_of_management(
    api: Api,
    org: EmulatedOrganization,
    faults: FaultProxy,
    name: str,
    latency: tuple[float, float] = (40, 60),
) -> tuple[str, str]:
    """A new client's scan of the management account alone, of the SLOWED types, every
    AWS call delayed by ``latency`` (ms)."""
    installed = install_org(api, org, name, linked=False)
    set_rules(api, installed["client"], [{"filterType": code} for code in sorted(SLOWED)])
    faults.set_latency(*latency)
    (scan_id,) = start_scans(api, installed)
    return installed["client"], scan_id


def assert_management_collected_once(
    api: Api, client_id: str, org: EmulatedOrganization, reference: Snapshot
) -> None:
    expected = {
        arn: row
        for arn, row in reference.items()
        if row[1] == org.management_account_id and row[0] in SLOWED
    }
    assert len(expected) > 10
    assert inventory(api.db, client_id) == expected
    assert set(creations(api.db, client_id).values()) == {1}
