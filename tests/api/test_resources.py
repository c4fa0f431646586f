"""The inventory's read side over the API: resource types, search, detail with resolved
relationships, history, a scan's changes and the export, on SQLite and PostgreSQL.

The inventory is written the way scans write it, by ``apply_scope``."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.app import Api
from tests.support.profiles import add_integration
from tether.catalog.registry import RESOURCE_TYPES
from tether.discovery.inventory import apply_scope
from tether.domain.resources import ResourceRecord
from tether.domain.tenancy import Role
from tether.security.scoping import TenantScope, system_scope
from tether.services import resources as resource_service
from tether.store.db import Database
from tether.store.models import Scan
from tether.store.repositories.tenants import TenantDirectory

ACCOUNT = "111111111111"
EU_ACCOUNT = "222222222222"
INJECTION = "=cmd|' /C calc'!A0"
LAUNCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def scope_of(db: Database, tenant_id: str) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).ref(tenant_id)
    assert ref is not None
    return system_scope(ref)


def new_scan(db: Database, scope: TenantScope, integration_id: str) -> str:
    scan_id = str(uuid.uuid4())
    with db.transaction() as session:
        session.add(
            Scan(
                id=scan_id,
                tenant_id=scope.tenant_id,
                integration_id=integration_id,
                trigger="manual",
                requested_by="test",
                status="ok",
            )
        )
    return scan_id


def apply(
    db: Database,
    scope: TenantScope,
    integration_id: str,
    region: str,
    type_code: str,
    records: Iterable[ResourceRecord],
    scan_id: str | None = None,
) -> None:
    """One ``ok`` unit's findings, applied as a scan applies them (in a new scan unless
    given one)."""
    scan_id = scan_id or new_scan(db, scope, integration_id)
    with db.transaction() as session:
        apply_scope(session, scope, integration_id, region, type_code, list(records), scan_id)


def instance(
    number: int,
    name: str,
    state: str = "running",
    region: str = "us-east-1",
    account: str = ACCOUNT,
    **extra: Any,
) -> ResourceRecord:
    instance_id = f"i-{number:017x}"
    return ResourceRecord(
        arn=f"arn:aws:ec2:{region}:{account}:instance/{instance_id}",
        resource_type="DEVICE",
        name=name,
        account_id=account,
        region=region,
        zone=extra.pop("zone", f"{region}a"),
        state=state,
        created_time=LAUNCHED,
        **extra,
    )


def resource(
    arn: str, type_code: str, name: str, region: str = "us-east-1", **extra: Any
) -> ResourceRecord:
    return ResourceRecord(arn, type_code, name, ACCOUNT, region, **extra)


VOLUME_ARN = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0001"
SUBNET_ARN = f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-0001"
MISSING_VPC = f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/vpc-missing"
WEB_1 = instance(
    1,
    "web-1",
    tags={"Env": "prod", "Team": "core"},
    attributes={"instanceType": "t3.micro", "ami": "ami-1"},
    relationships=[
        {"type": "EBS", "arn": VOLUME_ARN},
        {"type": "AWS_SUBNET", "arn": SUBNET_ARN},
        {"type": "AWS_VPC", "arn": MISSING_VPC},
    ],
)
WEB_2 = instance(
    2,
    "web-2",
    state="stopped",
    zone="us-east-1b",
    tags={"Env": "dev"},
    attributes={"instanceType": "t3.large", "ami": "ami-2"},
)
VOLUME = resource(
    VOLUME_ARN, "EBS", "data-vol", zone="us-east-1a", state="in-use", tags={"Env": "prod"}
)
SUBNET = resource(SUBNET_ARN, "AWS_SUBNET", "private-a", zone="us-east-1a", state="available")
BUCKET = resource(
    "arn:aws:s3:::acme-logs",
    "AWS_S3_BUCKET",
    "acme-logs",
    region="global",
    tags={"Env": "prod", "cost:center": "=SUM(A1)"},
    attributes={"versioning": "Enabled"},
)
# A name and tags a spreadsheet would run as formulas; a tag value holding ';' and '='.
EU_INSTANCE = instance(
    3,
    INJECTION,
    region="eu-west-1",
    account=EU_ACCOUNT,
    tags={"Owner": "@ops", "Note": "a;b=c", "-x": "+1"},
)
ACME_RECORDS = (WEB_1, WEB_2, VOLUME, SUBNET, BUCKET, EU_INSTANCE)


@dataclass
class Inventory:
    """A client's inventory as a scan wrote it."""

    tenant: str
    scope: TenantScope
    integration: str
    eu_integration: str
    scan: str
    ids: dict[str, str] = field(default_factory=dict)  # name -> resource id


