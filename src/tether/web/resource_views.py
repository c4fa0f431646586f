"""What the resource pages show, computed from the services' answers: the filter form,
state badges, tag and attribute cells, a change's field-level diff."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from tether.errors import InvalidInput

# The form's fields, as the search's terms name them (services.resources).
_TERMS = {
    "type": "resourceType",
    "region": "region",
    "account": "accountNumber",
    "tag": "tag",
    "state": "state",
    "name": "nameContains",
    "integration": "installedAppId",
}
LABELS = {
    "resourceType": "Type",
    "region": "Region",
    "accountNumber": "Account",
    "tag": "Tag",
    "state": "State",
    "nameContains": "Name contains",
    "installedAppId": "Integration",
}
SORTS = {
    "name": "name",
    "type": "resourceType",
    "region": "region",
    "account": "accountNumber",
    "state": "state",
    "changed": "updatedTime",
}
DEFAULT_SORT = "name"
MAX_FILTER = 512
_TEXT = ("client", *_TERMS, "sort", "days")
PERIODS = (7, 30, 90)  # the trend charts' choices of window, in days
DEFAULT_PERIOD = 30


@dataclass(frozen=True, slots=True)
class Filters:
    """The resource list's query: what the form sends and the links keep."""

    client: str = ""
    type: str = ""
    region: str = ""
    account: str = ""
    tag: str = ""
    state: str = ""
    name: str = ""
    integration: str = ""  # an integration's resources (linked from its page)
    deleted: bool = False
    sort: str = ""
    desc: bool = False
    days: str = ""  # the charts' window: one of PERIODS

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Unknown sort keys fall back to the default; values are trimmed, and the
        search's own validation judges them (its errors name the form's labels)."""
        text = {name: query.get(name, "").strip()[: MAX_FILTER + 1] for name in _TEXT}
        if text["sort"] not in SORTS:
            text["sort"] = ""
        if text["days"] not in {str(days) for days in PERIODS}:
            text["days"] = ""
        return cls(**text, deleted=_on(query.get("deleted")), desc=_on(query.get("desc")))

    def terms(self) -> dict[str, str]:
        found = {term: getattr(self, name) for name, term in _TERMS.items() if getattr(self, name)}
        if self.deleted:
            found["includeDeleted"] = "true"
        return found

    @property
    def active(self) -> bool:
        return bool(self.terms())

    def query(self, **changes: Any) -> str:
        """This query as a URL's query string, with ``changes`` to its fields and any
        other parameters (``page``, ``format``) added; empty values are left out."""
        own = {f.name for f in fields(self)}
        shown = replace(self, **{k: v for k, v in changes.items() if k in own})
        pairs = [(f.name, getattr(shown, f.name)) for f in fields(shown)]
        pairs += [(k, v) for k, v in changes.items() if k not in own]
        return urlencode([(k, "1" if v is True else v) for k, v in pairs if v not in ("", False)])

    @property
    def period(self) -> int:
        return int(self.days) if self.days else DEFAULT_PERIOD

    @property
    def sorted_by(self) -> str:
        return self.sort or DEFAULT_SORT

    def sort_link(self, column: str) -> tuple[str, str | None]:
        """The column header's link (ascending first, then reversed) and its aria-sort."""
        if self.sorted_by == column:
            order = "descending" if self.desc else "ascending"
            return self.query(sort=column, desc=not self.desc), order
        return self.query(sort=column, desc=False), None


def _on(value: str | None) -> bool:
    return value in ("1", "true", "on")


def filter_error(error: InvalidInput) -> str:
    """The search's message, naming the form's field instead of ``queryString.<key>``."""
    term = error.field.removeprefix("queryString.")
    _, _, detail = error.message.partition(": ")
    return f"{LABELS.get(term, term)}: {detail or error.message}"


OK_STATES = {"running", "available", "active", "in-use", "enabled", "ok", "issued", "ready",
             "deployed", "inservice", "succeeded", "healthy", "create_complete"}  # fmt: skip
BUSY_STATES = {"pending", "creating", "updating", "modifying", "stopping", "starting",
               "rebooting", "backing-up", "insufficient_data", "provisioning", "shutting-down",
               "deleting", "in_progress"}  # fmt: skip
BAD_STATES = {"stopped", "terminated", "failed", "error", "deleted", "alarm", "inactive",
              "disabled", "unhealthy", "impaired"}  # fmt: skip


def state_class(state: str | None, deleted: bool = False) -> str:
    """The badge class (tether.css) for a resource's state."""
    if deleted:
        return "deleted"
    lowered = (state or "").lower()
    if lowered in OK_STATES:
        return "ok"
    if lowered in BUSY_STATES:
        return "warning"
    if lowered in BAD_STATES:
        return "failed"
    return "plain"


def compact(value: Any) -> str:
    """A value for a cell: text as is, anything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def tag_pairs(tags: Mapping[str, Any], most: int | None = None) -> tuple[list[str], int]:
    """``Key=Value`` by key (the first ``most``) and how many were left out."""
    pairs = [f"{key}={compact(value)}" for key, value in sorted(tags.items())]
    if most is None:
        return pairs, 0
    return pairs[:most], max(0, len(pairs) - most)


@dataclass(frozen=True, slots=True)
class DiffRow:
    field: str
    old: str | None  # None: the field or key was not there
    new: str | None


FIELD_LABELS = {
    "name": "Name",
    "zone": "Zone",
    "state": "State",
    "tags": "Tag",
    "attributes": "Attribute",
    "relationships": "Relationship",
    "created_time": "Created",
}


def _shown(value: Any) -> str | None:
    return None if value is None else compact(value)


def _keyed(label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[DiffRow]:
    return [
        DiffRow(f"{label} {key}", _shown(old.get(key)), _shown(new.get(key)))
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key) or (key in old) != (key in new)
    ]


def _links(label: str, old: list[Any], new: list[Any]) -> list[DiffRow]:
    def key(item: Any) -> str:
        if isinstance(item, dict):
            return f"{item.get('type', '?')} {item.get('arn', '')}".strip()
        return compact(item)

    before, after = {key(item) for item in old}, {key(item) for item in new}
    gone = [DiffRow(label, text, None) for text in sorted(before - after)]
    return gone + [DiffRow(label, None, text) for text in sorted(after - before)]


def _as(kind: type[Any], value: Any) -> Any:
    return value if isinstance(value, kind) else kind()


def diff_rows(diff: Mapping[str, Any]) -> list[DiffRow]:
    """A change's ``{"field": {"old", "new"}}`` as rows of old → new: one per tag and
    attribute key, one per relationship added or removed."""
    rows: list[DiffRow] = []
    for name, change in diff.items():
        if not isinstance(change, dict):
            rows.append(DiffRow(FIELD_LABELS.get(name, name), None, _shown(change)))
            continue
        label = FIELD_LABELS.get(name, name)
        old, new = change.get("old"), change.get("new")
        if isinstance(old, dict) or isinstance(new, dict):
            rows += _keyed(label, _as(dict, old), _as(dict, new))
        elif isinstance(old, list) or isinstance(new, list):
            rows += _links(label, _as(list, old), _as(list, new))
        else:
            rows.append(DiffRow(label, _shown(old), _shown(new)))
    return rows
