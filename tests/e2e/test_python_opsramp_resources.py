"""python-opsramp 3.5 reads a running ``tether serve``'s inventory: ``Resources.search``
(following pages), a partner's search across its clients, and the resource types through
the generic API object, as a script would."""

from __future__ import annotations

from pathlib import Path

from opsramp.binding import connect
from opsramp.msp import Clients

from tests.api.test_resources import INJECTION, scope_of, seed_inventory
from tests.support.app import RunningServer
from tether.catalog.registry import RESOURCE_TYPES
from tether.store.db import Database


def test_python_opsramp_searches_resources(running_server: RunningServer) -> None:
    boot = running_server.boot
    opsramp = connect(running_server.base_url, boot["api_key"], boot["api_secret"])
    partner = opsramp.tenant(boot["partner_id"])
    client = partner.clients().create(Clients.mkClient("Inventory Ltd", "1 Way", "UTC", "US"))
    server_db = Database(f"sqlite:///{Path(running_server.env['TETHER_DATA_DIR']) / 'tether.db'}")
    try:
        seed_inventory(server_db, scope_of(server_db, client["uniqueId"]))
    finally:
        server_db.dispose()
    resources = opsramp.tenant(client["uniqueId"]).resources()

    # Three devices, two a page: python-opsramp asks for page 2 itself and collates.
    devices = resources.search("queryString=resourceType:DEVICE&pageSize=2&sortName=name")
    assert sorted(r["name"] for r in devices["results"]) == sorted(["web-1", "web-2", INJECTION])
    assert all(r["source"] == "PUBLICCLOUD" for r in devices["results"])
    web = resources.search("queryString=resourceType:DEVICE+region:us-east-1+tag:Env=prod")
    assert [r["name"] for r in web["results"]] == ["web-1"]
    assert web["results"][0]["properties"]["instanceType"] == "t3.micro"
    assert {"name": "Team", "value": "core", "tagSource": "AWS"} in web["results"][0]["tags"]
    assert resources.search("queryString=name:nothing")["totalResults"] == 0

    everything = partner.resources().search("")
    assert everything["totalResults"] == 6
    assert {r["client"]["uniqueId"] for r in everything["results"]} == {client["uniqueId"]}

    types = opsramp.tenant(client["uniqueId"]).get("resourceTypes/AWS")
    assert [t["code"] for t in types] == [spec.type_code for spec in RESOURCE_TYPES]
