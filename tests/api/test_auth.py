"""The client-credentials grant and bearer authentication."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.support.app import TOKEN_PATH, Api
from tether.domain.tenancy import Role
from tether.security import tokens
from tether.store.models import AccessToken, ApiClient
from tether.store.types import utcnow


def _grant(api: Api, **form: str) -> tuple[int, dict[str, str]]:
    response = api.client.post(TOKEN_PATH, data=form)
    return response.status_code, response.json()


def test_token_has_the_opsramp_shape_and_opens_the_api(api_on_both: Api) -> None:
    api = api_on_both
    assert api.boot.api_secret is not None
    status, body = _grant(
        api,
        grant_type="client_credentials",
        client_id=api.boot.api_key,
        client_secret=api.boot.api_secret,
    )
    assert status == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7199
    assert body["scope"] == "global:manage"
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["tenantId"] == api.partner_id
    assert me.json()["role"] == "partner-admin"


def test_wrong_grants_are_refused_with_oauth_errors(api: Api) -> None:
    assert api.boot.api_secret is not None
    key, secret = api.boot.api_key, api.boot.api_secret
    cases = [
        (
            {"grant_type": "password", "client_id": key, "client_secret": secret},
            400,
            "unsupported_grant_type",
        ),
        ({"client_id": key, "client_secret": secret}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_secret": secret}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_id": key}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "client_id": key, "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "tk_unknown",
                "client_secret": secret,
            },
            401,
            "invalid_client",
        ),
    ]
    for form, status, code in cases:
        got_status, body = _grant(api, **form)
        assert (got_status, body["error"], body["code"]) == (status, code, code), form
        assert body["error_description"] == body["message"]
        assert secret not in str(body)


def test_missing_wrong_expired_and_revoked_tokens_get_401(api: Api) -> None:
    url = f"/api/v2/tenants/{api.partner_id}/clients/minimal"
    assert api.client.get(url, headers=api.headers()).status_code == 200
    no_token = api.client.get(url)
    assert no_token.status_code == 401
    assert no_token.json()["code"] == "unauthorized"
    assert no_token.headers["www-authenticate"] == "Bearer"
    for header in ["Bearer nonsense", "Basic abc", "Bearer "]:
        response = api.client.get(url, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert set(response.json()) == {"code", "message"}

    key, secret = api.add_api_client(api.partner_id, Role.PARTNER_ADMIN, name="expiring")
    token = api.token(key, secret)
    with api.db.transaction() as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.token_digest == tokens.digest(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = api.client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert expired.json()["message"] == "the access token has expired"

    key, secret = api.add_api_client(api.partner_id, Role.PARTNER_ADMIN, name="revoked")
    token = api.token(key, secret)
    with api.db.transaction() as session:
        session.execute(update(ApiClient).where(ApiClient.key == key).values(revoked_at=utcnow()))
    revoked = api.client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    assert revoked.json()["message"] == "the API client was revoked"
    status, body = _grant(api, grant_type="client_credentials", client_id=key, client_secret=secret)
    assert (status, body["code"]) == (401, "invalid_client")


def test_tokens_are_stored_only_as_digests(api: Api) -> None:
    token = api.headers()["Authorization"].split()[1]
    with api.db.transaction() as session:
        stored = session.query(AccessToken.token_digest).all()
    assert (tokens.digest(token),) in stored
    assert all(token not in row[0] for row in stored)
