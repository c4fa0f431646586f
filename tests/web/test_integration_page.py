"""The integration page over HTTP: masked credentials, regions, permission matrix, discovery
profiles and their editor, Scan now with its progress, scan details, CSRF and tenancy."""

from __future__ import annotations

import html
import re
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_integrations import install_body, installed_in
from tests.support.app import Api
from tests.support.secrets import check_response
from tests.web.test_install_page import console, csrf_of, new_client, text_of
from tether.domain.tenancy import Role
from tether.emulator import EmulatedOrganization
from tether.security.passwords import hash_secret
from tether.security.scoping import system_scope
from tether.store.models import Scan, ScanUnit, User
from tether.store.repositories.identity import UserRepository
from tether.store.repositories.tenants import TenantDirectory


@pytest.fixture
def installed(aws_api: Api, aws_org: EmulatedOrganization) -> tuple[str, dict[str, Any]]:
    client_id = new_client(aws_api)
    return client_id, installed_in(aws_api, client_id, aws_org, aws_org.onboarded_member_ids[0])


def page_of(client_id: str, integration: dict[str, Any]) -> str:
    return f"/integrations/{client_id}/{integration['id']}"


def profile_form(
    token: str, profile_id: int | None, rules: list[tuple[str, str, str, str]], **extra: Any
) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": token,
        "name": "AWS Basic Discovery Profile",
        "matchType": "ANY",
        "filterType": [rule[0] for rule in rules],
        "key": [rule[1] for rule in rules],
        "operator": [rule[2] for rule in rules],
        "value": [rule[3] for rule in rules],
        "actions": ["MANAGE DEVICE"],
        "patternType": "HOURLY",
        "pattern": "6",
        "startTime": "01:30:00",
    }
    if profile_id is not None:
        form["profileId"] = str(profile_id)
    form.update(extra)
    return form


def profile_id_in(page: str) -> int:
    found = re.search(r'name="profileId" value="(\d+)"', page)
    assert found, "the page has a profile editor"
    return int(found.group(1))


def add_user(api: Api, tenant_id: str, role: Role) -> TestClient:
    """A console session of a new user of ``tenant_id`` with ``role``."""
    username, password = f"user-{time.time_ns()}", f"pw-{time.time_ns()}-secret"
    with api.db.transaction() as session:
        ref = TenantDirectory(session).ref(tenant_id)
        assert ref is not None
        UserRepository(session, system_scope(ref)).add(
            User(username=username, password_hash=hash_secret(password), role=role)
        )
    browser = TestClient(api.client.app, raise_server_exceptions=False)
    browser.event_hooks["response"].append(check_response)
    answer = browser.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return browser


