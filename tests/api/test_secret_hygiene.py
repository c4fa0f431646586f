"""The secret-hygiene checks can fail, and Tether passes them where secrets are most at risk:
a rejected secret key, a failing scan, and botocore's debug logging."""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
import string
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from tests.api.test_integrations import _url, install_body, installed_in
from tests.support.app import Api
from tests.support.org_scans import wait_scans
from tests.support.secrets import (
    TOKEN_PATH,
    CapturedLogs,
    SecretLeak,
    check_database_files,
    check_response,
    check_server_output,
    check_text,
    known_secrets,
)
from tether.aws.regions import RegionSelection
from tether.aws.sessions import AwsSessions, AwsSettings
from tether.config import Settings
from tether.domain.credentials import AccessKey, IamAssumeRole, RoleTarget
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.security.scoping import system_scope
from tether.services.keys import load_secret_box
from tether.services.validation import validate_credential
from tether.store.models import AwsCredentialRow
from tether.store.repositories.credentials import CredentialRepository
from tether.store.repositories.tenants import TenantDirectory

_SIGNATURE = re.compile(r"Signature[=:]\s*[0-9a-f]{64}")


def _secret(label: str) -> str:
    """A fresh value shaped like an AWS secret access key, known to the checks."""
    alphabet = string.ascii_letters + string.digits + "/+"
    value = "".join(secrets.choice(alphabet) for _ in range(40))
    known_secrets.add(value, label)
    return value


