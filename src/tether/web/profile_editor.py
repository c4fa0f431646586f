"""The discovery profile editor of the integration page: a stored profile as form values,
and the form's values back as OpsRamp's profile, with each problem on its field.

Rules are table rows whose inputs repeat the names ``filterType``, ``key``, ``operator``
and ``value``; a row left wholly empty is dropped. Error paths name the row as the user
sees it (``rules[2].value`` is the third row), whichever rows were dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from tether.catalog.registry import RESOURCE_TYPES
from tether.domain.profile_rules import (
    ANY_CLOUD_RESOURCE,
    ANY_DEVICE,
    FILTER_TYPES,
    RULE_KEYS,
    TAG_PREFIX,
    MatchType,
    Operator,
)
from tether.domain.profiles import ActionName, ProfileInput, problems
from tether.domain.schedules import PatternType
from tether.store.models import DiscoveryProfile

RULE_FIELDS = ("filterType", "key", "operator", "value")
FIELD_NAMES = {
    "name": "Name",
    "matchType": "Match",
    "rules": "Rules",
    "filterType": "Resource type",
    "key": "Key",
    "operator": "Operator",
    "value": "Value",
    "actions": "Actions",
    "patternType": "Schedule",
    "pattern": "Every / on",
    "startTime": "Start time (UTC)",
}
PATTERN_LABELS = {
    PatternType.MINUTES: "Every N minutes",
    PatternType.HOURLY: "Every N hours",
    PatternType.DAILY: "Every N days",
    PatternType.WEEKLY: "Weekly, on weekdays",
    PatternType.MONTHLY: "Monthly, on days",
}
MATCH_LABELS = {
    MatchType.ANY: "ANY: a resource matching any rule",
    MatchType.ALL: "ALL: a resource matching every rule of its type",
}


def _filter_choices() -> list[tuple[str, str]]:
    """(code, label): the catch-all types first, then the codes alphabetically, named by the
    catalog where Tether collects the type."""
    titles = {spec.type_code: spec.title for spec in RESOURCE_TYPES}
    special = {ANY_CLOUD_RESOURCE: "every resource type", ANY_DEVICE: "EC2 instances"}
    codes = [ANY_CLOUD_RESOURCE, ANY_DEVICE, *sorted(FILTER_TYPES - set(special))]
    named = {**titles, **special}
    return [(code, f"{code} — {named[code]}" if code in named else code) for code in codes]


FILTER_CHOICES = _filter_choices()
FILTER_CODES = frozenset(code for code, _ in FILTER_CHOICES)
KEY_CHOICES = [*RULE_KEYS, f"{TAG_PREFIX}Name"]
OPERATOR_CHOICES = [operator.value for operator in Operator]
ACTION_CHOICES = [action.value for action in ActionName]


@dataclass
class RuleRow:
    filterType: str = ""
    key: str = ""
    operator: str = ""
    value: str = ""

    @property
    def empty(self) -> bool:
        return not (self.filterType or self.key or self.operator or self.value)


@dataclass
class ProfileEditor:
    """One profile's form: what is shown, and the problems of the last save."""

    id: int | None = None
    name: str = ""
    matchType: str = MatchType.ANY.value
    rules: list[RuleRow] = field(default_factory=list)
    actions: list[str] = field(default_factory=lambda: [ActionName.MANAGE_DEVICE.value])
    patternType: str = ""
    pattern: str = ""
    startTime: str = "00:00:00"
    inherited_from: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Prefix of the editor's element ids."""
        return f"p{self.id}" if self.id is not None else "pnew"

    @classmethod
    def new(cls) -> ProfileEditor:
        return cls(rules=[RuleRow(ANY_CLOUD_RESOURCE)])

    @classmethod
    def of(cls, profile: DiscoveryProfile) -> ProfileEditor:
        policy: dict[str, Any] = profile.policy
        schedule: dict[str, Any] = profile.schedule or {}
        return cls(
            id=profile.id,
            name=profile.name,
            matchType=str(policy.get("matchType", MatchType.ANY.value)),
            rules=[
                RuleRow(*(str(rule.get(name) or "") for name in RULE_FIELDS))
                for rule in policy.get("rules", [])
            ],
            actions=[str(action.get("action")) for action in policy.get("actions", [])],
            patternType=str(schedule.get("patternType") or ""),
            pattern=str(schedule.get("pattern") or ""),
            startTime=str(schedule.get("startTime") or "00:00:00"),
            inherited_from=profile.inherited_from,
        )

    @classmethod
    def from_form(cls, form: FormData) -> ProfileEditor:
        def text(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        columns = [[str(v) for v in form.getlist(name)] for name in RULE_FIELDS]
        rows = [RuleRow(*values) for values in zip(*columns, strict=False)]
        raw_id = text("profileId")
        return cls(
            id=int(raw_id) if raw_id.isdigit() else None,
            name=text("name"),
            matchType=text("matchType") or MatchType.ANY.value,
            rules=rows,
            actions=[str(v) for v in form.getlist("actions")],
            patternType=text("patternType"),
            pattern=text("pattern"),
            startTime=text("startTime") or "00:00:00",
        )

    def profile_input(
        self, integration_id: str, stored: DiscoveryProfile | None
    ) -> ProfileInput | None:
        """The profile to save, or None with ``errors`` filled. What the form does not
        edit (credential set, entity type, execution order, action items) is kept."""
        kept = [(index, row) for index, row in enumerate(self.rules) if not row.empty]
        policy: dict[str, Any] = dict(stored.policy) if stored else {}
        items = {str(a.get("action")): a.get("items", []) for a in policy.get("actions", [])}
        policy |= {
            "name": self.name,
            "matchType": self.matchType,
            "rules": [
                {name: getattr(row, name) or None for name in RULE_FIELDS} for _, row in kept
            ],
            "actions": [{"action": name, "items": items.get(name, [])} for name in self.actions],
        }
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "installedIntegrationId": integration_id,
            "credentialSet": stored.credential_set if stored else None,
            "policy": policy,
            "schedule": (
                {
                    "patternType": self.patternType,
                    "pattern": self.pattern or None,
                    "startTime": self.startTime,
                }
                if self.patternType
                else None
            ),
        }
        try:
            return ProfileInput.model_validate(body)
        except ValidationError as error:
            rows = [index for index, _ in kept]
            self.errors = {
                _editor_field(path, rows): message for path, message in problems(error.errors())
            }
            return None

    def add_rule(self) -> None:
        self.rules.append(RuleRow())

    def remove_rule(self, index: int) -> None:
        if 0 <= index < len(self.rules):
            del self.rules[index]


