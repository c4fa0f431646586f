"""Bad input gets a JSON ``{"code", "message"}`` 4xx naming the field, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.app import Api

GOOD = {"name": "Acme", "address": "1 Main St", "timeZone": "America/New_York", "country": "US"}


def _post_client(
    api: Api, body: Any = None, content: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, dict[str, Any]]:
    headers = {**api.headers(), "Content-Type": content_type}
    raw = content if content is not None else json.dumps(body).encode()
    response = api.client.post(
        f"/api/v2/tenants/{api.partner_id}/clients", content=raw, headers=headers
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "name": 42}, "name"),
        ({**GOOD, "name": "   "}, "name"),
        ({**GOOD, "name": "x" * 256}, "name"),
        ({k: v for k, v in GOOD.items() if k != "timeZone"}, "timeZone"),
        ({**GOOD, "timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({**GOOD, "favouriteColour": "blue"}, "favouriteColour"),
        ({**GOOD, "website": "javascript:alert(1)"}, "website"),
        ({**GOOD, "clientDetails": {"businessStartHour": 25}}, "clientDetails.businessStartHour"),
        ({**GOOD, "clientDetails": "9 to 5"}, "clientDetails"),
        ([GOOD], "body"),
        ("Acme", "body"),
        (None, "body"),
    ],
)
def test_invalid_client_bodies_name_the_field(api: Api, body: Any, field: str) -> None:
    status, error = _post_client(api, body)
    assert status == 400, error
    assert error["code"] == "invalid_request"
    assert field in error["fields"]
    assert error["message"].startswith(f"{field}:") or f"; {field}:" in error["message"]
    # Nothing was stored.
    minimal = api.client.get(
        f"/api/v2/tenants/{api.partner_id}/clients/minimal", headers=api.headers()
    )
    assert minimal.json() == []


@pytest.mark.parametrize("raw", [b"{", b'{"name": "Acme",}', b"\xff\xfe", b"nul\x00l"])
def test_malformed_json_is_a_400(api: Api, raw: bytes) -> None:
    status, error = _post_client(api, content=raw)
    assert (status, error["code"]) == (400, "malformed_json")


def test_form_body_where_json_is_expected_is_a_400(api: Api) -> None:
    status, error = _post_client(
        api, content=b"name=Acme", content_type="application/x-www-form-urlencoded"
    )
    assert status == 400
    assert error["code"] in {"invalid_request", "malformed_json"}


def test_oversized_bodies_are_refused_before_parsing(api: Api) -> None:
    huge = {**GOOD, "address": "x" * 2_000_000}
    status, error = _post_client(api, huge)
    assert (status, error["code"]) == (413, "payload_too_large")

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b" " * 65536

    # Without Content-Length (chunked), the limit still holds.
    response = api.client.post(
        f"/api/v2/tenants/{api.partner_id}/clients",
        content=chunks(),
        headers={**api.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageNo": "abc"}, "pageNo"),
        ({"pageNo": "0"}, "pageNo"),
        ({"pageSize": "100000"}, "pageSize"),
        ({"pageSize": "-1"}, "pageSize"),
        ({"isDescendingOrder": "perhaps"}, "isDescendingOrder"),
        ({"sortName": "secret_hash"}, "sortName"),
        ({"queryString": "password:x"}, "queryString"),
        ({"queryString": "name:"}, "queryString"),
        ({"queryString": "justtext"}, "queryString"),
        ({"queryString": "name:a+name:b"}, "queryString"),
        ({"queryString": "x" * 3000}, "queryString"),
    ],
)
def test_bad_query_strings_name_the_parameter(api: Api, params: dict[str, str], field: str) -> None:
    response = api.client.get(
        f"/api/v2/tenants/{api.partner_id}/clients/search", params=params, headers=api.headers()
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid_request"
    assert field in body["fields"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v2/nothing/here", 404, "not_found"),
        ("DELETE", "/api/v2/tenants/{p}/clients/minimal", 405, "method_not_allowed"),
        ("GET", "/api/v2/tenants/has%20space/clients/minimal", 400, "invalid_request"),
        ("GET", "/api/v2/tenants/{p}/clients/client_nope", 404, "client_not_found"),
        ("GET", "/api/v2/tenants/{p}/clients/bad$id", 400, "invalid_request"),
    ],
)
def test_routes_and_ids(api: Api, method: str, path: str, status: int, code: str) -> None:
    response = api.client.request(method, path.format(p=api.partner_id), headers=api.headers())
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert set(response.json()) <= {"code", "message", "fields"}


def test_an_unexpected_error_is_a_json_500_with_a_reference(api: Api) -> None:
    # Break the database underneath the app: the answer is still {"code", "message"}.
    with api.db.transaction() as session:
        session.connection().exec_driver_sql("DROP TABLE audit_events")
    response = api.client.get(
        f"/api/v1/tenants/{api.partner_id}/audit/search", headers=api.headers()
    )
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "reference" in response.json()["message"]
    assert "audit_events" not in response.text
