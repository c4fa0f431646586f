"""An Organizations member suspended (closed) between scans: the scan of its management
account follows the Organization and notes the change, the member's own scans are refused
with the reason, and its inventory is kept, not deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.emulator.plugin import EmulatorClients, organization_of
from tests.faults.matrix import SEEDED_RULES, Installation, baseline, measure, scan_accounts
from tests.support.app import Api
from tests.support.org_scans import install_org, outcomes, set_rules
from tether.emulator import FaultProxy, MotoServer

RecordProperty = Callable[[str, object], None]


def test_a_suspended_member_is_refused_with_its_reason_and_keeps_its_inventory(
    aws_api: Api,
    moto_server: MotoServer,
    aws_faults: FaultProxy,
    moto_clients: EmulatorClients,
    tmp_path: Path,
    record_property: RecordProperty,
) -> None:
    fault = "Organizations member suspended"
    # An Organization of its own: the test closes one of its members.
    org = organization_of(moto_server, aws_faults, "suspended", members=1, without_role=0)
    installed = install_org(aws_api, org, "Suspended member")
    set_rules(aws_api, installed["client"], SEEDED_RULES)
    base = baseline(aws_api, Installation(aws_api.db, tmp_path, aws_api.boot, org, installed))
    (member,) = org.member_account_ids
    management = org.management_account_id
    moto_clients.as_account("organizations", management).close_account(AccountId=member)

    (parent,) = scan_accounts(base, [management])
    refused = aws_api.client.post(
        f"/api/v1/tenants/{base.client_id}/integrations/{installed[member]}/scans",
        headers=aws_api.headers(),
    )
    reason = refused.json()
    attributed = int(
        refused.status_code == 409
        and reason["code"] == "account_not_active"
        and member in reason["message"]
    )
    measure(
        base,
        fault,
        [parent],
        None,
        record_property,
        status=f"{parent['status']}; member refused ({reason.get('code')})",
        refusals=(attributed, 1),
    )

    assert parent["status"] == "ok", outcomes([parent])
    assert "1 changed status" in (parent["error"] or ""), parent["error"]
    assert refused.status_code == 409, reason
    detail = aws_api.client.get(
        f"/api/v2/tenants/{base.client_id}/integrations/installed/{installed[management]}",
        headers=aws_api.headers(),
    ).json()
    status = {c["accountNumber"]: c["organizationStatus"] for c in detail["linkedAccounts"]}
    assert status[member] in ("SUSPENDED", "PENDING_CLOSURE", "CLOSED"), status
