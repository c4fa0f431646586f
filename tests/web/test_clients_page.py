"""Setup > Clients: a partner adds a client from the console; clients cannot."""

from __future__ import annotations

from tests.support.app import Api
from tests.web.test_integrations_pages import _add_user, _browser, _client, _csrf
from tether.domain.tenancy import Role


def test_a_partner_adds_a_client_and_bad_input_keeps_what_was_typed(api: Api) -> None:
    browser = _browser(api)
    page = browser.get("/setup/clients")
    assert page.status_code == 200
    assert "Add a client" in page.text
    token = _csrf(page.text)
    form = {"name": "Globex", "address": "1 Main St", "timeZone": "Mars/Olympus", "country": "UK"}
    refused = browser.post("/setup/clients", data={"csrf_token": token, **form})
    assert refused.status_code == 400
    assert "The client was not added" in refused.text
    assert 'value="1 Main St"' in refused.text
    assert "<td>Globex</td>" not in browser.get("/setup/clients").text  # nothing stored
    added = browser.post(
        "/setup/clients",
        data={"csrf_token": token, **form, "timeZone": "Europe/London"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    listed = browser.get(added.headers["location"]).text
    assert "Client created." in listed
    assert "<td>Globex</td>" in listed
    assert browser.post("/setup/clients", data=form).status_code == 403  # no CSRF token


def test_client_users_do_not_manage_clients(api: Api) -> None:
    client_id = _client(api)
    username, password = _add_user(api, client_id, Role.CLIENT_ADMIN)
    browser = _browser(api, username, password)
    assert browser.get("/setup/clients").status_code == 403
    assert "/setup/clients" not in browser.get("/setup/integrations").text
