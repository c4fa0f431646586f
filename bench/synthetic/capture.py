"""Capture one item template per catalog type from the moto-seeded catalog organization.

    .venv/bin/python -m bench.synthetic.capture

Builds the emulated organization with every catalog type seeded, lists each type the way
Tether's collector does, runs its enrich calls on one listed item, and writes what AWS (moto)
answered to ``templates.json`` with the item's identity replaced by placeholders:
``{ACCOUNT}``, ``{REGION}``, ``{TOKEN}`` (the last segment of the item's ARN, its natural id)
and ``{OWNER}`` (the value of the ``Owner`` tag, which ``mutate`` changes). The endpoint clones
these templates; nothing here runs at serving time.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import jmespath
from botocore import xform_name
from botocore.exceptions import ClientError

from bench.synthetic.items import nest
from tether.catalog.base import PARENT_KEY, Item, ResourceSpec, Where
from tether.catalog.registry import RESOURCE_TYPES
from tether.discovery.collector import _search
from tether.emulator import MotoServer, OrganizationSpec, act_as, build_organization
from tether.emulator.organization import MemberSpec

TEMPLATES = Path(__file__).with_name("templates.json")
REGION = "us-east-1"
OWNER = "platform"  # the seeder's Owner tag value


def list_path(result_path: str) -> list[str]:
    """Where the listed elements sit in a page: the keys down to the outermost list."""
    head = result_path.strip("[").split("[]")[0].split(",")[0].strip()
    return [part for part in head.split(".") if part]


def _plain(value: Any) -> Any:
    """A parsed boto3 answer as JSON: datetimes as ISO text, blobs as base64."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if hasattr(value, "read"):
        return base64.b64encode(value.read()).decode()
    return value


def _pages(client: Any, operation: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    name = xform_name(operation)
    if client.can_paginate(name):
        return list(client.get_paginator(name).paginate(**params))
    return [getattr(client, name)(**params)]


def _token(spec: ResourceSpec, item: Item, where: Where) -> str:
    arn = spec.normalise(json.loads(json.dumps(item, default=str)), where).arn
    return re.split(r"[/:]", arn)[-1]


def _substitute(value: Any, swaps: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, swaps) for v in value]
    if isinstance(value, str):
        if value == OWNER:
            return "{OWNER}"
        for old, new in swaps:
            value = value.replace(old, new)
    return value


def _capture_type(spec: ResourceSpec, client: Any, where: Where, moto_url: str) -> dict[str, Any]:
    parent = None
    extra: dict[str, Any] = {}
    if spec.parent is not None:
        parents = _pages(client, spec.parent.call.operation, dict(spec.parent.call.params))
        found = [v for page in parents for v in jmespath.search(spec.parent.call.result_path, page)]
        parent = found[0]
        extra = {spec.parent.param: parent}
    pages = _pages(client, spec.list_call.operation, {**spec.list_call.params, **extra})
    path = list_path(spec.list_call.result_path)
    elements = [e for page in pages for e in (jmespath.search(".".join(path), page) or [])]
    # Prefer an element carrying the Owner tag somewhere: mutate changes that value.
    tagged = [e for e in elements if f'"{OWNER}"' in json.dumps(e, default=str)]
    element = (tagged or elements)[0]
    page = {**pages[0]}
    first = jmespath.search(spec.list_call.result_path, {**page, **nest(path, [element])})[0]
    item: Item = first if isinstance(first, dict) else {spec.item_key or "Id": first}
    if parent is not None:
        item[PARENT_KEY] = parent
    enrich: list[dict[str, Any]] = []
    for step in spec.enrich:
        params = {**step.call.params, **step.params([item], where)}
        try:
            answer = getattr(client, xform_name(step.call.operation))(**params)
        except ClientError as error:
            enrich.append({"error": error.response["Error"]["Code"]})
            continue
        enrich.append({"answer": _plain(answer)})
        step.merge([item], _search(step.call.result_path, answer))
    token = _token(spec, item, where)
    swaps = [(moto_url, "https://{SERVICE}.{REGION}.amazonaws.com"), (token, "{TOKEN}")]
    swaps += [(where.account_id, "{ACCOUNT}"), (where.region, "{REGION}")]
    captured = {
        "list_path": path,
        "token": token,
        "element": _plain(element),
        "parent": _plain(parent),
        "enrich": [_plain(e) for e in enrich],
    }
    return dict(
        _substitute(captured, swaps),
        token=token,
        template_account=where.account_id,
        template_region=where.region,
    )


def capture() -> dict[str, Any]:
    with MotoServer() as moto:
        org = build_organization(
            moto.endpoint_url,
            OrganizationSpec(
                members=(MemberSpec("member-1", "Production"),),
                regions=(REGION,),
                seed_catalog=True,
                name_prefix="bench",
            ),
        )
        account = org.onboarded_member_ids[0]
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 (moto) region_name=REGION
        )
        templates: dict[str, Any] = {}
        for spec in RESOURCE_TYPES:
            client = act_as(
                session.client(  # type: ignore[call-overload]
                    spec.service.client_name, region_name=REGION, endpoint_url=moto.endpoint_url
                ),
                account,
            )
            where = Where("aws", account, REGION)
            templates[spec.type_code] = _capture_type(spec, client, where, moto.endpoint_url)
        return templates


def main() -> None:
    templates = capture()
    TEMPLATES.write_text(json.dumps(templates, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(templates)} templates to {TEMPLATES}")


if __name__ == "__main__":
    main()