class _RawLines(logging.Handler):
    """What a handler without the filter would write."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def raw_logs() -> Iterator[_RawLines]:
    """Records as they are made: ahead of every other root handler, before any filter."""
    root = logging.getLogger()
    raw = _RawLines()
    root.handlers.insert(0, raw)
    try:
        yield raw
    finally:
        root.removeHandler(raw)


# -- the checks fail when they should ----------------------------------------------------


def test_a_secret_logged_without_the_filter_fails_the_log_check(
    raw_logs: _RawLines, secret_hygiene_of_logs: CapturedLogs
) -> None:
    secret = _secret("a secret logged on purpose")
    logging.getLogger("tests.secret_hygiene").warning("the key is %s", secret)
    # The filter knows no such value and it has no secret's context: it passes through.
    try:
        with pytest.raises(SecretLeak, match="a secret logged on purpose"):
            check_text("\n".join(raw_logs.lines), "the raw logs")
        # The tail is base64: '+' and '/' are regex syntax.
        with pytest.raises(SecretLeak, match=re.escape(f"ending {secret[-4:]!r}")):
            secret_hygiene_of_logs.check()
        # The failure message names the secret without showing it.
        with pytest.raises(SecretLeak) as raised:
            secret_hygiene_of_logs.check()
        assert secret not in str(raised.value)
    finally:
        secret_hygiene_of_logs.lines.clear()  # else the teardown check reports it again


def test_a_secret_in_a_secrets_context_is_redacted_before_the_log_check(
    raw_logs: _RawLines, secret_hygiene_of_logs: CapturedLogs
) -> None:
    secret = _secret("a secret logged in context")
    logging.getLogger("tests.secret_hygiene").warning("aws_secret_access_key=%s", secret)
    with pytest.raises(SecretLeak):
        check_text("\n".join(raw_logs.lines), "the raw logs")
    secret_hygiene_of_logs.check()
    assert secret_hygiene_of_logs.lines[-1].endswith("aws_secret_access_key=[redacted]")


def test_an_answer_with_a_secret_fails_the_response_check(api: Api) -> None:
    # A client id is no secret; made known for a moment, an answer holding it is refused.
    client_id = api.create_client("Stand-in")["uniqueId"]
    path = f"/api/v2/tenants/{api.partner_id}/clients/{client_id}"
    known_secrets.add(client_id, "a client id, as a stand-in secret")
    try:
        with pytest.raises(SecretLeak, match="the body of the answer to GET"):
            api.client.get(path, headers=api.headers())
    finally:
        known_secrets.discard(client_id)
    assert api.client.get(path, headers=api.headers()).status_code == 200


def test_only_the_token_grant_may_answer_with_a_known_secret() -> None:
    token = _secret("a token in an answer")
    body = f'{{"access_token": "{token}", "token_type": "bearer"}}'.encode()
    grant = httpx.Response(
        200, content=body, request=httpx.Request("POST", f"http://t{TOKEN_PATH}")
    )
    check_response(grant)
    for method, path in (("GET", TOKEN_PATH), ("POST", "/api/v2/tenants/x/clients")):
        other = httpx.Response(200, content=body, request=httpx.Request(method, f"http://t{path}"))
        with pytest.raises(SecretLeak, match="the body of"):
            check_response(other)
    in_header = httpx.Response(
        302,
        headers={"Location": f"/login?next={token}"},
        request=httpx.Request("GET", "http://t/"),
    )
    with pytest.raises(SecretLeak, match="the headers of"):
        check_response(in_header)


def test_a_database_file_with_a_secret_fails_the_database_check(tmp_path: Path) -> None:
    secret = _secret("a secret stored in clear")
    path = tmp_path / "leaky.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (v TEXT)")
        connection.execute("INSERT INTO t VALUES (?)", (f"error: {secret}",))
    connection.close()
    with pytest.raises(SecretLeak, match=r"the database file leaky\.db"):
        check_database_files(path)


def test_a_server_output_with_a_secret_fails_except_its_first_start_lines(tmp_path: Path) -> None:
    secret = _secret("a secret in server output")
    log = tmp_path / "serve.log"
    log.write_text(
        f"Tether is starting\n  API secret:     {secret}\n  admin login:    a / {secret}\n"
    )
    check_server_output(log)
    log.write_text(f"INFO uvicorn.access: GET /login?password={secret}\n")
    with pytest.raises(SecretLeak, match=r"the server output serve\.log"):
        check_server_output(log)


# -- Tether passes them where secrets are most at risk ------------------------------------


def test_a_rejected_secret_key_leaks_nowhere(
    aws_api: Api, aws_org: EmulatedOrganization, aws_faults: FaultProxy, tmp_path: Path
) -> None:
    """Install with a wrong secret key (SignatureDoesNotMatch); then install with the right
    one, swap a wrong one into the stored credential and scan. The answers (checked as they
    come), the logs and the database file with the scan's error (checked at teardown) hold
    neither wrong key, nor the right one."""
    client_id = aws_api.create_client("Hygiene")["uniqueId"]
    member = aws_org.onboarded_member_ids[0]
    body = install_body(aws_org, member, displayName="wrong key")
    body["credential"]["SecurityKey"] = _secret("the wrong secret key of an install")
    refused = aws_api.client.post(
        _url(client_id, "install/AWS"), json=body, headers=aws_api.headers()
    )
    assert refused.status_code == 400, refused.text
    assert "SignatureDoesNotMatch" in refused.json()["message"]

    integration = installed_in(aws_api, client_id, aws_org, member)
    box = load_secret_box(Settings(data_dir=tmp_path))
    wrong = AccessKey(aws_org.trusted_keys.access_key_id, _secret("a wrong stored secret key"))
    with aws_api.db.transaction() as session:
        ref = TenantDirectory(session).ref(client_id)
        assert ref is not None
        row = session.scalars(
            select(AwsCredentialRow).where(AwsCredentialRow.tenant_id == client_id)
        ).one()
        CredentialRepository(session, system_scope(ref)).replace_key(box, row.id, wrong)
    started = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{integration['id']}/scans",
        headers=aws_api.headers(),
    )
    assert started.status_code == 200, started.text
    [scan] = wait_scans(aws_api, client_id, [started.json()["id"]])
    # The role cannot be assumed, so the scan fails before any unit: its error is the one.
    assert (scan["status"], scan["unitsTotal"]) == ("failed", 0), scan
    assert "SignatureDoesNotMatch" in scan["error"]
    # The teardown check reads these very bytes, error reports included.
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("tether.db*"))
    assert b"SignatureDoesNotMatch" in stored
    check_database_files(tmp_path / "tether.db")


def test_botocore_debug_logging_is_redacted(
    aws_faults: FaultProxy,
    aws_org: EmulatedOrganization,
    raw_logs: _RawLines,
    secret_hygiene_of_logs: CapturedLogs,
) -> None:
    """botocore at DEBUG prints request headers (Authorization, X-Amz-Security-Token), the
    canonical request and STS's answer with the session's secret key. The filter leaves
    none of that, while a handler without it would have written the session's secrets."""
    member = aws_org.onboarded_member_ids[0]
    credential = IamAssumeRole(
        account_number=aws_org.trusted_account_id,
        key=AccessKey(aws_org.trusted_keys.access_key_id, aws_org.trusted_keys.secret_access_key),
        target=RoleTarget(aws_org.role_arns[member], aws_org.external_id),
    )
    botocore = logging.getLogger("botocore")
    level = botocore.level
    botocore.setLevel(logging.DEBUG)
    try:
        sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
        report = validate_credential(sessions, credential, RegionSelection.parse("us-east-1"))
    finally:
        botocore.setLevel(level)
    assert report.ok
    raw = "\n".join(raw_logs.lines)
    assert "X-Amz-Security-Token" in raw
    assert _SIGNATURE.search(raw) is not None
    # The proxy made the session's secret key and token known; botocore printed them.
    with pytest.raises(SecretLeak, match=r"an issued (SecretAccessKey|SessionToken)"):
        check_text(raw, "the raw logs")
    secret_hygiene_of_logs.check()
    redacted = "\n".join(secret_hygiene_of_logs.lines)
    assert "X-Amz-Security-Token': b'[redacted]'" in redacted
    assert _SIGNATURE.search(redacted) is None
    assert aws_org.trusted_keys.access_key_id in redacted  # ids stay readable
