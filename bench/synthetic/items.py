"""Items cloned from the captured templates, with identity and generation substituted.

Item ``index`` of a type in (account ``a``, region ``r``) gets the natural id
``<template token>-z<a hex>-<r>-<index>``: unique across the organization (S3 bucket names
and Route 53 zone ids are global), and decodable from any request that names it, so an
enrich call answers for the very item it asks about without any look-up table.
"""

from __future__ import annotations

import json
import random
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.synthetic.organization import GLOBAL_TYPES, PARENT_TYPES, Organization
from tether.catalog.base import ResourceSpec
from tether.catalog.registry import resource_type

TEMPLATES = Path(__file__).with_name("templates.json")
OWNER = "platform"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"


@dataclass(frozen=True)
class Template:
    spec: ResourceSpec
    list_path: tuple[str, ...]
    token: str  # with the template's region replaced by "{REGION}"
    element: str  # JSON text with placeholders
    parent: Any
    enrich: tuple[dict[str, Any], ...]  # {"answer": JSON text} or {"error": code}
    pattern: re.Pattern[str]

    @property
    def mutable(self) -> bool:
        return "{OWNER}" in self.element or any(
            "{OWNER}" in e.get("answer", "") for e in self.enrich
        )


def load_templates(path: Path = TEMPLATES) -> dict[str, Template]:
    raw = json.loads(path.read_text())
    templates = {}
    for code, entry in raw.items():
        spec = resource_type(code)
        assert spec is not None, code
        token = entry["token"].replace(entry["template_account"], "{ACCOUNT}")
        token = token.replace(entry["template_region"], "{REGION}")
        regex = re.escape(token).replace(re.escape("{ACCOUNT}"), r"\d{12}")
        regex = regex.replace(re.escape("{REGION}"), _REGION)
        templates[code] = Template(
            spec=spec,
            list_path=tuple(entry["list_path"]),
            token=token,
            element=json.dumps(entry["element"]),
            parent=entry["parent"],
            enrich=tuple(
                {"answer": json.dumps(e["answer"])} if "answer" in e else e for e in entry["enrich"]
            ),
            pattern=re.compile(regex + r"-z([0-9a-f]+)-(\d+)-(\d+)"),
        )
    return templates


class Inventory:
    """The organization's resources: counts, clones, and which ones ``mutate`` changed."""

    def __init__(self, org: Organization, templates: dict[str, Template]) -> None:
        self.org = org
        self.templates = templates
        # (account, region, type) -> {index: generation}
        self.generations: dict[tuple[int, int, str], dict[int, int]] = {}
        self.generation = 0

    def natural_id(self, code: str, account: int, region: int, index: int) -> str:
        template = self.templates[code]
        if code in GLOBAL_TYPES:
            region = 0
        token = template.token.replace("{ACCOUNT}", self.org.accounts[account])
        token = token.replace("{REGION}", self.org.regions[region])
        return f"{token}-z{account:x}-{region}-{index}"

    def _fill(self, text: str, code: str, account: int, region: int, index: int) -> Any:
        generation = self.generations.get((account, region, code), {}).get(index, 0)
        owner = OWNER if generation == 0 else f"{OWNER}-g{generation}"
        region_name = self.org.regions[region]
        text = text.replace("{TOKEN}", self.natural_id(code, account, region, index))
        text = text.replace("{ACCOUNT}", self.org.accounts[account])
        text = text.replace("{REGION}", region_name).replace("{OWNER}", owner)
        return json.loads(text.replace("{SERVICE}", self.templates[code].spec.service.client_name))

    def element(self, code: str, account: int, region: int, index: int) -> Any:
        """One element of the list call's answer (an EC2 reservation holds one instance)."""
        if code in GLOBAL_TYPES:
            region = 0
        return self._fill(self.templates[code].element, code, account, region, index)

    def enrich_answer(self, code: str, step: int, account: int, region: int, index: int) -> Any:
        entry = self.templates[code].enrich[step]
        if "error" in entry:
            return entry
        if code in GLOBAL_TYPES:
            region = 0
        return {"answer": self._fill(entry["answer"], code, account, region, index)}

    def named(self, code: str, text: str) -> list[tuple[int, int, int]]:
        """The existing items of ``code`` that ``text`` (a request) names, in order."""
        found = []
        for match in self.templates[code].pattern.finditer(text):
            account, region, index = int(match[1], 16), int(match[2]), int(match[3])
            if account < len(self.org.accounts) and index < self.org.count(account, region, code):
                found.append((account, region, index))
        return found

    def ids(self, account: int, region: int, code: str) -> list[str]:
        return [
            self.natural_id(code, account, region, i)
            for i in range(self.org.count(account, region, code))
        ]

    def mutate(self, fraction: float, seed: int) -> int:
        """Change the Owner tag of ``fraction`` of the mutable resources (chosen by ``seed``)."""
        scopes = [
            (key, n)
            for key, n in sorted(self.org.counts.items())
            if n and self.templates[key[2]].mutable
        ]
        starts, total = [], 0
        for _key, n in scopes:
            starts.append(total)
            total += n
        chosen = random.Random(seed).sample(  # noqa: S311
            range(total), min(total, round(fraction * total))
        )
        self.generation += 1
        for position in chosen:
            slot = bisect_right(starts, position) - 1
            key, _n = scopes[slot]
            self.generations.setdefault(key, {})[position - starts[slot]] = self.generation
        return len(chosen)

    def longest_chain(self, page_size: dict[str, int]) -> int:
        """The longest chain of dependent calls one type needs in one account-region:
        parent pages + list pages (of the largest parent) + 1 when it has enrich calls."""
        longest = 0
        for (a, r, code), n in self.org.counts.items():
            spec = self.templates[code].spec
            size = page_size[code]
            chain = 1 if spec.enrich else 0
            if spec.parent is not None:
                parent = PARENT_TYPES[code]
                parents = self.org.count(a, r, parent)
                chain += max(1, -(-parents // page_size[parent]))
                n = -(-n // max(parents, 1))
            chain += max(1, -(-n // size))
            longest = max(longest, chain)
        return longest


def nest(path: tuple[str, ...] | list[str], value: Any) -> dict[str, Any]:
    """``value`` placed at ``path`` (the keys down to a list call's items), as an answer."""
    for key in reversed(path):
        value = {key: value}
    return dict(value)