def seed_inventory(db: Database, scope: TenantScope) -> Inventory:
    """Acme's inventory: two integrations (two accounts), six resources, one scan each."""
    prod = add_integration(db, scope, account_id=ACCOUNT)
    eu = add_integration(db, scope, display_name="AWS eu", account_id=EU_ACCOUNT)
    scan = new_scan(db, scope, prod)
    apply(db, scope, prod, "us-east-1", "DEVICE", [WEB_1, WEB_2], scan)
    apply(db, scope, prod, "us-east-1", "EBS", [VOLUME], scan)
    apply(db, scope, prod, "us-east-1", "AWS_SUBNET", [SUBNET], scan)
    apply(db, scope, prod, "global", "AWS_S3_BUCKET", [BUCKET], scan)
    apply(db, scope, eu, "eu-west-1", "DEVICE", [EU_INSTANCE])
    return Inventory(scope.tenant_id, scope, prod, eu, scan)


def client_with_inventory(api: Api, name: str = "Acme") -> Inventory:
    tenant = api.create_client(name)["uniqueId"]
    inventory = seed_inventory(api.db, scope_of(api.db, tenant))
    found = search(api, tenant, pageSize=100)["results"]
    inventory.ids = {row["name"]: row["id"] for row in found}
    return inventory


def search(
    api: Api, tenant: str, headers: dict[str, str] | None = None, **params: Any
) -> dict[str, Any]:
    response = api.client.get(
        f"/api/v2/tenants/{tenant}/resources/search",
        params=params,
        headers=headers or api.headers(),
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def native(api: Api, tenant: str, path: str, **params: Any) -> Any:
    headers = params.pop("headers", None) or api.headers()
    return api.client.get(f"/api/v1/tenants/{tenant}{path}", params=params, headers=headers)


def names(page: dict[str, Any]) -> set[str]:
    return {row["name"] for row in page["results"]}


def test_resource_types_are_the_catalog(api: Api) -> None:
    response = api.client.get(
        f"/api/v2/tenants/{api.partner_id}/resourceTypes/AWS", headers=api.headers()
    )
    assert response.status_code == 200, response.text
    types = response.json()
    assert [entry["code"] for entry in types] == [spec.type_code for spec in RESOURCE_TYPES]
    device = next(entry for entry in types if entry["code"] == "DEVICE")
    assert device["title"] == "EC2 instance"
    assert device["service"] == {"name": "ec2", "title": "Amazon EC2"}
    assert (device["isGlobal"], device["scope"]) == (False, "regional")
    assert device["cloudFormationType"] == "AWS::EC2::Instance"
    assert "ec2:DescribeInstances" in device["iamActions"]
    for spec, entry in zip(RESOURCE_TYPES, types, strict=True):
        assert entry["isGlobal"] is spec.service.is_global
        assert entry["cloudFormationType"] == spec.cfn_type
    assert api.client.get(f"/api/v2/tenants/{api.partner_id}/resourceTypes/AWS").status_code == 401


SEARCHES: list[tuple[str, set[str]]] = [
    ("", {"web-1", "web-2", "data-vol", "private-a", "acme-logs", INJECTION}),
    ("resourceType:DEVICE", {"web-1", "web-2", INJECTION}),
    ("resourceType:DEVICE,EBS", {"web-1", "web-2", INJECTION, "data-vol"}),
    ("region:global", {"acme-logs"}),
    ("region:eu-west-1,global", {INJECTION, "acme-logs"}),
    (f"accountNumber:{EU_ACCOUNT}", {INJECTION}),
    ("name:web-1", {"web-1"}),
    ("name:web", set()),
    ("nameContains:WEB", {"web-1", "web-2"}),
    ("nameContains:%", set()),
    ("nameContains:_", set()),  # LIKE's wildcards are matched as themselves
    ("nameContains:EB-", {"web-1", "web-2"}),
    ("nameContains:/C CALC", {INJECTION}),  # the escape character too
    (f"arn:{VOLUME_ARN}", {"data-vol"}),
    ("tag:Env=prod", {"web-1", "data-vol", "acme-logs"}),
    ("tag:Env=prod;Team=core", {"web-1"}),
    ("tag:Team", {"web-1"}),
    ("tag:cost:center==SUM(A1)", {"acme-logs"}),
    ("tag:Note=a", set()),
    ("state:RUNNING", {"web-1", INJECTION}),
    ("zone:us-east-1b", {"web-2"}),
    ("instanceType:t3.large", {"web-2"}),
    ("ami:ami-1", {"web-1"}),
    ("provider:AWS", {"web-1", "web-2", "data-vol", "private-a", "acme-logs", INJECTION}),
    ("resourceType:DEVICE+region:us-east-1+tag:Env=dev", {"web-2"}),
    ("includeDeleted:true+resourceType:EBS", {"data-vol"}),
]


def test_search_filters_by_every_key(api_on_both: Api) -> None:
    api = api_on_both
    acme = client_with_inventory(api)
    for query, expected in SEARCHES:
        assert names(search(api, acme.tenant, queryString=query)) == expected, query
    only_eu = search(api, acme.tenant, queryString=f"installedAppId:{acme.eu_integration}")
    assert names(only_eu) == {INJECTION}


def test_a_resource_in_opsramps_shape(api: Api) -> None:
    acme = client_with_inventory(api)
    (web,) = search(api, acme.tenant, queryString="name:web-1")["results"]
    assert web["id"] == acme.ids["web-1"]
    assert (web["resourceType"], web["type"], web["source"]) == ("DEVICE", "DEVICE", "PUBLICCLOUD")
    assert web["nativeType"] == "EC2 instance"
    assert (web["status"], web["identity"]) == ("running", WEB_1.arn)
    assert web["location"] == {"name": "us-east-1"}
    assert web["properties"] == {
        "provider": "AWS",
        "zone": "us-east-1a",
        "uniqueId": "i-00000000000000001",
        "arn": WEB_1.arn,
        "accountNumber": ACCOUNT,
        "instanceType": "t3.micro",
        "ami": "ami-1",
    }
    assert web["tags"] == [
        {"name": "Env", "value": "prod", "tagSource": "AWS"},
        {"name": "Team", "value": "core", "tagSource": "AWS"},
    ]
    assert web["installedApp"] == {"id": acme.integration}
    assert web["client"] == {"uniqueId": acme.tenant}
    assert web["createdTime"] == "2024-05-01T12:00:00+0000"
    datetime.strptime(web["updatedTime"], "%Y-%m-%dT%H:%M:%S%z")
    assert (web["deleted"], web["deletedTime"]) == (False, None)


def test_paging_and_sorting(api_on_both: Api) -> None:
    api = api_on_both
    acme = client_with_inventory(api)
    seen: list[str] = []
    for page_no in (1, 2, 3):
        page = search(api, acme.tenant, pageNo=page_no, pageSize=2, sortName="name")
        assert (page["pageNo"], page["pageSize"], page["totalResults"]) == (page_no, 2, 6)
        assert (page["totalPages"], page["nextPage"]) == (3, page_no < 3)
        assert page["previousPageNo"] == page_no - 1
        seen += [row["name"] for row in page["results"]]
    assert seen == sorted(seen, key=str.lower)
    assert len(set(seen)) == 6
    backwards = search(api, acme.tenant, pageSize=100, sortName="name", isDescendingOrder=True)
    assert [row["name"] for row in backwards["results"]] == seen[::-1]
    assert backwards["descendingOrder"] is True
    by_id = search(api, acme.tenant, pageSize=100)["results"]
    assert [int(row["id"]) for row in by_id] == sorted(int(row["id"]) for row in by_id)
    for key in ("resourceType", "region", "accountNumber", "state", "createdTime", "updatedTime"):
        assert search(api, acme.tenant, sortName=key)["totalResults"] == 6


BAD_SEARCHES: list[tuple[dict[str, Any], str]] = [
    ({"queryString": "colour:red"}, "queryString"),
    ({"queryString": "region"}, "queryString"),
    ({"queryString": "region:mars-north-1x"}, "queryString.region"),
    ({"queryString": "resourceType:EC2"}, "queryString.resourceType"),
    ({"queryString": "resourceType:,"}, "queryString.resourceType"),
    ({"queryString": "accountNumber:12"}, "queryString.accountNumber"),
    ({"queryString": "installedAppId:42"}, "queryString.installedAppId"),
    ({"queryString": "provider:GCP"}, "queryString.provider"),
    ({"queryString": "includeDeleted:maybe"}, "queryString.includeDeleted"),
    ({"queryString": "tag:=prod"}, "queryString.tag"),
    ({"queryString": "name:" + "x" * 600}, "queryString.name"),
    ({"pageSize": 0}, "pageSize"),
    ({"sortName": "colour"}, "sortName"),
]


def test_bad_search_input_names_the_field(api: Api) -> None:
    tenant = api.create_client("Acme")["uniqueId"]
    for params, named in BAD_SEARCHES:
        response = api.client.get(
            f"/api/v2/tenants/{tenant}/resources/search", params=params, headers=api.headers()
        )
        assert response.status_code == 400, response.text
        assert response.json()["fields"] == [named], params


def test_tenants_see_their_own_inventory_and_a_partner_all_of_its_clients(
    api_on_both: Api,
) -> None:
    api = api_on_both
    acme = client_with_inventory(api, "Acme")
    globex = client_with_inventory(api, "Globex")
    acme_headers = api.headers(*api.add_api_client(acme.tenant, Role.CLIENT_ADMIN, "acme"))
    globex_headers = api.headers(*api.add_api_client(globex.tenant, Role.CLIENT_ADMIN, "globex"))

    own = search(api, acme.tenant, headers=acme_headers, pageSize=100)["results"]
    assert {row["id"] for row in own} == set(acme.ids.values())
    assert {row["client"]["uniqueId"] for row in own} == {acme.tenant}
    refused = [
        api.client.get(f"/api/v2/tenants/{acme.tenant}/resources/search", headers=globex_headers),
        native(api, acme.tenant, f"/resources/{acme.ids['web-1']}", headers=globex_headers),
        native(api, acme.tenant, "/resources/export", headers=globex_headers),
        api.client.get(f"/api/v2/tenants/{api.partner_id}/resources/search", headers=acme_headers),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(404, "tenant_not_found")] * 4
    # Globex's resource and scan through Acme's own tenant: absent, not forbidden.
    theirs = native(api, acme.tenant, f"/resources/{globex.ids['web-1']}", headers=acme_headers)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "resource_not_found")
    their_history = native(api, acme.tenant, f"/resources/{globex.ids['web-1']}/history")
    assert their_history.status_code == 404
    their_scan = native(api, acme.tenant, f"/scans/{globex.scan}/changes", headers=acme_headers)
    assert (their_scan.status_code, their_scan.json()["code"]) == (404, "scan_not_found")

    everything = search(api, api.partner_id, pageSize=100, queryString="name:web-1")["results"]
    assert {row["client"]["uniqueId"] for row in everything} == {acme.tenant, globex.tenant}
    assert search(api, api.partner_id)["totalResults"] == 12
    partner_view = native(api, api.partner_id, f"/resources/{globex.ids['web-1']}")
    assert partner_view.status_code == 200
    assert partner_view.json()["tenantId"] == globex.tenant


