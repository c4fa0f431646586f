"""Tenant isolation, generated from the app's route table: every API endpoint by every kind
of caller (client A's admin and viewer, client B's admin, the partner's admin and viewer,
another partner's admin, no token, an expired token) answers with the right status and
leaks none of client A's ids, names, account numbers or ARNs when it refuses.

Also generated from the same table: client B naming client A's objects from its own tenant
(IDOR), refusals that must come before a bad or malformed body is read, public routes that
answer everyone alike, and the console's pages with each caller's session cookie.

Client A holds the emulated organization's management account (with its linked accounts),
a finished scan and its inventory; path parameters are filled with those real ids. Writes
run after reads (see ``order_key``); a DELETE removes a throwaway object of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI

from tests.api.isolation.calls import (
    BODIES,
    BODY_REFERENCES,
    CONSOLE_FORMS,
    INVALID_BODY,
    FormBody,
    console_expected,
    console_request,
    fill,
)
from tests.api.isolation.routes import (
    STRANGERS,
    Endpoint,
    Expected,
    Kind,
    Who,
    classify,
    expected,
    order_key,
    route_table,
)
from tests.api.isolation.world import (
    World,
    build_world,
    fingerprint,
    ghost_tenant,
    leaks,
    normalised,
)
from tether.emulator import EmulatedOrganization, FaultProxy

TABLE = route_table(BODIES)
INVALID, MALFORMED = "invalid body", "malformed body"
API_KINDS = (Kind.CLIENT, Kind.PARTNER, Kind.IDENTITY)
API = sorted((e for e in TABLE.endpoints if e.kind in API_KINDS), key=order_key)
PUBLIC = [e for e in TABLE.endpoints if e.kind is Kind.PUBLIC]
CONSOLE = sorted((e for e in TABLE.endpoints if e.kind is Kind.CONSOLE), key=order_key)


def _case(endpoint: Endpoint, who: Who, variant: str = "") -> Any:
    case_id = f"{endpoint.label} | {who.value}" + (f" [{variant}]" if variant else "")
    return pytest.param(endpoint, who, variant, id=case_id)


MATRIX = [_case(endpoint, who) for endpoint in API for who in Who]
# Client B's admin in its own tenant, naming client A's objects (in the path or the body);
# another partner's admin likewise for the partner routes.
IDOR = [
    _case(endpoint, Who.OTHER_CLIENT if endpoint.kind is Kind.CLIENT else Who.OTHER_PARTNER)
    for endpoint in API
    if endpoint.kind in (Kind.CLIENT, Kind.PARTNER)
    and (endpoint.object_params or (endpoint.method, endpoint.path) in BODY_REFERENCES)
]
BODY_FIRST = [
    _case(endpoint, who, variant)
    for endpoint in API
    if endpoint.has_body
    for who in Who
    if expected(endpoint, who).denied
    for variant in (INVALID, MALFORMED)
]

# Console pages with each caller's session; an allowed write (None) is left to the console's
# own tests, whose forms it needs.
CONSOLE_CASES = [
    _case(endpoint, who)
    for endpoint in CONSOLE
    for who in Who
    if console_expected(endpoint, who) is not None
]


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
    fault_proxy: FaultProxy,
    aws_org: EmulatedOrganization,
) -> Iterator[World]:
    fault_proxy.reset()
    yield from build_world(tmp_path_factory.mktemp("isolation"), fault_proxy.endpoint_url, aws_org)


def _target(world: World, endpoint: Endpoint) -> str:
    return world.partner if endpoint.kind is Kind.PARTNER else world.client_a


def _url(world: World, endpoint: Endpoint, tenant: str) -> str:
    if endpoint.kind is Kind.IDENTITY:
        return endpoint.path
    # A DELETE removes an object of its own, so later cases still find theirs.
    return fill(world, endpoint, tenant, fresh=endpoint.method == "DELETE")


def _call(
    world: World, endpoint: Endpoint, who: Who, url: str, body: Any = None, raw: str | None = None
) -> httpx.Response:
    headers = dict(world.headers[who])
    if isinstance(body, FormBody):
        return world.api.client.request(endpoint.method, url, data=body.fields, headers=headers)
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return world.api.client.request(endpoint.method, url, content=raw, headers=headers)
    return world.api.client.request(endpoint.method, url, json=body, headers=headers)


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _answer(response: httpx.Response) -> str:
    return f"{response.status_code} {response.text[:300]}"


def _assert_refusal(
    world: World, response: httpx.Response, want: Expected, sent: str, who: Who
) -> None:
    """A refusal says only why: {code, message}, a challenge on 401, nothing of client A."""
    assert (response.status_code, _code(response)) == (want.status, want.code), _answer(response)
    assert set(response.json()) == {"code", "message"}, response.text
    if want.status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    seen = response.text + json.dumps(dict(response.headers))
    assert leaks(seen, world.identifying, sent) == [], (who.value, response.text)


def _assert_no_secrets(world: World, response: httpx.Response) -> None:
    found = [value for value in world.secret_values if value in response.text]
    assert found == [], "an answer holds a secret or a token"


def test_every_route_is_classified_and_filled() -> None:
    """A new route the generator cannot classify, fill or give a body fails here."""
    assert TABLE.problems == []
    kinds = {e.kind for e in TABLE.endpoints}
    assert {Kind.CLIENT, Kind.PARTNER, Kind.IDENTITY, Kind.PUBLIC, Kind.CONSOLE} <= kinds
    assert len(API) >= 30, [e.label for e in API]


def test_the_served_app_has_the_routes_the_matrix_was_generated_from(world: World) -> None:
    app = world.api.client.app
    assert isinstance(app, FastAPI)
    served = classify(app, BODIES)
    assert served.problems == []
    assert sorted(e.label for e in served.endpoints) == sorted(e.label for e in TABLE.endpoints)


@pytest.mark.parametrize("endpoint", PUBLIC, ids=[e.label for e in PUBLIC])
def test_public_routes_answer_everyone_alike(world: World, endpoint: Endpoint) -> None:
    """No token is needed and none changes the answer; none names client A."""
    answers = {who: _call(world, endpoint, who, endpoint.path) for who in Who}
    statuses = {who.value: answer.status_code for who, answer in answers.items()}
    assert len(set(statuses.values())) == 1, statuses
    assert answers[Who.NO_TOKEN].status_code not in (401, 403), statuses
    names = {value for value in world.identifying if not value.startswith(("client_", "INTG-"))}
    for answer in answers.values():
        _assert_no_secrets(world, answer)
        assert leaks(answer.text, names, "") == [], endpoint.label


@pytest.mark.parametrize(("endpoint", "who", "variant"), MATRIX)
def test_matrix(world: World, endpoint: Endpoint, who: Who, variant: str) -> None:
    """Own and partner callers get the route's answer; viewers may only read; another
    client or partner finds no tenant; no or an expired token gets a 401 challenge."""
    want = expected(endpoint, who)
    tenant = _target(world, endpoint)
    url = _url(world, endpoint, tenant)
    maker = BODIES.get((endpoint.method, endpoint.path))
    body = maker(world, tenant) if maker else None
    sent = url + repr(body)
    # An identity route acts on the caller alone: it changes nobody else's state.
    checked = endpoint.writes and (want.denied or endpoint.kind is Kind.IDENTITY)
    before = fingerprint(world.api.db, world) if checked else None

    response = _call(world, endpoint, who, url, body)

    _assert_no_secrets(world, response)
    if not want.denied:
        assert response.status_code == want.status, _answer(response)
        if want.code is not None:
            assert _code(response) == want.code, _answer(response)
        if endpoint.kind is Kind.IDENTITY and not endpoint.writes:
            assert response.json()["tenantId"] == world.tenant_of(who)
        if endpoint.kind is Kind.IDENTITY and world.tenant_of(who) != world.client_a:
            assert leaks(response.text, world.identifying, sent) == []
        if before is not None:
            assert fingerprint(world.api.db, world) == before, "the call changed another's state"
        return
    _assert_refusal(world, response, want, sent, who)
    if before is not None:
        assert fingerprint(world.api.db, world) == before, "a refused write changed something"
    if who in STRANGERS:
        # The answer for client A is the answer for a tenant that does not exist: a caller
        # cannot learn which tenants exist.
        ghost = ghost_tenant(tenant)
        ghost_url = url.replace(f"/tenants/{tenant}/", f"/tenants/{ghost}/")
        assert ghost_url != url
        other = _call(world, endpoint, who, ghost_url, body)
        assert other.status_code == response.status_code
        assert normalised(other.text, ghost) == normalised(response.text, tenant)
        assert other.headers.get("content-type") == response.headers.get("content-type")


@pytest.mark.parametrize(("endpoint", "who", "variant"), IDOR)
def test_own_tenant_with_client_a_object_ids(
    world: World, endpoint: Endpoint, who: Who, variant: str
) -> None:
    """Client B's admin (another partner's, for partner routes) in its own tenant, naming
    client A's objects: not found, nothing changed, nothing of client A in the answer."""
    tenant = world.tenant_of(who)
    assert tenant is not None
    url = fill(world, endpoint, tenant, fresh=endpoint.method == "DELETE")
    maker = BODIES.get((endpoint.method, endpoint.path))
    body = maker(world, tenant) if maker else None
    sent = url + repr(body)
    before = fingerprint(world.api.db, world)

    response = _call(world, endpoint, who, url, body)

    _assert_no_secrets(world, response)
    assert response.status_code in (400, 404), _answer(response)
    code = _code(response)
    assert code is not None
    assert code == "invalid_request" or code.endswith("not_found"), _answer(response)
    seen = response.text + json.dumps(dict(response.headers))
    assert leaks(seen, world.identifying, sent) == [], response.text
    assert fingerprint(world.api.db, world) == before, "the call changed client A's objects"


