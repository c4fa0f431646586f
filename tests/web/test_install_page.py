"""Install AWS Integration over HTTP: the seed's form and the role set-up beside it, the
validation steps streamed one by one, nothing stored on failure, CSRF and tenancy."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from tests.api.test_integrations import REGIONS
from tests.support.app import Api
from tests.support.secrets import check_response
from tether.emulator import EmulatedOrganization, FaultProxy

PAGE = "/setup/integrations/install/aws"


def new_client(api: Api, name: str = "Acme") -> str:
    return str(api.create_client(f"{name} {time.time_ns()}")["uniqueId"])


def console(api: Api) -> TestClient:
    """A console session of its own, logged in as the partner admin."""
    browser = TestClient(api.client.app, raise_server_exceptions=False)
    browser.event_hooks["response"].append(check_response)
    answer = browser.post(
        "/login",
        data={"username": api.boot.admin_user, "password": api.boot.admin_password or ""},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return browser


def csrf_of(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


def text_of(response: httpx.Response) -> str:
    """The page's text without tags, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def install_form(org: EmulatedOrganization, account: str, **extra: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "Name": "AWS prod",
        "Regions": REGIONS.split(","),
        "AWSType": "IAM with AssumeRole",
        "AccountNumber": org.trusted_account_id,
        "AccessKey": org.trusted_keys.access_key_id,
        "SecurityKey": org.trusted_keys.secret_access_key,
        "AssumeRoleARN": org.role_arns[account],
        "ExternalId": org.external_id,
    }
    form.update(extra)
    return form


def installed(api: Api, client_id: str) -> list[dict[str, Any]]:
    found = api.client.get(
        f"/api/v2/tenants/{client_id}/integrations/installed/search", headers=api.headers()
    )
    assert found.status_code == 200, found.text
    results: list[dict[str, Any]] = found.json()["results"]
    return results


def test_the_page_has_the_seed_fields_and_the_setup_for_the_values_typed(api: Api) -> None:
    client_id = new_client(api)
    browser = console(api)
    page = browser.get(PAGE, params={"client": client_id})
    assert page.status_code == 200
    body = page.text
    assert "<h1>Install AWS Integration</h1>" in body
    for field, label in [
        ("Name", "Name"),
        ("Regions", "Region(s)"),
        ("AWSType", "AWSType"),
        ("AccountNumber", "Account Number"),
        ("AccessKey", "Access Key"),
        ("SecurityKey", "Security Key"),
        ("AssumeRoleARN", "AssumeRole ARN"),
        ("ExternalId", "External ID"),
        ("installAllLinkedAccounts", "Install All Linked Accounts"),
        ("memberRoleName", "Member role name"),
        ("includeOrganizationalUnits", "Include OUs"),
        ("excludeOrganizationalUnits", "Exclude OUs"),
    ]:
        assert f'<label for="{field}">{label}</label>' in body, field
        assert f'id="{field}" name="{field}"' in body, field
    assert 'type="password" value=""' in body  # the Security Key
    assert '<option value="All"' in body
    assert 'value="eu-west-1"' in body
    for aws_type in ("IAM", "IAM with AssumeRole", "AssumeRole from ambient credentials"):
        assert f'<option value="{aws_type}"' in body
    assert ">Generate</button>" in body
    assert "Step 1: Configure the trusting account" in body
    assert "Step 2: Configure the trusted account" in body
    # A fresh External ID from the start; the trust policy waits for the trusted account.
    external_id = re.search(r'id="ExternalId" name="ExternalId" value="([^"]+)"', body)
    assert external_id
    assert len(external_id.group(1)) >= 32
    assert "Enter a valid Account Number (the trusted account)" in body
    assert "TetherReadOnlyAccess" in body  # the permission policy is always there

    setup = browser.get(
        f"{PAGE}/setup",
        params={
            "client": client_id,
            "AWSType": "IAM with AssumeRole",
            "AccountNumber": "111122223333",
            "ExternalId": "ext-id-for-acme",
            "AssumeRoleARN": "arn:aws:iam::444455556666:role/AcmeReader",
        },
    )
    assert setup.status_code == 200
    shown = html.unescape(setup.text)
    assert "<code>111122223333</code>" in shown
    assert '"sts:ExternalId": "ext-id-for-acme"' in shown
    assert '"AWS": "arn:aws:iam::111122223333:root"' in shown
    assert "role_name=AcmeReader" in shown  # the CLI script names the role of the ARN
    download = re.search(
        r'href="(/setup/integrations/install/aws/setup/cloudformation\?[^"]+)"', setup.text
    )
    assert download, "a CloudFormation template download"
    template = browser.get(html.unescape(download.group(1)))
    assert template.status_code == 200
    assert "attachment" in template.headers["content-disposition"]
    document = json.loads(template.text)
    assert document["Parameters"]["ExternalId"]["Default"] == "ext-id-for-acme"

    fresh = browser.get(f"{PAGE}/external-id").json()["externalId"]
    assert len(fresh) >= 32
    assert fresh != external_id.group(1)