def test_a_viewer_reads_everything(api: Api) -> None:
    acme = client_with_inventory(api)
    viewer = api.headers(*api.add_api_client(acme.tenant, Role.VIEWER, name="viewer"))
    web = acme.ids["web-1"]
    assert search(api, acme.tenant, headers=viewer)["totalResults"] == 6
    for path in (
        f"/resources/{web}",
        f"/resources/{web}/history",
        f"/scans/{acme.scan}/changes",
        "/resources/export",
    ):
        assert native(api, acme.tenant, path, headers=viewer).status_code == 200, path


def test_detail_resolves_relationships(api_on_both: Api) -> None:
    api = api_on_both
    acme = client_with_inventory(api)
    response = native(api, acme.tenant, f"/resources/{acme.ids['web-1']}")
    assert response.status_code == 200, response.text
    web = response.json()
    assert web["arn"] == WEB_1.arn
    assert (web["tenantId"], web["integrationId"]) == (acme.tenant, acme.integration)
    assert web["tags"] == {"Env": "prod", "Team": "core"}
    assert web["attributes"] == {"instanceType": "t3.micro", "ami": "ami-1"}
    assert web["createdTime"] == LAUNCHED.isoformat()
    assert web["firstSeen"] == web["lastChanged"]
    assert (web["deleted"], web["deletedAt"]) == (False, None)
    volume, subnet, vpc = web["relationships"]
    assert volume == {
        "type": "EBS",
        "arn": VOLUME_ARN,
        "resource": {
            "id": acme.ids["data-vol"],
            "name": "data-vol",
            "resourceType": "EBS",
            "deleted": False,
        },
    }
    assert subnet["arn"] == SUBNET_ARN
    assert subnet["resource"]["id"] == acme.ids["private-a"]
    assert web["referencedBy"] == []
    assert vpc == {"type": "AWS_VPC", "arn": MISSING_VPC, "resource": None}
    assert [change["kind"] for change in web["history"]] == ["created"]
    assert web["historyTotal"] == 1

    # The other direction: the subnet lists the instances that point at it.
    private = native(api, acme.tenant, f"/resources/{acme.ids['private-a']}").json()
    assert [(ref["arn"], ref["resource"]["name"]) for ref in private["referencedBy"]] == [
        (WEB_1.arn, "web-1")
    ]

    missing = native(api, acme.tenant, "/resources/2147483647")
    assert (missing.status_code, missing.json()["code"]) == (404, "resource_not_found")
    assert native(api, acme.tenant, "/resources/web-1").json()["fields"] == ["resourceId"]
    assert native(api, acme.tenant, "/resources/0").status_code == 400