@pytest.mark.parametrize(("endpoint", "who", "variant"), BODY_FIRST)
def test_refusals_come_before_the_body_is_read(
    world: World, endpoint: Endpoint, who: Who, variant: str
) -> None:
    """A caller who may not call a route is refused whatever body it sends: the answer
    never tells it whether its body would have passed."""
    want = expected(endpoint, who)
    url = fill(world, endpoint, _target(world, endpoint), fresh=endpoint.method == "DELETE")
    before = fingerprint(world.api.db, world)
    if variant == MALFORMED:
        response = _call(world, endpoint, who, url, raw='{"not json')
    else:
        response = _call(world, endpoint, who, url, INVALID_BODY)
    _assert_refusal(world, response, want, url, who)
    assert fingerprint(world.api.db, world) == before


@pytest.mark.parametrize(("endpoint", "who", "variant"), CONSOLE_CASES)
def test_console_matrix(world: World, endpoint: Endpoint, who: Who, variant: str) -> None:
    """Console pages by session: client A's and the partner's users see them, viewers may
    not change anything, other tenants' users find nothing, no or an expired session is
    sent to the login page; a refusal names nothing of client A."""
    want = console_expected(endpoint, who)
    assert want is not None
    url, headers = console_request(world, endpoint, who)
    form = CONSOLE_FORMS.get(endpoint.path, {}) if endpoint.method == "POST" else None
    before = fingerprint(world.api.db, world) if endpoint.method != "GET" else None

    response = world.api.client.request(
        endpoint.method, url, data=form, headers=headers, follow_redirects=False
    )

    assert response.status_code == want, _answer(response)
    _assert_no_secrets(world, response)
    if want == 303:
        assert response.headers["location"].startswith("/login")
    if want != 200 or who in STRANGERS:
        seen = response.text + json.dumps(dict(response.headers))
        assert leaks(seen, world.identifying, url) == [], (who.value, response.text[:500])
    if before is not None:
        assert fingerprint(world.api.db, world) == before, "a refused form changed something"


def test_the_matrix_covers_every_api_route_and_caller() -> None:
    covered = {(case.values[0].label, case.values[1]) for case in MATRIX}
    assert covered == {(e.label, who) for e in API for who in Who}
    # Every refusal of a route that takes a body is tried with bodies it cannot accept.
    assert {case.values[0].label for case in BODY_FIRST} == {e.label for e in API if e.has_body}
    # Every console route is tried at least without a session and with an expired one.
    tried = {(case.values[0].label, case.values[1]) for case in CONSOLE_CASES}
    for endpoint in CONSOLE:
        assert {(endpoint.label, Who.NO_TOKEN), (endpoint.label, Who.EXPIRED)} <= tried
