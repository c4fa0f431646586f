"""The console's inventory pages over HTTP: the resource list (filters, paging, trend
charts, export), a resource's page and a scan's changes, tenant isolation, on SQLite and
PostgreSQL where the chart's query runs.

The inventory is written the way scans write it (``apply_scope``), with the API tests'
helpers."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from tests.api.test_resources import (
    ACCOUNT,
    BUCKET,
    EU_ACCOUNT,
    INJECTION,
    MISSING_VPC,
    VOLUME_ARN,
    WEB_1,
    WEB_2,
    Inventory,
    apply,
    client_with_inventory,
    instance,
    new_scan,
    scope_of,
)
from tests.support.app import Api
from tests.support.profiles import add_integration
from tether.discovery import inventory as inventory_module
from tether.domain.tenancy import Role
from tether.security.passwords import hash_secret
from tether.services.inventory_stats import inventory_trends
from tether.store.models import User
from tether.store.repositories.identity import UserRepository
from tether.store.types import utcnow
from tether.web import resources as resource_pages
from tether.web.charts import day_label

DIFF_ROW = re.compile(
    r'<th scope="row">([^<]+)</th>\s*<td class="old">(.*?)</td>.*?<td class="new">(.*?)</td>', re.S
)
ACME_NAMES = {"web-1", "web-2", "data-vol", "private-a", "acme-logs", INJECTION}


def log_in(api: Api, username: str | None = None, password: str | None = None) -> None:
    """Log the TestClient in (the partner admin by default); the cookie stays on it."""
    response = api.client.post(
        "/login",
        data={
            "username": username or api.boot.admin_user,
            "password": password or api.boot.admin_password,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def add_user(api: Api, tenant: str, role: Role, username: str) -> str:
    password = f"{username}-correct-horse-battery"
    with api.db.transaction() as session:
        UserRepository(session, scope_of(api.db, tenant)).add(
            User(username=username, password_hash=hash_secret(password), role=role.value)
        )
    return password


def fetch(api: Api, path: str, status: int = 200, **params: Any) -> str:
    response = api.client.get(path, params=params, follow_redirects=False)
    assert response.status_code == status, response.text[:2000]
    return response.text


def listed(text: str) -> list[str]:
    """The names in the resource table, in order."""
    return [
        html.unescape(name)
        for name in re.findall(r'<td class="name"><a href="[^"]+">([^<]*)</a>', text)
    ]


def links(text: str) -> set[str]:
    return {html.unescape(href) for href in re.findall(r'href="([^"]+)"', text)}


def svg(text: str, css_class: str) -> str:
    found = re.search(rf'<svg class="{css_class}".*?</svg>', text, re.S)
    assert found, f"no <svg class={css_class}>"
    return found.group(0)


@pytest.fixture
def acme(api_on_both: Api) -> Inventory:
    inventory = client_with_inventory(api_on_both)
    log_in(api_on_both)
    return inventory


FILTERS: list[tuple[dict[str, str], set[str]]] = [
    ({}, ACME_NAMES),
    ({"type": "DEVICE"}, {"web-1", "web-2", INJECTION}),
    ({"region": "global"}, {"acme-logs"}),
    ({"account": EU_ACCOUNT}, {INJECTION}),
    ({"tag": "Env=prod"}, {"web-1", "data-vol", "acme-logs"}),
    ({"tag": "Env=prod;Team=core"}, {"web-1"}),
    ({"state": "Running"}, {"web-1", INJECTION}),
    ({"name": "WEB"}, {"web-1", "web-2"}),
    ({"type": "DEVICE", "region": "us-east-1", "tag": "Env=dev"}, {"web-2"}),
]


def test_filters_narrow_the_table(api_on_both: Api, acme: Inventory) -> None:
    api = api_on_both
    for params, expected in FILTERS:
        text = fetch(api, "/resources", client=acme.tenant, **params)
        assert set(listed(text)) == expected, params
        assert f"<strong>{len(expected)}</strong> resource" in text, params
    # An integration's page links to its resources.
    text = fetch(api, "/resources", client=acme.tenant, integration=acme.eu_integration)
    assert set(listed(text)) == {INJECTION}
    assert f"integration <code>{acme.eu_integration}</code> only" in text
    assert f"/resources?client={acme.tenant}" in links(text)  # "Show every integration's"
    text = fetch(api, "/resources", client=acme.tenant, type="DEVICE", region="us-east-1")
    assert '<option value="DEVICE" selected>EC2 instance</option>' in text
    assert 'value="us-east-1"' in text  # the form keeps what was asked
    for label in ("Type", "Region", "Account", "Tag", "State", "Name contains", "Include deleted"):
        assert re.search(rf'<label for="filter-[a-z]+">{label}</label>', text), label
    assert "Apply filters" in text
    # The region and account suggestions come from the inventory.
    assert '<option value="eu-west-1">' in text
    assert f'<option value="{EU_ACCOUNT}">' in text


def test_table_columns_and_deleted_resources(api_on_both: Api, acme: Inventory) -> None:
    api = api_on_both
    text = fetch(api, "/resources", client=acme.tenant, name="web-1")
    row = re.search(r'<table class="resources">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert row
    cells = row.group(1)
    assert f'href="/resources/{acme.tenant}/{acme.ids["web-1"]}"' in cells
    for shown in ("EC2 instance", "us-east-1", ACCOUNT, "us-east-1a", "Env=prod", "Team=core"):
        assert shown in cells, shown
    assert '<span class="badge ok">running</span>' in cells
    assert "Client</th>" not in text  # one client in view: no client column

    scope = scope_of(api.db, acme.tenant)
    apply(api.db, scope, acme.integration, "us-east-1", "EBS", [])  # the volume is gone
    assert "data-vol" not in listed(fetch(api, "/resources", client=acme.tenant))
    with_deleted = fetch(api, "/resources", client=acme.tenant, deleted="1", type="EBS")
    assert listed(with_deleted) == ["data-vol"]
    assert '<span class="badge deleted">deleted</span>' in with_deleted


def test_paging_and_sorting(
    api_on_both: Api, acme: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = api_on_both
    monkeypatch.setattr(resource_pages, "PAGE_SIZE", 4)
    first = fetch(api, "/resources", client=acme.tenant, sort="name")
    second = fetch(api, "/resources", client=acme.tenant, sort="name", page="2")
    assert len(listed(first)) == 4
    assert len(listed(second)) == 2
    assert listed(first) + listed(second) == sorted(ACME_NAMES, key=str.lower)
    assert "page 1 of 2" in first
    assert "Next page" in first
    assert "Previous page" not in first
    assert f"/resources?client={acme.tenant}&sort=name&page=2" in links(first)
    assert "Previous page" in second
    assert "Next page" not in second
    backwards = fetch(api, "/resources", client=acme.tenant, sort="name", desc="1")
    assert listed(backwards) == sorted(ACME_NAMES, key=str.lower)[::-1][:4]
    assert 'aria-sort="descending"' in backwards
    beyond = fetch(api, "/resources", client=acme.tenant, page="9")
    assert listed(beyond) == []
    assert "Back to the first page" in beyond
    # Odd paging or sorting input is ignored, not an error.
    assert len(listed(fetch(api, "/resources", client=acme.tenant, page="x", sort="colour"))) == 4


def test_bad_filters_are_explained_on_the_page(api: Api) -> None:
    tenant = api.create_client("Acme")["uniqueId"]
    log_in(api)
    text = fetch(api, "/resources", 400, client=tenant, region="nowhere")
    assert re.search(r'<div class="alert error" role="alert">Region: [^<]*nowhere', text)
    assert 'value="nowhere"' in text
    text = fetch(api, "/resources", 400, client=tenant, tag="=prod")
    assert "Tag: " in text
    assert fetch(api, "/resources", 400, client=tenant, name="x" * 600)


def days_ago(count: int) -> datetime:
    return datetime.combine(utcnow().date() - timedelta(days=count), time(12), tzinfo=UTC)


@contextmanager
def clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> Iterator[None]:
    """Scans apply their findings as of ``moment``."""
    with monkeypatch.context() as patched:
        patched.setattr(inventory_module, "utcnow", lambda: moment)
        yield


def seed_history(api: Api, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two instances three days ago; one deleted and a bucket created yesterday."""
    tenant = api.create_client("Trend")["uniqueId"]
    scope = scope_of(api.db, tenant)
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    with clock(monkeypatch, days_ago(3)):
        apply(api.db, scope, integration, "us-east-1", "DEVICE", [WEB_1, WEB_2])
    with clock(monkeypatch, days_ago(1)):
        apply(api.db, scope, integration, "us-east-1", "DEVICE", [WEB_1])
        apply(api.db, scope, integration, "global", "AWS_S3_BUCKET", [BUCKET])
    return tenant, integration


