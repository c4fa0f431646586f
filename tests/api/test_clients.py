"""The clients API in OpsRamp's v2 shape, and tenant isolation through it."""

from __future__ import annotations

from tests.support.app import Api
from tether.domain.tenancy import Role

PAGE_KEYS = {
    "results",
    "totalResults",
    "pageNo",
    "pageSize",
    "totalPages",
    "nextPage",
    "previousPageNo",
    "descendingOrder",
}


def test_create_get_search_minimal(api_on_both: Api) -> None:
    api = api_on_both
    base = f"/api/v2/tenants/{api.partner_id}/clients"
    created = api.create_client(
        "Acme Corp",
        clientDetails={
            "businessStartHour": 9,
            "businessStartMin": 0,
            "businessEndHour": 17,
            "businessEndMin": 30,
            "businessDayStart": 2,
            "businessDayEnd": 6,
            "smsVoiceNotification": False,
        },
    )
    assert created["uniqueId"].startswith("client_")
    assert created["name"] == "Acme Corp"
    assert created["partnerId"] == api.partner_id
    assert created["clientDetails"]["businessEndMin"] == 30
    api.create_client("Globex")

    got = api.client.get(f"{base}/{created['uniqueId']}", headers=api.headers())
    assert got.status_code == 200
    assert got.json() == created

    found = api.client.get(
        f"{base}/search", params={"queryString": "name:Acme Corp"}, headers=api.headers()
    ).json()
    assert set(found) == PAGE_KEYS
    assert [c["uniqueId"] for c in found["results"]] == [created["uniqueId"]]
    assert (found["totalResults"], found["nextPage"], found["pageNo"]) == (1, False, 1)

    paged = api.client.get(
        f"{base}/search", params={"pageSize": 1, "pageNo": 2}, headers=api.headers()
    ).json()
    assert (paged["totalResults"], paged["totalPages"], paged["previousPageNo"]) == (2, 2, 1)
    assert [c["name"] for c in paged["results"]] == ["Globex"]

    minimal = api.client.get(f"{base}/minimal", headers=api.headers()).json()
    assert minimal == [
        {"uniqueId": created["uniqueId"], "name": "Acme Corp"},
        {"uniqueId": minimal[1]["uniqueId"], "name": "Globex"},
    ]


def test_duplicate_client_name_is_a_conflict(api: Api) -> None:
    api.create_client("Acme")
    response = api.client.post(
        f"/api/v2/tenants/{api.partner_id}/clients",
        json={"name": "Acme", "address": "x", "timeZone": "UTC", "country": "US"},
        headers=api.headers(),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_name"


def test_one_client_cannot_see_another(api_on_both: Api) -> None:
    api = api_on_both
    acme = api.create_client("Acme")["uniqueId"]
    globex = api.create_client("Globex")["uniqueId"]
    key, secret = api.add_api_client(acme, Role.CLIENT_ADMIN, name="acme-admin")
    acme_headers = api.headers(key, secret)
    me = api.client.get("/api/v1/me", headers=acme_headers).json()
    assert me["tenantId"] == acme

    partner_routes = [
        f"/api/v2/tenants/{api.partner_id}/clients/search",
        f"/api/v2/tenants/{api.partner_id}/clients/minimal",
        f"/api/v2/tenants/{api.partner_id}/clients/{globex}",
        f"/api/v1/tenants/{api.partner_id}/audit/search",
        f"/api/v1/tenants/{globex}/audit/search",
    ]
    for url in partner_routes:
        response = api.client.get(url, headers=acme_headers)
        assert response.status_code == 404, url
        assert response.json()["code"] == "tenant_not_found"
        assert "Globex" not in response.text
    # Its own tenant is reachable.
    own = api.client.get(f"/api/v1/tenants/{acme}/audit/search", headers=acme_headers)
    assert own.status_code == 200
    # A client tenant has no clients of its own.
    assert (
        api.client.get(f"/api/v2/tenants/{acme}/clients/minimal", headers=acme_headers).status_code
        == 404
    )


def test_another_partners_clients_are_not_found(api: Api) -> None:
    from tether.domain.tenancy import TenantKind
    from tether.security.scoping import system_scope
    from tether.services.bootstrap import new_tenant_id
    from tether.store.models import Tenant
    from tether.store.repositories.tenants import TenantDirectory, TenantRepository

    with api.db.transaction() as session:
        other = TenantDirectory(session).add_partner(
            Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name="Other MSP")
        )
        foreign = (
            TenantRepository(session, system_scope(other))
            .add_client(Tenant(id=new_tenant_id(TenantKind.CLIENT), kind="client", name="Foreign"))
            .id
        )
    for url in [
        f"/api/v2/tenants/{other.id}/clients/search",
        f"/api/v2/tenants/{foreign}/clients/minimal",
        f"/api/v2/tenants/{api.partner_id}/clients/{foreign}",
    ]:
        response = api.client.get(url, headers=api.headers())
        assert response.status_code == 404, url
        assert "Foreign" not in response.text
    search = api.client.get(
        f"/api/v2/tenants/{api.partner_id}/clients/search",
        params={"queryString": "name:Foreign"},
        headers=api.headers(),
    )
    assert search.json()["totalResults"] == 0


def test_viewers_read_but_do_not_write(api: Api) -> None:
    key, secret = api.add_api_client(api.partner_id, Role.VIEWER, name="viewer")
    headers = api.headers(key, secret)
    base = f"/api/v2/tenants/{api.partner_id}/clients"
    assert api.client.get(f"{base}/minimal", headers=headers).status_code == 200
    response = api.client.post(
        base,
        json={"name": "X", "address": "x", "timeZone": "UTC", "country": "US"},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert api.client.get(f"{base}/minimal", headers=api.headers()).json() == []
