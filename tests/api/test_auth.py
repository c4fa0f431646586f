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


def test_wrong_secrets_are_throttled_per_client_and_a_success_clears_them(api: Api) -> None:
    assert api.boot.api_secret is not None
    key = api.boot.api_key
    other_key, other_secret = api.add_api_client(api.partner_id, Role.VIEWER, name="other")
    wrong = {"grant_type": "client_credentials", "client_id": key, "client_secret": "wrong"}
    for _ in range(5):
        assert _grant(api, **wrong)[0] == 401
    status, body = _grant(api, **wrong)
    assert (status, body["code"], body["error"]) == (429, "too_many_attempts", "too_many_attempts")
    assert "try again in" in body["message"]
    # Even the right secret waits: otherwise the sixth guess would still be tested.
    right = {**wrong, "client_secret": api.boot.api_secret}
    assert _grant(api, **right)[0] == 429
    # Another client is not held up by the guesses at this one.
    status, _ = _grant(
        api, grant_type="client_credentials", client_id=other_key, client_secret=other_secret
    )
    assert status == 200


def test_a_caller_revokes_its_own_token_and_only_its_own(api: Api) -> None:
    url = "/api/v1/me"
    first_key, first_secret = api.add_api_client(api.partner_id, Role.PARTNER_ADMIN, name="a")
    second_key, second_secret = api.add_api_client(api.partner_id, Role.PARTNER_ADMIN, name="b")
    mine = {"Authorization": f"Bearer {api.token(first_key, first_secret)}"}
    theirs_token = api.token(second_key, second_secret)
    theirs = {"Authorization": f"Bearer {theirs_token}"}

    # Naming another holder's token (or nonsense) answers the same and changes nothing.
    for token in (theirs_token, "nonsense"):
        answer = api.client.post("/tenancy/auth/oauth/revoke", data={"token": token}, headers=mine)
        assert (answer.status_code, answer.content) == (200, b"")
    assert api.client.get(url, headers=theirs).status_code == 200
    assert api.client.get(url, headers=mine).status_code == 200

    assert api.client.post("/tenancy/auth/oauth/revoke", headers=mine).status_code == 200
    refused = api.client.get(url, headers=mine)
    assert refused.status_code == 401
    assert refused.json()["message"] == "the access token was revoked"
    assert api.client.post("/tenancy/auth/oauth/revoke", headers=mine).status_code == 401
    # The client's secret still works: a new token replaces the revoked one.
    status, _ = _grant(
        api, grant_type="client_credentials", client_id=first_key, client_secret=first_secret
    )
    assert status == 200
    assert api.client.get(url, headers=theirs).status_code == 200
