"""Setup > Integrations over HTTP: the installed list (linked accounts under their parent),
enable / disable / uninstall forms, the catalog, and who may see and do what."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.test_integrations import _url, install_body, installed_in
from tests.support.app import Api
from tests.support.secrets import check_response
from tether.domain.tenancy import Role
from tether.emulator import EmulatedOrganization
from tether.security.passwords import hash_secret
from tether.security.scoping import system_scope
from tether.store.models import User
from tether.store.repositories.identity import UserRepository
from tether.store.repositories.tenants import TenantDirectory

LIST = "/setup/integrations"
AVAILABLE = "/setup/integrations/available"


def _action(client_id: str, integration_id: str, verb: str) -> str:
    return f"/setup/integrations/installed/{client_id}/{integration_id}/{verb}"


def _client(api: Api, name: str = "Acme") -> str:
    return str(api.create_client(f"{name} {time.time_ns()}")["uniqueId"])


def _add_user(api: Api, tenant_id: str, role: Role) -> tuple[str, str]:
    """A console user of ``tenant_id`` (as bootstrap creates the admin); its username and
    password."""
    username, password = f"user-{time.time_ns()}", f"pw-{time.time_ns()}-secret"
    with api.db.transaction() as session:
        ref = TenantDirectory(session).ref(tenant_id)
        assert ref is not None
        UserRepository(session, system_scope(ref)).add(
            User(username=username, password_hash=hash_secret(password), role=role)
        )
    return username, password


def _browser(api: Api, username: str | None = None, password: str | None = None) -> TestClient:
    """A logged-in console session of its own (the partner admin by default)."""
    browser = TestClient(api.client.app, raise_server_exceptions=False)
    browser.event_hooks["response"].append(check_response)
    answer = browser.post(
        "/login",
        data={
            "username": username or api.boot.admin_user,
            "password": password or api.boot.admin_password or "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return browser


def _csrf(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


def _post(browser: TestClient, url: str, **form: str) -> httpx.Response:
    token = _csrf(browser.get(LIST).text)
    return browser.post(url, data={"csrf_token": token, **form}, follow_redirects=False)


def _text(response: httpx.Response) -> str:
    """The page's text with tags dropped and whitespace folded, for phrase checks."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def _install_organization(api: Api, client_id: str, org: EmulatedOrganization) -> dict[str, Any]:
    body = install_body(org, org.management_account_id, installAllLinkedAccounts=True)
    body["displayName"] = "Demo organization"
    body["credential"]["Regions"] = "us-east-1"
    response = api.client.post(_url(client_id, "install/AWS"), json=body, headers=api.headers())
    assert response.status_code == 200, response.text
    installed: dict[str, Any] = response.json()
    return installed


def _status(api: Api, client_id: str, integration_id: str) -> int | str:
    answer = api.client.get(_url(client_id, f"installed/{integration_id}"), headers=api.headers())
    return str(answer.json()["status"]) if answer.status_code == 200 else answer.status_code


