"""schemathesis against Tether's own OpenAPI document: every operation, authenticated as
the partner's admin, must answer without a server error and as the document says, on valid
and on invalid input (schemathesis' positive and negative modes).

Checks: every default check of schemathesis 4 (not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance, response_headers_conformance,
negative_data_rejection, missing_required_header, ignored_auth, unsupported_method, ...)
except positive_data_acceptance (see below).

Bounded and reproducible: one test per operation, at most ``MAX_EXAMPLES`` (30) generated
examples in each of schemathesis' phases, no deadline, ``derandomize=True`` (Hypothesis
derives a fixed seed from the test, so CI and a laptop send the same requests) and no
example database. About 1,100 requests in all; ``pytest -s`` prints the figures.

Path parameters naming an object (tenantId, clientId, integrationId, id, scanId,
resourceId) name a real one seeded for the test in half the examples, so the fuzzer gets
past the 404s. AWS is a closed local port: nothing leaves the machine, AWS calls fail at once.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from tests.api.fuzzing_support import RealIds, ServedApp, fuzz_api, seed, tether_openapi
from tests.support.app import Api
from tether.services.auth import GRANT_TYPE, issue_client_token

MAX_EXAMPLES = 30
PARTNER_ADMIN = "partner-admin"

schema = schemathesis.openapi.from_dict(tether_openapi())
# Every request (the checks' own probes too) goes in-process to the `target` fixture's app.
SERVED = ServedApp()
schema.app = SERVED
# The bearer token is the fixture's, sent with every call: generated Authorization values
# would only ever be refused. (The ignored_auth check still sends none and a wrong one.)
schema.config.generation.update(with_security_parameters=False)
# Schema-valid is not always acceptable: an install is checked against AWS, a time zone
# against the IANA database, a sort key against the columns. Those answer a documented 400.
schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])

# The module's figures: examples per operation, those naming real objects, answers by status.
SENT: Counter[str] = Counter()
REAL: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    started = time.monotonic()
    for api in fuzz_api(tmp_path_factory.mktemp("fuzz")):
        SERVED.app = api.client.app
        yield api
        SERVED.app = None
    print(
        f"\nfuzzed {len(SENT)} operations with {SENT.total()} examples "
        f"({REAL.total()} naming real objects) in {time.monotonic() - started:.1f}s; "
        f"answers by status {dict(sorted(STATUSES.items()))}"
    )


@pytest.fixture
def bearer(request: pytest.FixtureRequest, target: Api) -> dict[str, str]:
    """A token of the caller (the partner's admin API client) for this operation alone:
    fuzzing the revoke operation revokes the token it is sent with."""
    assert request.param == PARTNER_ADMIN
    assert target.boot.api_secret is not None
    grant = issue_client_token(
        target.db, GRANT_TYPE, target.boot.api_key, target.boot.api_secret, 3600
    )
    return {"Authorization": f"Bearer {grant.access_token}"}


@pytest.fixture
def ids(target: Api) -> RealIds:
    """Fresh objects per operation: an earlier operation may have deleted the last ones."""
    return seed(target, f"Fuzz {uuid.uuid4().hex[:8]}")


# The caller is a parametrization (of one, for now) so that every test has its own node id:
# pytest 9 builds the id from the function name and the callspec, and schemathesis' item
# without a callspec would be `test_operation` for every operation.
@pytest.mark.parametrize("bearer", [PARTNER_ADMIN], indirect=True)
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_operation(
    case: schemathesis.Case[Any], data: st.DataObject, bearer: dict[str, str], ids: RealIds
) -> None:
    # Half the cases name real objects, to get past the 404s; a path made invalid on
    # purpose stays as generated.
    negative_path = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    if case.path_parameters and not negative_path and data.draw(st.booleans(), label="real"):
        case.path_parameters.update(ids.for_path(case.path))
        REAL[case.operation.label] += 1
    SENT[case.operation.label] += 1
    response = case.call_and_validate(headers=bearer)
    STATUSES[response.status_code] += 1


# Regression tests for what the fuzzer found.


def assert_documented(method: str, path: str, response: httpx.Response) -> None:
    """``response`` has a status the operation documents, and the body it documents."""
    documented = schema.raw_schema["paths"][path][method.lower()]["responses"]
    assert str(response.status_code) in documented, response.text
    schema[path][method].validate_response(response)


def test_every_operation_that_takes_a_bearer_token_documents_its_401() -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in schema.raw_schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") and "401" not in operation["responses"]
    ]
    assert undocumented == []


def test_who_am_i_without_a_token_is_the_documented_401(api: Api) -> None:
    response = api.client.get("/api/v1/me")
    assert response.status_code == 401
    assert_documented("GET", "/api/v1/me", response)


@pytest.mark.parametrize("field", ["grant_type", "client_id", "client_secret"])
def test_a_too_long_token_request_field_gets_an_oauth_error(api: Api, field: str) -> None:
    form = {"grant_type": GRANT_TYPE, "client_id": "tk_x", "client_secret": "s"}
    form[field] = "x" * 513
    response = api.client.post("/tenancy/auth/oauth/token", data=form)
    assert response.status_code == 400
    assert_documented("POST", "/tenancy/auth/oauth/token", response)
    body = response.json()
    # RFC 6749 5.2: OAuth clients read `error`.
    assert body["error"] == body["code"] == "invalid_request"
    assert body["message"].startswith(f"{field}:")
