"""The audit log records who did what, per tenant, and is readable through the API."""

from __future__ import annotations

from tests.support.app import Api


def test_audit_log_names_actor_action_and_target(api_on_both: Api) -> None:
    api = api_on_both
    created = api.create_client("Acme")
    url = f"/api/v1/tenants/{api.partner_id}/audit/search"
    page = api.client.get(
        url, params={"queryString": "action:client.create"}, headers=api.headers()
    ).json()
    assert page["totalResults"] == 1
    event = page["results"][0]
    assert event["actor"] == "api:bootstrap"
    assert event["targetId"] == created["uniqueId"]
    assert event["details"] == {"name": "Acme"}
    everything = api.client.get(
        url, params={"sortName": "time", "isDescendingOrder": "true"}, headers=api.headers()
    ).json()
    actions = [e["action"] for e in everything["results"]]
    assert actions[0] == "client.create"
    assert {"tenant.create", "user.create", "api_client.create"} <= set(actions)
    # The client's own log is separate and empty.
    client_log = api.client.get(
        f"/api/v1/tenants/{created['uniqueId']}/audit/search", headers=api.headers()
    ).json()
    assert client_log["totalResults"] == 0