def test_relationships_stay_inside_the_tenant(api: Api) -> None:
    """Globex holds a volume with the ARN Acme's instance points at: Acme sees none of it."""
    globex = api.create_client("Globex")["uniqueId"]
    globex_scope = scope_of(api.db, globex)
    globex_integration = add_integration(api.db, globex_scope, account_id=ACCOUNT)
    apply(api.db, globex_scope, globex_integration, "us-east-1", "EBS", [VOLUME])
    acme = api.create_client("Acme")["uniqueId"]
    acme_scope = scope_of(api.db, acme)
    integration = add_integration(api.db, acme_scope, account_id=ACCOUNT)
    apply(api.db, acme_scope, integration, "us-east-1", "DEVICE", [WEB_1])
    (web,) = search(api, acme)["results"]
    shown = native(api, acme, f"/resources/{web['id']}").json()
    assert [rel["resource"] for rel in shown["relationships"]] == [None, None, None]


def test_history_and_scan_changes(api_on_both: Api) -> None:
    api = api_on_both
    tenant = api.create_client("Changing")["uniqueId"]
    scope = scope_of(api.db, tenant)
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    first, second, third = (new_scan(api.db, scope, integration) for _ in range(3))
    changed = replace(WEB_2, state="running", tags={"Env": "prod"})
    database = instance(9, "db-1")
    apply(api.db, scope, integration, "us-east-1", "DEVICE", [WEB_2], first)
    apply(api.db, scope, integration, "us-east-1", "DEVICE", [changed, database], second)
    apply(api.db, scope, integration, "us-east-1", "DEVICE", [database], third)

    assert names(search(api, tenant)) == {"db-1"}
    deleted = search(api, tenant, queryString="includeDeleted:true+name:web-2")["results"]
    assert [(row["name"], row["deleted"]) for row in deleted] == [("web-2", True)]
    web = deleted[0]
    assert web["status"] == "running"
    datetime.strptime(web["deletedTime"], "%Y-%m-%dT%H:%M:%S%z")

    history = native(api, tenant, f"/resources/{web['id']}/history").json()
    assert history["totalResults"] == 3
    kinds = [(c["kind"], c["scanId"]) for c in history["results"]]
    assert kinds == [("created", first), ("updated", second), ("deleted", third)]
    assert history["results"][1]["diff"] == {
        "state": {"old": "stopped", "new": "running"},
        "tags": {"old": {"Env": "dev"}, "new": {"Env": "prod"}},
    }
    assert history["results"][0]["diff"] == history["results"][2]["diff"] == {}
    assert all(c["resourceId"] == web["id"] for c in history["results"])
    newest = native(
        api, tenant, f"/resources/{web['id']}/history", pageSize=1, isDescendingOrder=True
    ).json()
    assert [c["kind"] for c in newest["results"]] == ["deleted"]
    assert (newest["totalPages"], newest["nextPage"]) == (3, True)

    detail = native(api, tenant, f"/resources/{web['id']}").json()
    assert (detail["deleted"], detail["historyTotal"]) == (True, 3)
    assert [c["kind"] for c in detail["history"]] == ["created", "updated", "deleted"]
    assert detail["deletedAt"] == detail["lastChanged"]

    made = native(api, tenant, f"/scans/{second}/changes", sortName="name").json()
    assert [(c["name"], c["kind"]) for c in made["results"]] == [
        ("db-1", "created"),
        ("web-2", "updated"),
    ]
    assert made["results"][1]["arn"] == WEB_2.arn
    assert made["results"][1]["resourceType"] == "DEVICE"
    assert made["results"][1]["diff"] == history["results"][1]["diff"]
    last = native(api, tenant, f"/scans/{third}/changes").json()
    assert [(c["name"], c["kind"]) for c in last["results"]] == [("web-2", "deleted")]
    unknown = native(api, tenant, f"/scans/{uuid.uuid4()}/changes")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "scan_not_found")
    assert native(api, tenant, "/scans/not-a-scan/changes").json()["fields"] == ["scanId"]