def test_the_page_shows_masked_credentials_regions_matrix_and_profiles(
    aws_api: Api, aws_org: EmulatedOrganization, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    page = console(aws_api).get(page_of(client_id, integration))
    assert page.status_code == 200
    text = text_of(page)
    assert f"<h1>{integration['displayName']}</h1>" in page.text
    assert "enabled" in text
    assert integration["accountNumber"] in text
    assert "installed by api:bootstrap" in text
    keys = aws_org.trusted_keys
    assert f"<code>****{keys.access_key_id[-4:]}</code>" in page.text
    assert keys.secret_access_key not in page.text
    assert keys.access_key_id not in page.text
    assert "stored encrypted, never shown" in text
    assert f"<code>{aws_org.role_arns[integration['accountNumber']]}</code>" in page.text
    for region in ("us-east-1", "eu-west-1"):
        assert f'<td>{region}</td><td><span class="badge passed">passed</span>' in page.text
    # The matrix: a row per catalog service, a column per region and Global.
    assert '<h2 id="permissions-title">Permission matrix</h2>' in page.text
    assert (
        '<th scope="col">us-east-1</th><th scope="col">eu-west-1</th><th scope="col">Global</th>'
        in page.text
    )
    assert '<td class="cell allowed"' in page.text
    assert "Discovery profiles" in text
    assert "AWS Basic Discovery Profile" in text
    assert 'value="ANY_CLOUD_RESOURCE" selected' in page.text
    assert ">Scan now</button>" in page.text


def test_a_profile_saves_and_a_bad_regex_is_refused_naming_the_field(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    browser = console(aws_api)
    url = page_of(client_id, integration)
    page = browser.get(url).text
    token, profile_id = csrf_of(page), profile_id_in(page)

    bad = profile_form(
        token,
        profile_id,
        [("ANY_CLOUD_RESOURCE", "", "", ""), ("DEVICE", "Name", "Regex", "web-(")],
    )
    refused = browser.post(f"{url}/profiles", data=bad, follow_redirects=False)
    assert refused.status_code == 400
    shown = text_of(refused)
    assert "The profile was not saved." in shown
    assert "Rule 2 · Value</a>: invalid regular expression" in refused.text
    assert f'id="p{profile_id}-rule-1-value" name="value" value="web-("' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert 'value="6"' in refused.text  # nothing typed is lost

    good = profile_form(
        token,
        profile_id,
        [
            ("ANY_CLOUD_RESOURCE", "", "", ""),
            ("DEVICE", "Tag:env", "Equals", "prod"),
            ("", "", "", ""),
        ],
        name="Production devices",
    )
    saved = browser.post(f"{url}/profiles", data=good, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{url}?saved={profile_id}#profile-{profile_id}"
    stored = aws_api.client.get(
        f"/api/v2/tenants/{client_id}/policies/discovery/{profile_id}", headers=aws_api.headers()
    ).json()
    assert stored["name"] == "Production devices"
    assert stored["policy"]["rules"][1] == {
        "filterType": "DEVICE",
        "key": "Tag:env",
        "operator": "Equals",
        "value": "prod",
    }
    assert stored["schedule"] == {"patternType": "HOURLY", "pattern": "6", "startTime": "01:30:00"}
    assert "Saved" in browser.get(saved.headers["location"]).text


def test_a_new_profile_and_rule_rows_without_scripts(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    browser = console(aws_api)
    url = page_of(client_id, integration)
    token = csrf_of(browser.get(url).text)
    rules = [("AWS_S3_BUCKET", "", "", "")]
    added = browser.post(
        f"{url}/profiles", data=profile_form(token, None, rules, name="Buckets", addRule="1")
    )
    assert added.status_code == 200
    assert 'id="pnew-rule-1-filterType"' in added.text  # a second, empty row
    created = browser.post(
        f"{url}/profiles",
        data=profile_form(token, None, rules, name="Buckets", patternType=""),
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    listed = aws_api.client.get(
        f"/api/v2/tenants/{client_id}/policies/discovery/search",
        params={"queryString": f"integration:{integration['id']}"},
        headers=aws_api.headers(),
    ).json()
    assert sorted(p["name"] for p in listed["results"]) == [
        "AWS Basic Discovery Profile",
        "Buckets",
    ]


def test_scan_now_starts_a_scan_whose_progress_ends_done(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    browser = console(aws_api)
    url = page_of(client_id, integration)
    token = csrf_of(browser.get(url).text)
    started = browser.post(f"{url}/scans", data={"csrf_token": token}, follow_redirects=False)
    assert started.status_code == 303
    page = browser.get(started.headers["location"]).text
    poll = re.search(r'data-poll="([^"]+/progress)"', page)
    assert poll, "a running scan is polled"
    deadline = time.monotonic() + 120
    while True:
        partial = browser.get(html.unescape(poll.group(1)))
        assert partial.status_code == 200
        if "data-done" in partial.text.split(">", 1)[0]:
            break
        assert time.monotonic() < deadline, "the scan ends"
        time.sleep(0.5)
    assert "<dt>Units</dt>" in partial.text
    assert "<dt>API calls</dt>" in partial.text
    finished = browser.get(url).text
    assert "Scan history" in finished
    details = re.search(rf'href="({re.escape(url)}/scans/[0-9a-f-]{{36}})"', finished)
    assert details
    units = browser.get(details.group(1))
    assert units.status_code == 200
    assert '<th scope="col">Resource type</th>' in units.text
    assert '<span class="badge ok">ok</span>' in units.text


def test_a_failed_scan_with_units_never_collected_is_resumed_from_its_page(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    scan_id = str(uuid.uuid4())
    with aws_api.db.transaction() as session:  # as the stall watchdog leaves a lost scan
        session.add(
            Scan(id=scan_id, tenant_id=client_id, integration_id=integration["id"],
                 trigger="manual", requested_by="test", status="failed", units_total=1,
                 error="stalled: nothing finished for 900 s")
        )  # fmt: skip
        session.add(
            ScanUnit(tenant_id=client_id, scan_id=scan_id, region="us-east-1",
                     resource_type="AWS_VPC", status="pending")
        )  # fmt: skip
    browser = console(aws_api)
    url = f"{page_of(client_id, integration)}/scans/{scan_id}"
    page = browser.get(url).text
    assert "Resume scan" in page
    resumed = browser.post(
        f"{url}/resume", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert resumed.status_code == 303
    assert resumed.headers["location"] == url
    deadline = time.monotonic() + 60
    while (scan := _scan_row(aws_api, scan_id)).status in ("queued", "running"):
        assert time.monotonic() < deadline, "the resumed scan ends"
        time.sleep(0.2)
    assert scan.status == "ok"
    assert scan.units_done == 1
    assert scan.resources_found > 0  # the region's VPCs
    assert "Resume scan" not in browser.get(url).text
    # Only a failed scan with pending units resumes.
    again = browser.post(f"{url}/resume", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 409


def _scan_row(api: Api, scan_id: str) -> Scan:
    with api.db.transaction() as session:
        row = session.get(Scan, scan_id)
        assert row is not None
        return row


def test_posts_without_the_csrf_token_are_refused(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    browser = console(aws_api)
    url = page_of(client_id, integration)
    assert browser.post(f"{url}/scans", data={}).status_code == 403
    assert browser.post(f"{url}/profiles", data={"name": "x"}).status_code == 403


def test_another_clients_integration_is_not_found(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    other = new_client(aws_api, "Other")
    partner = console(aws_api)
    assert partner.get(page_of(other, integration)).status_code == 404
    outsider = add_user(aws_api, other, Role.CLIENT_ADMIN)
    assert outsider.get(page_of(client_id, integration)).status_code == 404
    token = csrf_of(outsider.get("/setup/integrations").text)
    refused = outsider.post(f"{page_of(client_id, integration)}/scans", data={"csrf_token": token})
    assert refused.status_code == 404


def test_a_viewer_reads_but_cannot_scan_or_edit(
    aws_api: Api, installed: tuple[str, dict[str, Any]]
) -> None:
    client_id, integration = installed
    viewer = add_user(aws_api, client_id, Role.VIEWER)
    url = page_of(client_id, integration)
    page = viewer.get(url)
    assert page.status_code == 200
    assert ">Scan now</button>" not in page.text
    assert "Save profile</button>" not in page.text
    token = csrf_of(page.text)
    assert viewer.post(f"{url}/scans", data={"csrf_token": token}).status_code == 403


def wait_for_scans(browser: TestClient, url: str, deadline_seconds: float = 120) -> None:
    """Poll the page's progress partial until the running scan ends."""
    poll = re.search(r'data-poll="([^"]+/progress)"', browser.get(url).text)
    deadline = time.monotonic() + deadline_seconds
    while poll is not None:
        partial = browser.get(html.unescape(poll.group(1))).text
        if "data-done" in partial.split(">", 1)[0]:
            return
        assert time.monotonic() < deadline, "the scan ends"
        time.sleep(0.5)


def test_a_linked_account_takes_its_parents_profiles_at_its_first_scan(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = new_client(aws_api)
    body = install_body(aws_org, aws_org.management_account_id, installAllLinkedAccounts=True)
    body["credential"]["Regions"] = "us-east-1"
    parent = aws_api.client.post(
        f"/api/v2/tenants/{client_id}/integrations/install/AWS",
        json=body,
        headers=aws_api.headers(),
    ).json()
    browser = console(aws_api)
    listed = browser.get(page_of(client_id, parent))
    assert '<h2 id="linked-title">Linked accounts</h2>' in listed.text
    child = next(kid for kid in parent["linkedAccounts"] if kid["status"] == "enabled")
    assert f'href="/integrations/{client_id}/{child["id"]}"' in listed.text

    url = page_of(client_id, child)
    before = browser.get(url)
    assert "At its first scan, this linked account takes the discovery profiles of" in text_of(
        before
    )
    assert f'Linked account of <a href="{page_of(client_id, parent)}">' in before.text
    token = csrf_of(before.text)
    assert browser.post(f"{url}/scans", data={"csrf_token": token}).status_code == 200
    wait_for_scans(browser, url)
    after = browser.get(url)
    assert "profiles were copied from" in text_of(after)
    assert '<span class="badge">copied from parent</span>' in after.text
