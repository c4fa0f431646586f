"""Generated items seen whole: the list element with every enrich answer merged as Tether
merges it, normalised by Tether's own catalog into (ARN, tags), and projected onto the
output shape of an operation that describes one item.

Other tools (Cloud Custodian) read the same items through calls Tether does not make:
the Resource Groups Tagging API, per-item describes. Their answers come from here, so they
name exactly the resources Tether finds.
"""

from __future__ import annotations

import copy
from typing import Any

import jmespath
from botocore.model import ListShape, MapShape, Shape, StructureShape

from bench.synthetic.items import Inventory, nest
from bench.synthetic.organization import GLOBAL_TYPES
from tether.catalog.base import Where

# The collector's own selection of a call's items, so records equal what Tether collects.
from tether.discovery.collector import _search

_HEADER_LOCATIONS = frozenset({"header", "headers", "statusCode"})


class Records:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    def item(self, code: str, account: int, region: int, index: int) -> dict[str, Any]:
        """The item as Tether's collector holds it before ``normalise``."""
        inventory = self.inventory
        template = inventory.templates[code]
        spec = template.spec
        page = nest(template.list_path, [inventory.element(code, account, region, index)])
        listed = jmespath.search(spec.list_call.result_path, page)
        item = {spec.item_key: listed[0]} if spec.item_key else listed[0]
        for step, enrich in enumerate(spec.enrich):
            found = inventory.enrich_answer(code, step, account, region, index)
            if "error" in found:
                if found["error"] in enrich.absent:
                    enrich.merge([item], enrich.absent[found["error"]])
                continue
            enrich.merge([item], _search(enrich.call.result_path, found["answer"]))
        return dict(item)

    def arn_and_tags(
        self, code: str, account: int, region: int, index: int
    ) -> tuple[str, dict[str, str]]:
        spec = self.inventory.templates[code].spec
        org = self.inventory.org
        where = Where(
            "aws", org.accounts[account], org.regions[0 if code in GLOBAL_TYPES else region]
        )
        record = spec.normalise(self.item(code, account, region, index), where)
        return record.arn, dict(record.tags)

    def tag_mappings(self, account: int, region: int, filters: list[str]) -> list[dict[str, Any]]:
        """Resource Groups Tagging API ``ResourceTagMappingList`` for one account-region:
        every generated item whose ARN's ``service[:resource-type]`` one filter names
        (all when none do). Global types answer in the first region only."""
        inventory = self.inventory
        mappings: list[dict[str, Any]] = []
        for code in sorted(inventory.templates):
            if code in GLOBAL_TYPES and region != 0:
                continue
            count = inventory.org.count(account, region, code)
            if not count or not _matches(self.arn_and_tags(code, account, region, 0)[0], filters):
                continue
            for index in range(count):
                arn, tags = self.arn_and_tags(code, account, region, index)
                mappings.append(
                    {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
                )
        return mappings

    def named(self, service: str, text: str, account: int) -> tuple[str, int, int, int] | None:
        """The first generated item of ``service`` (botocore name) in ``account`` that the
        request text names."""
        inventory = self.inventory
        for code, template in inventory.templates.items():
            if template.spec.service.client_name != service:
                continue
            for a, r, i in inventory.named(code, text):
                if a == account:
                    return code, a, r, i
        return None

    def whole(self, code: str, account: int, region: int, index: int) -> dict[str, Any]:
        """Every field any answer about the item holds, for ``project``: the element, and
        each enrich answer both as it is and with its top-level structures spread."""
        inventory = self.inventory
        fields: dict[str, Any] = {}
        for step in range(len(inventory.templates[code].spec.enrich)):
            found = inventory.enrich_answer(code, step, account, region, index)
            for key, value in found.get("answer", {}).items():
                fields[key] = value
                if isinstance(value, dict):
                    fields.update(value)
                elif isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
                    fields.update(value[0])
        element = inventory.element(code, account, region, index)
        if isinstance(element, dict):
            fields.update(element)
        return copy.deepcopy(fields)


def _matches(arn: str, filters: list[str]) -> bool:
    if not filters:
        return True
    parts = arn.split(":", 5)
    service = parts[2]
    resource = parts[5].replace(":", "/").split("/", 1)[0] if len(parts) > 5 else ""
    return any(f in (service, f"{service}:{resource}") for f in filters)


def project(shape: Shape | None, value: Any) -> Any:
    """``value`` reduced to what ``shape`` holds; ``None`` where the kinds disagree."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return None
        out = {}
        for name, member in shape.members.items():
            if name in value and member.serialization.get("location") not in _HEADER_LOCATIONS:
                kept = project(member, value[name])
                if kept is not None:
                    out[name] = kept
        return out
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return None
        return [kept for kept in (project(shape.member, v) for v in value) if kept is not None]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return None
        return {k: project(shape.value, v) for k, v in value.items()}
    if isinstance(value, dict | list):
        return None
    return value


def describe_one(output: StructureShape, fields: dict[str, Any]) -> dict[str, Any]:
    """An answer describing one item: top-level members found among its fields, and
    structure members (``Role``, ``Table``) filled from the same fields."""
    answer: dict[str, Any] = {}
    for name, member in output.members.items():
        if member.serialization.get("location") in _HEADER_LOCATIONS:
            continue
        kept = project(member, fields.get(name)) if name in fields else None
        if kept is None and isinstance(member, StructureShape):
            kept = project(member, fields) or None
        if kept is not None:
            answer[name] = kept
    return answer