def unquote(cell: str) -> str:
    """Undo the export's formula guard."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def parse_tags(cell: str) -> dict[str, str]:
    """Read back ``k=v;k=v``, where ``\\`` escapes ``;`` ``=`` and itself."""
    pairs = re.findall(r"((?:\\.|[^\\;=])*)=((?:\\.|[^\\;])*)", cell)
    return {re.sub(r"\\(.)", r"\1", key): re.sub(r"\\(.)", r"\1", value) for key, value in pairs}


def test_export_jsonl_and_csv_round_trip(api_on_both: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = api_on_both
    monkeypatch.setattr(resource_service, "EXPORT_BATCH", 4)  # six resources: two batches
    acme = client_with_inventory(api)
    client_with_inventory(api, "Globex")

    response = native(api, acme.tenant, "/resources/export", format="jsonl")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="tether-resources-{acme.tenant}.jsonl"'
    )
    lines = [json.loads(line) for line in response.text.splitlines()]
    by_arn = {line["arn"]: line for line in lines}
    assert set(by_arn) == {record.arn for record in ACME_RECORDS}
    for record in ACME_RECORDS:
        line = by_arn[record.arn]
        assert line["id"] == acme.ids[str(record.name)]
        assert line["tenantId"] == acme.tenant
        assert (line["resourceType"], line["name"]) == (record.resource_type, record.name)
        assert (line["accountNumber"], line["region"]) == (record.account_id, record.region)
        assert (line["zone"], line["state"]) == (record.zone, record.state)
        assert line["tags"] == record.tags
        assert line["attributes"] == record.attributes
        assert line["relationships"] == record.relationships
        assert line["deleted"] is False
    assert by_arn[EU_INSTANCE.arn]["integrationId"] == acme.eu_integration

    response = native(api, acme.tenant, "/resources/export", format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith('.csv"')
    raw_rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(raw_rows[0]) == list(resource_service.CSV_COLUMNS)
    injected = next(row for row in raw_rows if row["arn"] == EU_INSTANCE.arn)
    assert injected["name"] == "'" + INJECTION
    assert injected["tags"].startswith("'")  # the first key is "-x"
    assert all(
        not cell.startswith(("=", "+", "-", "@")) for row in raw_rows for cell in row.values()
    )
    assert len(raw_rows) == len(lines)
    for raw in raw_rows:
        row = {key: unquote(value) for key, value in raw.items()}
        line = by_arn[row["arn"]]
        assert row["id"] == line["id"]
        assert (row["type"], row["name"]) == (line["resourceType"], line["name"])
        assert (row["account"], row["region"]) == (line["accountNumber"], line["region"])
        assert row["zone"] == (line["zone"] or "")
        assert row["state"] == (line["state"] or "")
        assert parse_tags(row["tags"]) == line["tags"]
        assert row["integration"] == line["integrationId"]
        assert (row["first_seen"], row["last_changed"]) == (line["firstSeen"], line["lastChanged"])
        assert (row["deleted_at"], row["tenant"]) == ("", acme.tenant)


def test_export_filters_and_input_errors(api: Api) -> None:
    acme = client_with_inventory(api)
    devices = native(api, acme.tenant, "/resources/export", queryString="resourceType:DEVICE")
    assert {json.loads(line)["name"] for line in devices.text.splitlines()} == {
        "web-1",
        "web-2",
        INJECTION,
    }
    empty = native(api, acme.tenant, "/resources/export", format="csv", queryString="name:none")
    assert empty.text == ",".join(resource_service.CSV_COLUMNS) + "\n"
    bad = native(api, acme.tenant, "/resources/export", queryString="region:nowhere")
    assert (bad.status_code, bad.json()["fields"]) == (400, ["queryString.region"])
    wrong = native(api, acme.tenant, "/resources/export", format="xml")
    assert (wrong.status_code, wrong.json()["fields"]) == (400, ["format"])


def test_openapi_lists_the_routes(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v2/tenants/{tenantId}/resourceTypes/AWS",
        "/api/v2/tenants/{tenantId}/resources/search",
        "/api/v1/tenants/{tenantId}/resources/export",
        "/api/v1/tenants/{tenantId}/resources/{resourceId}",
        "/api/v1/tenants/{tenantId}/resources/{resourceId}/history",
        "/api/v1/tenants/{tenantId}/scans/{scanId}/changes",
    ):
        assert "get" in paths[path], path