def test_trends_walk_the_history_back(api_on_both: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = api_on_both
    tenant, _ = seed_history(api, monkeypatch)
    trends = inventory_trends(api.db, scope_of(api.db, tenant), days=6)
    by_type = {series.label: series.counts for series in trends.by_type.series}
    assert by_type == {"EC2 instance": (0, 0, 2, 2, 1, 1), "S3 bucket": (0, 0, 0, 0, 1, 1)}
    by_region = {series.label: series.counts for series in trends.by_region.series}
    assert by_region == {"us-east-1": (0, 0, 2, 2, 1, 1), "Global": (0, 0, 0, 0, 1, 1)}
    assert trends.by_type.totals == (0, 0, 2, 2, 2, 2)
    assert trends.by_type.days[-1] == utcnow().date()
    # A window that ends yesterday undoes today's changes first (there are none), and one
    # that ends before the deletion still counts both instances.
    earlier = inventory_trends(
        api.db, scope_of(api.db, tenant), days=2, today=utcnow().date() - timedelta(days=2)
    )
    assert {s.label: s.counts for s in earlier.by_type.series} == {"EC2 instance": (2, 2)}


def test_the_chart_draws_each_series(api_on_both: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = api_on_both
    tenant, _ = seed_history(api, monkeypatch)
    log_in(api)
    text = fetch(api, "/resources", client=tenant)
    by_type = svg(text, "area-chart")
    assert 'data-series="EC2 instance|S3 bucket"' in by_type
    assert '<title id="chart-type-title">Resources by type</title>' in by_type
    assert "<desc" in by_type
    assert "EC2 instance 1, S3 bucket 1; 2 in all." in by_type
    assert by_type.count('<g class="band">') == 2
    assert ">Resources</text>" in by_type
    assert ">Day (UTC)</text>" in by_type
    assert 'data-series="us-east-1|Global"' in text
    assert '<title id="chart-region-title">Resources by region</title>' in text
    # The table fallback: newest day first, a column per series and the total.
    table = re.search(r"Resources by type as a table.*?<tbody>(.*?)</tbody>", text, re.S)
    assert table
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>((?:<td class="num">\d+</td>)+)', table.group(1)
    )
    counts = {day: re.findall(r"\d+", cells) for day, cells in rows}
    assert counts[day_label(days_ago(0).date())] == ["1", "1", "2"]
    assert counts[day_label(days_ago(2).date())] == ["2", "0", "2"]
    assert counts[day_label(days_ago(4).date())] == ["0", "0", "0"]
    # The period is a choice of 7, 30 or 90 days; the links keep the filters.
    assert ">Inventory over the last 30 days<" in text
    week = fetch(api, "/resources", client=tenant, days="7", type="DEVICE")
    assert ">Inventory over the last 7 days<" in week
    assert week.count('<tr><th scope="row">') >= 7
    assert f"/resources?client={tenant}&type=DEVICE&days=90" in links(week)
    assert '<input type="hidden" name="days" value="7">' in week
    assert ">Inventory over the last 30 days<" in fetch(api, "/resources", client=tenant, days="5")
    # The type filter narrows the chart too.
    only_buckets = fetch(api, "/resources", client=tenant, type="AWS_S3_BUCKET")
    assert 'data-series="S3 bucket"' in only_buckets


def test_an_empty_inventory_says_how_to_fill_it(api: Api) -> None:
    tenant = api.create_client("Empty")["uniqueId"]
    log_in(api)
    text = fetch(api, "/resources", client=tenant)
    assert "No resources in this inventory yet" in text
    assert "area-chart" not in text
    assert "<strong>0</strong> resources" in text


def test_the_resource_page(api_on_both: Api, acme: Inventory) -> None:
    api = api_on_both
    text = fetch(api, f"/resources/{acme.tenant}/{acme.ids['web-1']}")
    assert '<h1 class="resource-name">web-1</h1>' in text
    for shown in (WEB_1.arn, "EC2 instance", ACCOUNT, "us-east-1a", "Env", "prod", "Team"):
        assert shown in text, shown
    assert '<th scope="row">instanceType</th><td><code>t3.micro</code></td>' in text
    for heading in ("Details", "Tags", "Attributes", "Relationships", "Change history"):
        assert re.search(rf'<h2 id="[a-z-]+">{heading}\b', text), heading
    volume = f"/resources/{acme.tenant}/{acme.ids['data-vol']}"
    subnet = f"/resources/{acme.tenant}/{acme.ids['private-a']}"
    assert {volume, subnet} <= links(text)
    assert MISSING_VPC in text
    assert "not in the inventory" in text
    picture = svg(text, "graph")
    assert f'<a href="{volume}"' in picture
    assert f'<a href="{subnet}"' in picture
    assert ">data-vol</text>" in picture
    assert ">EBS volume</text>" in picture
    assert '<title id="neighbourhood-title">' in picture
    assert "<desc" in picture
    assert "vpc-missing" in picture
    assert 'stroke-dasharray="4 3"' in picture
    assert '<span class="badge kind-created">created</span>' in text
    assert f"/resources/{acme.tenant}/scans/{acme.scan}" in links(text)

    # The other direction: the subnet is referenced by the instance.
    private = fetch(api, subnet)
    web_link = f"/resources/{acme.tenant}/{acme.ids['web-1']}"
    assert "Referenced by" in private
    assert web_link in links(private)
    assert f'<a href="{web_link}"' in svg(private, "graph")
    # A resource with no relationships draws no picture.
    assert 'class="graph"' not in fetch(api, f"/resources/{acme.tenant}/{acme.ids['acme-logs']}")


def test_history_shows_each_field_old_and_new(
    api_on_both: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = api_on_both
    tenant = api.create_client("Changing")["uniqueId"]
    scope = scope_of(api.db, tenant)
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    first, second, third = (new_scan(api.db, scope, integration) for _ in range(3))
    changed = replace(
        WEB_2,
        state="running",
        tags={"Env": "prod", "Owner": "ops"},
        attributes={"instanceType": "t3.xlarge", "ami": "ami-2"},
        relationships=[{"type": "EBS", "arn": VOLUME_ARN}],
    )
    apply(api.db, scope, integration, "us-east-1", "DEVICE", [WEB_2], first)
    apply(api.db, scope, integration, "us-east-1", "DEVICE", [changed, instance(9, "db-1")], second)
    apply(api.db, scope, integration, "us-east-1", "DEVICE", [instance(9, "db-1")], third)
    log_in(api)
    found = listed(fetch(api, "/resources", client=tenant, deleted="1", name="web-2"))
    assert found == ["web-2"]
    href = next(
        link
        for link in links(fetch(api, "/resources", client=tenant, deleted="1", name="web-2"))
        if re.fullmatch(rf"/resources/{tenant}/\d+", link)
    )
    text = fetch(api, href)
    assert "AWS no longer has this resource" in text
    kinds = re.findall(r'<span class="badge kind-(\w+)">', text)
    assert kinds == ["deleted", "updated", "created"]  # newest first
    diff = re.search(r'<table class="diff">.*?</table>', text, re.S)
    assert diff
    rows = {
        field: (html.unescape(old), html.unescape(new))
        for field, old, new in DIFF_ROW.findall(diff.group(0))
    }
    assert rows["State"] == ("<code>stopped</code>", "<code>running</code>")
    assert rows["Tag Env"] == ("<code>dev</code>", "<code>prod</code>")
    assert rows["Tag Owner"] == ('<span class="muted">(none)</span>', "<code>ops</code>")
    assert rows["Attribute instanceType"] == ("<code>t3.large</code>", "<code>t3.xlarge</code>")
    assert "Attribute ami" not in rows
    assert rows["Relationship"] == (
        '<span class="muted">(none)</span>',
        f"<code>EBS {VOLUME_ARN}</code>",
    )
    for scan in (first, second, third):
        assert f"/resources/{tenant}/scans/{scan}" in links(text)

    made = fetch(api, f"/resources/{tenant}/scans/{second}")
    assert "Changes made by scan" in made
    assert "2 changes" in made
    assert re.findall(r'<span class="badge kind-(\w+)">', made) == ["updated", "created"]
    assert href in links(made)
    assert "Tag Env" in made

    monkeypatch.setattr(resource_pages, "HISTORY_PAGE_SIZE", 2)
    newest = fetch(api, href)
    assert re.findall(r'<span class="badge kind-(\w+)">', newest) == ["deleted", "updated"]
    assert "Older changes" in newest
    assert f"{href}?history=2#history-heading" in links(newest)
    oldest = fetch(api, href, history="2")
    assert re.findall(r'<span class="badge kind-(\w+)">', oldest) == ["created"]
    assert "Newer changes" in oldest


def test_export_links_stream_jsonl_and_csv(api_on_both: Api, acme: Inventory) -> None:
    api = api_on_both
    text = fetch(api, "/resources", client=acme.tenant, type="DEVICE", sort="name")
    exports = sorted(link for link in links(text) if link.startswith("/resources/export"))
    assert exports == [
        f"/resources/export?client={acme.tenant}&type=DEVICE&format=csv",
        f"/resources/export?client={acme.tenant}&type=DEVICE&format=jsonl",
    ]
    assert "Export JSONL" in text
    assert "Export CSV" in text
    jsonl = api.client.get(exports[1])
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert jsonl.headers["content-disposition"].endswith(f'{acme.tenant}.jsonl"')
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert {line["name"] for line in lines} == {"web-1", "web-2", INJECTION}
    assert {line["tenantId"] for line in lines} == {acme.tenant}
    exported = api.client.get(exports[0])
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {row["name"] for row in rows} == {"web-1", "web-2", "'" + INJECTION}
    everything = api.client.get("/resources/export", params={"client": acme.tenant})
    assert len(everything.text.splitlines()) == len(ACME_NAMES)
    bad = api.client.get("/resources/export", params={"client": acme.tenant, "format": "xml"})
    assert bad.status_code == 400
    assert "use jsonl or csv" in bad.text
    wrong = api.client.get("/resources/export", params={"client": acme.tenant, "region": "x"})
    assert wrong.status_code == 400
    assert "Region" in wrong.text


def test_a_partner_sees_all_clients(api_on_both: Api, acme: Inventory) -> None:
    api = api_on_both
    globex = client_with_inventory(api, "Globex")
    text = fetch(api, "/resources")
    assert "<strong>12</strong> resources across all clients" in text
    assert sorted(listed(text)) == sorted([*ACME_NAMES, *ACME_NAMES])
    assert "Client</th>" in text
    assert "<td>Acme</td>" in text
    assert "<td>Globex</td>" in text
    assert f"/resources/{globex.tenant}/{globex.ids['web-1']}" in links(text)
    assert '<option value="" selected>All Clients</option>' in text
    assert 'data-series="EC2 instance|' in text
    everything = api.client.get("/resources/export", params={"format": "jsonl"})
    tenants = {json.loads(line)["tenantId"] for line in everything.text.splitlines()}
    assert tenants == {acme.tenant, globex.tenant}
    # A partner opens any client's resource through that client.
    assert fetch(api, f"/resources/{globex.tenant}/{globex.ids['web-1']}")


def test_another_clients_resources_are_not_found(api: Api) -> None:
    acme = client_with_inventory(api, "Acme")
    globex = client_with_inventory(api, "Globex")
    log_in(api)
    theirs = globex.ids["web-1"]
    # Through the wrong client, even for the partner: absent.
    assert "404" in fetch(api, f"/resources/{acme.tenant}/{theirs}", 404)
    assert fetch(api, f"/resources/{acme.tenant}/{globex.scan}", 404)
    assert fetch(api, f"/resources/{acme.tenant}/scans/{globex.scan}", 404)
    for odd in ("web-1", "0", "99999999999", "2147483647"):
        assert fetch(api, f"/resources/{acme.tenant}/{odd}", 404)

    password = add_user(api, acme.tenant, Role.CLIENT_ADMIN, "acme-admin")
    log_in(api, "acme-admin", password)
    own = fetch(api, "/resources")
    assert set(listed(own)) == ACME_NAMES
    assert "All Clients" not in own
    assert fetch(api, "/resources", client=acme.tenant)
    for path in (
        f"/resources/{globex.tenant}/{theirs}",
        f"/resources/{acme.tenant}/{theirs}",
        f"/resources/{globex.tenant}/scans/{globex.scan}",
        f"/resources/{api.partner_id}/{acme.ids['web-1']}",
    ):
        assert fetch(api, path, 404), path
    assert fetch(api, "/resources", 404, client=globex.tenant)
    assert fetch(api, "/resources", 404, client=api.partner_id)
    refused = api.client.get("/resources/export", params={"client": globex.tenant})
    assert refused.status_code == 404
    own_export = api.client.get("/resources/export")
    assert {json.loads(line)["tenantId"] for line in own_export.text.splitlines()} == {acme.tenant}


def test_a_viewer_reads_the_inventory(api: Api) -> None:
    acme = client_with_inventory(api)
    password = add_user(api, acme.tenant, Role.VIEWER, "acme-viewer")
    log_in(api, "acme-viewer", password)
    assert set(listed(fetch(api, "/resources"))) == ACME_NAMES
    assert fetch(api, f"/resources/{acme.tenant}/{acme.ids['web-1']}")
    assert fetch(api, f"/resources/{acme.tenant}/scans/{acme.scan}")


def test_pages_need_a_session(api: Api) -> None:
    acme = client_with_inventory(api)
    for path in (
        "/resources",
        f"/resources/{acme.tenant}/{acme.ids['web-1']}",
        "/resources/export",
    ):
        response = api.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert api.client.get("/assets/resources.css").status_code == 200


def test_names_are_escaped(api: Api) -> None:
    acme = client_with_inventory(api)
    scope = scope_of(api.db, acme.tenant)
    hostile = instance(7, "<script>alert(1)</script>", tags={"x": "<b>"})
    apply(api.db, scope, acme.integration, "us-east-1", "DEVICE", [WEB_1, WEB_2, hostile])
    log_in(api)
    text = fetch(api, "/resources", client=acme.tenant, type="DEVICE")
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "x=<b>" not in text