def test_the_list_groups_linked_accounts_under_their_parent(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = _client(aws_api)
    parent = _install_organization(aws_api, client_id, aws_org)
    children = parent["linkedAccounts"]
    failed = [child for child in children if child["status"] == "failed"]
    assert len(children) == len(aws_org.member_account_ids)
    assert len(failed) == 1
    browser = _browser(aws_api)

    page = browser.get(LIST, params={"client": client_id})
    assert page.status_code == 200, page.text
    text = _text(page)
    assert "Installed Integrations" in text
    assert f'href="/integrations/{client_id}/{parent["id"]}"' in page.text
    assert '<details class="linked">' in page.text
    enabled = len(children) - 1
    assert f"{len(children)} linked accounts ({enabled} enabled, 1 failed)" in text
    for child in children:  # inside the parent's <details>, each with its status
        assert f'href="/integrations/{client_id}/{child["id"]}"' in page.text
    assert html.escape(failed[0]["statusReason"], quote=False) in page.text
    assert page.text.index(parent["id"]) < page.text.index(children[0]["id"])
    assert "Not scanned yet" in text
    assert 'aria-label="Disable Demo organization"' in page.text
    assert 'aria-label="Uninstall Demo organization"' in page.text
    assert 'data-linked="4"' in page.text
    assert f'href="/setup/integrations/available?client={client_id}"' in page.text

    # All Clients: a heading per client, the integrations under it.
    everyone = browser.get(LIST)
    assert everyone.status_code == 200
    assert f'id="client-{client_id}"' in everyone.text
    assert f'href="/integrations/{client_id}/{parent["id"]}"' in everyone.text


def test_disable_then_enable_comes_back_with_a_message(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = _client(aws_api)
    integration = installed_in(aws_api, client_id, aws_org, aws_org.onboarded_member_ids[0])
    browser = _browser(aws_api)

    disabled = _post(browser, _action(client_id, integration["id"], "disable"), view=client_id)
    assert disabled.status_code == 303
    assert disabled.headers["location"] == f"{LIST}?client={client_id}&done=disabled"
    assert _status(aws_api, client_id, integration["id"]) == "disabled"
    shown = browser.get(disabled.headers["location"])
    assert "Integration disabled" in _text(shown)
    assert 'aria-label="Enable AWS prod"' in shown.text

    # From the All Clients view, back to All Clients.
    enabled = _post(browser, _action(client_id, integration["id"], "enable"), view="")
    assert enabled.headers["location"] == f"{LIST}?done=enabled"
    assert _status(aws_api, client_id, integration["id"]) == "enabled"
    assert "Integration enabled" in _text(browser.get(enabled.headers["location"]))


def test_a_failed_linked_account_cannot_be_enabled(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = _client(aws_api)
    parent = _install_organization(aws_api, client_id, aws_org)
    failed = next(c for c in parent["linkedAccounts"] if c["status"] == "failed")
    browser = _browser(aws_api)
    answer = _post(browser, _action(client_id, failed["id"], "enable"), view=client_id)
    assert answer.headers["location"].endswith("problem=enable-failed")
    assert "cannot be enabled" in _text(browser.get(answer.headers["location"]))
    assert _status(aws_api, client_id, failed["id"]) == "failed"


def test_uninstall_needs_a_reason_and_a_choice_for_linked_accounts(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = _client(aws_api)
    parent = _install_organization(aws_api, client_id, aws_org)
    browser = _browser(aws_api)
    url = _action(client_id, parent["id"], "uninstall")

    no_reason = _post(browser, url, uninstallReason="  ", children="keep", view=client_id)
    assert no_reason.status_code == 400
    assert "Give an uninstall reason" in _text(no_reason)
    assert _status(aws_api, client_id, parent["id"]) == "enabled"

    no_choice = _post(browser, url, uninstallReason="moving to another tool", view=client_id)
    assert no_choice.status_code == 400
    assert "Choose what happens to its 4 linked accounts" in _text(no_choice)
    assert "moving to another tool" in no_choice.text  # the reason is kept in the form
    assert _status(aws_api, client_id, parent["id"]) == "enabled"

    # The page version of the form (used without script) shows the same choice.
    form = browser.get(url, params={"view": client_id})
    assert form.status_code == 200
    assert "Keep them as stand-alone integrations" in form.text

    done = _post(browser, url, uninstallReason="moving", children="keep", view=client_id)
    assert done.status_code == 303
    assert done.headers["location"].endswith("done=uninstalled-kept")
    assert _status(aws_api, client_id, parent["id"]) == 404
    kept = parent["linkedAccounts"][0]["id"]
    assert _status(aws_api, client_id, kept) in ("enabled", "failed")
    after = browser.get(done.headers["location"])
    assert "linked accounts were kept" in _text(after)
    assert "<details" not in after.text  # the children are stand-alone rows now


def test_a_form_without_the_csrf_token_is_refused(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = _client(aws_api)
    integration = installed_in(aws_api, client_id, aws_org, aws_org.onboarded_member_ids[0])
    browser = _browser(aws_api)
    for verb, form in (("disable", {}), ("uninstall", {"uninstallReason": "x"})):
        refused = browser.post(
            _action(client_id, integration["id"], verb), data=form, follow_redirects=False
        )
        assert refused.status_code == 403
    assert _status(aws_api, client_id, integration["id"]) == "enabled"


def test_a_client_user_sees_and_touches_only_its_own_client(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    mine, theirs = _client(aws_api, "Mine"), _client(aws_api, "Theirs")
    own = installed_in(aws_api, mine, aws_org, aws_org.onboarded_member_ids[0])
    other = installed_in(aws_api, theirs, aws_org, aws_org.onboarded_member_ids[1])
    browser = _browser(aws_api, *_add_user(aws_api, mine, Role.CLIENT_ADMIN))

    page = browser.get(LIST)
    assert page.status_code == 200
    assert own["id"] in page.text
    assert other["id"] not in page.text
    assert "All Clients" not in page.text
    assert browser.get(LIST, params={"client": theirs}).status_code == 404
    assert browser.get(AVAILABLE, params={"client": theirs}).status_code == 404
    for client_id in (theirs, mine):  # their client, or their integration under mine
        for verb in ("disable", "uninstall"):
            answer = _post(
                browser, _action(client_id, other["id"], verb), uninstallReason="x", children=""
            )
            assert answer.status_code == 404, (client_id, verb)
    assert _status(aws_api, theirs, other["id"]) == "enabled"
    assert (
        browser.get(_action(theirs, other["id"], "uninstall")).status_code == 404
    )  # the uninstall page too
    disabled = _post(browser, _action(mine, own["id"], "disable"), view="")
    assert disabled.status_code == 303
    assert _status(aws_api, mine, own["id"]) == "disabled"


def test_a_viewer_sees_no_write_buttons_and_cannot_write(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    client_id = _client(aws_api)
    integration = installed_in(aws_api, client_id, aws_org, aws_org.onboarded_member_ids[0])
    browser = _browser(aws_api, *_add_user(aws_api, aws_api.partner_id, Role.VIEWER))

    page = browser.get(LIST, params={"client": client_id})
    assert page.status_code == 200
    assert integration["id"] in page.text
    for write in ("Disable", "Enable", "Uninstall", "Install integration", "uninstall-dialog"):
        assert write not in page.text, write
    catalog = browser.get(AVAILABLE, params={"client": client_id})
    assert "/setup/integrations/install/aws" not in catalog.text
    assert "read-only" in catalog.text
    refused = _post(browser, _action(client_id, integration["id"], "disable"), view=client_id)
    assert refused.status_code == 403
    assert browser.get(_action(client_id, integration["id"], "uninstall")).status_code == 403
    assert _status(aws_api, client_id, integration["id"]) == "enabled"


def test_an_empty_client_invites_to_install(aws_api: Api) -> None:
    client_id = _client(aws_api)
    page = _browser(aws_api).get(LIST, params={"client": client_id})
    assert page.status_code == 200
    assert "No integrations installed for" in _text(page)
    assert f'href="/setup/integrations/available?client={client_id}"' in page.text


def test_the_catalog_asks_for_a_client_then_links_to_the_aws_install(aws_api: Api) -> None:
    client_id = _client(aws_api)
    browser = _browser(aws_api)

    everyone = browser.get(AVAILABLE)
    assert everyone.status_code == 200
    assert "Choose a client first" in everyone.text
    assert "/setup/integrations/install/aws" not in everyone.text

    catalog = browser.get(AVAILABLE, params={"client": client_id})
    assert catalog.status_code == 200
    text = _text(catalog)
    assert text.index("Public Cloud") < text.index("AWS")
    assert f'href="/setup/integrations/install/aws?client={client_id}"' in catalog.text
    nothing = browser.get(AVAILABLE, params={"client": client_id, "q": "azure+category:x"})
    assert nothing.status_code == 200
    assert "No integration matches" in nothing.text


@pytest.mark.parametrize("path", [LIST, AVAILABLE])
def test_pages_need_a_session(api: Api, path: str) -> None:
    answer = TestClient(api.client.app).get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