def test_a_successful_install_streams_each_step_and_stores_the_integration(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = new_client(aws_api)
    browser = console(aws_api)
    token = csrf_of(browser.get(PAGE, params={"client": client_id}).text)
    member = aws_org.onboarded_member_ids[0]
    response = browser.post(
        PAGE,
        params={"client": client_id},
        data={"csrf_token": token, **install_form(aws_org, member)},
        headers={"X-Tether-Fetch": "1"},
    )
    assert response.status_code == 200, response.text
    lines = [line for line in response.text.split("\n") if line]
    steps = [line for line in lines if line.startswith("<li")]
    names = [re.search(r'data-step="([^"]+)"', line).group(1) for line in steps]  # type: ignore[union-attr]
    assert names[:3] == ["credentials", "account_number", "assume_role"]
    assert {"region us-east-1", "region eu-west-1", "regions", "permissions"} <= set(names)
    assert lines[-1].startswith('<div class="alert ok install-outcome"')
    assert 'data-result="installed"' in lines[-1]
    assert aws_org.trusted_keys.secret_access_key not in response.text

    [integration] = installed(aws_api, client_id)
    assert integration["displayName"] == "AWS prod"
    assert integration["accountNumber"] == member
    assert f'href="/integrations/{client_id}/{integration["id"]}"' in lines[-1]


def test_a_denied_region_shows_its_reason_stores_nothing_and_keeps_the_form(
    aws_api: Api, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    client_id = new_client(aws_api)
    browser = console(aws_api)
    token = csrf_of(browser.get(PAGE, params={"client": client_id}).text)
    member = aws_org.onboarded_member_ids[0]
    aws_faults.add_rule("access_denied", account_id=member, region="eu-west-1", service="ec2")
    form = {"csrf_token": token, **install_form(aws_org, member)}

    streamed = browser.post(
        PAGE, params={"client": client_id}, data=form, headers={"X-Tether-Fetch": "1"}
    )
    assert streamed.status_code == 200
    [region_step] = [
        line for line in streamed.text.split("\n") if 'data-step="region eu-west-1"' in line
    ]
    assert 'class="step failed"' in region_step
    assert "access denied by IAM" in region_step
    assert 'data-result="failed"' in streamed.text
    assert "Validation failed: nothing was stored." in streamed.text

    # Without scripts: the whole page, steps and form as typed, except the Security Key.
    page = browser.post(PAGE, params={"client": client_id}, data=form)
    assert page.status_code == 400
    assert "Region eu-west-1" in text_of(page)
    assert "access denied by IAM" in text_of(page)
    assert f'value="{aws_org.role_arns[member]}"' in page.text
    assert f'value="{aws_org.trusted_keys.access_key_id}"' in page.text
    assert '<option value="eu-west-1" selected>' in page.text
    assert aws_org.trusted_keys.secret_access_key not in page.text
    assert installed(aws_api, client_id) == []


def test_bad_input_names_the_field_and_keeps_the_rest(aws_api: Api) -> None:
    client_id = new_client(aws_api)
    browser = console(aws_api)
    token = csrf_of(browser.get(PAGE, params={"client": client_id}).text)
    form = {
        "csrf_token": token,
        "Name": "AWS prod",
        "Regions": ["us-east-1"],
        "AWSType": "IAM with AssumeRole",
        "AccountNumber": "12",
        "AccessKey": "AKIAABCDEFGHIJKLMNOP",
        "SecurityKey": "a-secret-that-must-not-come-back",
        "AssumeRoleARN": "arn:aws:iam::123456789012:role/Reader",
    }
    page = browser.post(PAGE, params={"client": client_id}, data=form)
    assert page.status_code == 400
    assert 'id="AccountNumber-error" >must be the 12-digit AWS account number' in page.text
    assert 'aria-invalid="true"' in page.text
    assert "a-secret-that-must-not-come-back" not in page.text
    fragment = browser.post(
        PAGE, params={"client": client_id}, data=form, headers={"X-Tether-Fetch": "1"}
    )
    assert 'data-result="failed"' in fragment.text
    assert 'data-field="AccountNumber"' in fragment.text


def test_the_install_post_needs_the_csrf_token(api: Api) -> None:
    client_id = new_client(api)
    browser = console(api)
    answer = browser.post(PAGE, params={"client": client_id}, data={"Name": "x"})
    assert answer.status_code == 403
    assert installed(api, client_id) == []


def test_another_partners_client_is_not_found(api: Api) -> None:
    browser = console(api)
    assert browser.get(PAGE, params={"client": "client_does_not_exist"}).status_code == 404
    # Not a client: the partner's own tenant.
    assert browser.get(PAGE, params={"client": api.partner_id}).status_code == 404


def test_a_partner_without_a_client_is_asked_to_pick_one(api: Api) -> None:
    page = console(api).get(PAGE)
    assert page.status_code == 200
    assert "Select a client" in page.text
    assert 'id="install-form"' not in page.text