def _editor_field(path: str, rows: list[int]) -> str:
    """``policy.rules[1].value`` -> ``rules[3].value`` when the second kept row is the
    fourth shown; ``policy.name`` and ``name`` -> ``name``; ``schedule.pattern`` ->
    ``pattern``."""
    path = path.removeprefix("policy.").removeprefix("schedule.")
    if path.startswith("rules["):
        index_text, rest = path[len("rules[") :].split("]", 1)
        index = int(index_text)
        shown = rows[index] if index < len(rows) else index
        return f"rules[{shown}]{rest}"
    return path.split(".", 1)[0].split("[", 1)[0]


def field_label(path: str) -> str:
    """``rules[2].value`` -> ``Rule 3 · Value``: how the editor names a field to a person."""
    if path.startswith("rules[") and "]" in path:
        index_text, rest = path[len("rules[") :].split("]", 1)
        part = FIELD_NAMES.get(rest.lstrip("."), rest.lstrip(".")) if rest else ""
        return f"Rule {int(index_text) + 1}" + (f" · {part}" if part else "")
    return FIELD_NAMES.get(path, path)


def field_id(key: str, path: str) -> str:
    """The id of the input a path names: ``rules[2].value`` -> ``p7-rule-2-value``."""
    if path.startswith("rules[") and "]" in path:
        index_text, rest = path[len("rules[") :].split("]", 1)
        return f"{key}-rule-{index_text}-{rest.lstrip('.') or 'filterType'}"
    return f"{key}-{path}"
