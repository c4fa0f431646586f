"""The real python-opsramp client (PyPI, 3.5) against a running ``tether serve``."""

from __future__ import annotations

import pytest
from opsramp.binding import connect
from opsramp.msp import Clients

from tests.support.app import RunningServer


def test_python_opsramp_authenticates_creates_and_finds_a_client(
    running_server: RunningServer,
) -> None:
    boot = running_server.boot
    opsramp = connect(running_server.base_url, boot["api_key"], boot["api_secret"])
    partner = opsramp.tenant(boot["partner_id"])
    assert not partner.is_client()
    clients = partner.clients()

    definition = Clients.mkClient(
        "Acme Rockets", "1 Launch Road", "America/Los_Angeles", "US", hours=Clients.mkHours()
    )
    created = clients.create(definition)
    assert created["uniqueId"].startswith("client_")
    assert opsramp.tenant(created["uniqueId"]).is_client()

    found = clients.search("name:Acme Rockets")
    assert found["totalResults"] == 1
    assert found["results"][0]["uniqueId"] == created["uniqueId"]
    assert found["results"][0]["clientDetails"]["businessStartHour"] == 9

    assert {"uniqueId": created["uniqueId"], "name": "Acme Rockets"} in clients.get()
    assert clients.get("/" + created["uniqueId"])["name"] == "Acme Rockets"


def test_python_opsramp_follows_pages(running_server: RunningServer) -> None:
    boot = running_server.boot
    clients = (
        connect(running_server.base_url, boot["api_key"], boot["api_secret"])
        .tenant(boot["partner_id"])
        .clients()
    )
    for number in range(5):
        clients.create(Clients.mkClient(f"Paging {number}", "x", "UTC", "US"))
    # pageSize 2 -> three pages; the client re-requests with pageNo+1 until nextPage is false.
    collated = clients.search("queryString=name:Paging&pageSize=2")
    assert sorted(c["name"] for c in collated["results"]) == [f"Paging {n}" for n in range(5)]


def test_python_opsramp_sees_a_refused_credential(running_server: RunningServer) -> None:
    with pytest.raises(RuntimeError, match="401"):
        connect(running_server.base_url, running_server.boot["api_key"], "wrong-secret")
