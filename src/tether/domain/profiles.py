"""OpsRamp's discovery profile: what a scan of an integration collects, and when it runs.

The models check everything that can be checked without the database, so a bad profile
is refused with the path of the offending field (``[0].policy.rules[1].value``). Rule
matching and type selection live in ``profile_rules``; schedule arithmetic in ``schedules``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
)

from tether.domain.formats import opsramp_time

# ALL, profile_matches and selected_types are re-exported: importable with the models.
from tether.domain.profile_rules import ALL as ALL
from tether.domain.profile_rules import (
    FILTER_TYPES,
    MAX_VALUE_LENGTH,
    RULE_KEYS,
    TAG_PREFIX,
    MatchType,
    Operator,
    check_regex,
)
from tether.domain.profile_rules import profile_matches as profile_matches
from tether.domain.profile_rules import selected_types as selected_types
from tether.domain.schedules import (
    PatternType,
    Recurrence,
    parse_pattern,
    parse_start_time,
    recurrence,
)
from tether.errors import InvalidInput


class EntityType(enum.StrEnum):
    ALL = "ALL"


class ActionName(enum.StrEnum):
    MANAGE_DEVICE = "MANAGE DEVICE"
    STREAM_AWS_ALERTS = "STREAM AWS ALERTS"


def _known(kind: type[enum.StrEnum], noun: str) -> BeforeValidator:
    """Refuse a string outside ``kind`` with a message naming it, before enum validation."""
    allowed = [member.value for member in kind]

    def check(value: Any) -> Any:
        if isinstance(value, str) and value not in allowed:
            raise ValueError(f"unknown {noun} {value!r}; use one of {', '.join(allowed)}")
        return value

    return BeforeValidator(check)


def _empty_is_none(value: Any) -> Any:
    # Exports of type-only rules carry "" for key and operator.
    return None if value == "" else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
RuleKey = Annotated[
    Annotated[str, StringConstraints(max_length=255)] | None, BeforeValidator(_empty_is_none)
]
# Before-validators run last to first: "" becomes None before the operator is checked.
RuleOperator = Annotated[
    Operator | None, _known(Operator, "operator"), BeforeValidator(_empty_is_none)
]


_FILTER_TYPE_NAMES: list[JsonValue] = list(sorted(FILTER_TYPES))


class Rule(BaseModel):
    """Selects a resource type (``filterType``) and, with key/operator/value, filters it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filterType: str = Field(json_schema_extra={"enum": _FILTER_TYPE_NAMES})
    key: RuleKey = Field(
        default=None,
        description="Name, Region Name, Zone Name, Resource Type or Tag:<tag key>",
    )
    operator: RuleOperator = Field(default=None, validate_default=True)
    value: str | None = Field(default=None, max_length=MAX_VALUE_LENGTH, validate_default=True)

    @field_validator("filterType")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FILTER_TYPES:
            raise ValueError(f"unknown resource type {value!r}")
        return value

    @field_validator("key")
    @classmethod
    def _known_key(cls, value: str | None) -> str | None:
        if value is None or value in RULE_KEYS:
            return value
        if value.startswith(TAG_PREFIX) and value[len(TAG_PREFIX) :].strip():
            return value
        keys = ", ".join(RULE_KEYS)
        raise ValueError(f"unknown key {value!r}; use {keys} or {TAG_PREFIX}<tag key>")

    @field_validator("operator")
    @classmethod
    def _operator_with_key(cls, value: Operator | None, info: ValidationInfo) -> Operator | None:
        if "key" not in info.data:
            return value  # the key itself was refused
        if info.data["key"] is not None and value is None:
            raise ValueError("is required when a key is given")
        if info.data["key"] is None and value is not None:
            raise ValueError("needs a key to compare")
        return value

    @field_validator("value")
    @classmethod
    def _value_with_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "key" not in info.data or "operator" not in info.data:
            return value
        if info.data["key"] is None:
            if value:
                raise ValueError("needs a key to compare")
            return None
        if value is None:
            raise ValueError("is required when a key is given")
        if info.data["operator"] is Operator.REGEX:
            check_regex(value)
        return value


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Annotated[ActionName, _known(ActionName, "action")]
    items: list[Any] = Field(default_factory=list, max_length=100)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    matchType: Annotated[MatchType, _known(MatchType, "match type")] = MatchType.ANY
    entityType: Annotated[EntityType, _known(EntityType, "entity type")] = EntityType.ALL
    executionOrder: int = Field(default=0, ge=0, le=10_000)
    rules: list[Rule] = Field(min_length=1, max_length=100)
    actions: list[Action] = Field(default_factory=list, max_length=10)


def _pattern_text(value: Any) -> Any:
    # OpsRamp sends "2"; a script may send 2.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Schedule(BaseModel):
    """When scheduled scans run; see ``schedules`` for the patterns and their bounds (UTC)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    patternType: Annotated[PatternType, _known(PatternType, "pattern type")]
    pattern: Annotated[
        Annotated[str, StringConstraints(max_length=128)] | None, BeforeValidator(_pattern_text)
    ] = Field(default=None, validate_default=True)
    startTime: str = Field(
        default="00:00:00", json_schema_extra={"pattern": r"^\d{2}:\d{2}:\d{2}$"}
    )

    @field_validator("pattern")
    @classmethod
    def _valid_pattern(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "patternType" in info.data:
            parse_pattern(info.data["patternType"], value)
        return value

    @field_validator("startTime")
    @classmethod
    def _valid_start(cls, value: str) -> str:
        parse_start_time(value)
        return value

    def recurrence(self) -> Recurrence:
        return recurrence(self.patternType, self.pattern, self.startTime)


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first scheduled run strictly after ``after`` (UTC)."""
    return schedule.recurrence().next_after(after)


ReadOnly = Field(default=None, description="Read-only: ignored on input", max_length=64)


class ProfileInput(BaseModel):
    """One element of the array that ``POST|PUT .../policies/discovery`` takes."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, ge=1, description="Given: update that profile")
    name: Text
    installedIntegrationId: str = Field(min_length=1, max_length=48)
    credentialSet: Annotated[str, StringConstraints(max_length=255)] | None = None
    policy: Policy
    schedule: Schedule | None = None
    # What GET answers besides, so that a fetched profile can be posted back as it is.
    nextRunTime: str | None = ReadOnly
    lastRunTime: str | None = ReadOnly
    createdTime: str | None = ReadOnly
    updatedTime: str | None = ReadOnly


class ProfileDocument(BaseModel):
    """A stored profile in OpsRamp's shape, with when it runs next (UTC)."""

    id: int
    name: str
    installedIntegrationId: str
    credentialSet: str | None
    policy: Policy
    schedule: Schedule | None
    nextRunTime: datetime | None
    lastRunTime: datetime | None
    createdTime: datetime
    updatedTime: datetime

    @field_serializer("createdTime", "updatedTime")
    def _time(self, value: datetime) -> str:
        return opsramp_time(value)

    @field_serializer("nextRunTime", "lastRunTime")
    def _optional_time(self, value: datetime | None) -> str | None:
        return opsramp_time(value) if value is not None else None


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", 0, "policy", "rules", 1, "value")`` -> ``[0].policy.rules[1].value``."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path") else list(loc)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def describe(error: Any) -> str:
    """A pydantic error as a short message for a person."""
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")


def problems(errors: Iterable[Any]) -> list[tuple[str, str]]:
    """(field path, message) for each pydantic error."""
    return [(field_path(tuple(error.get("loc", ()))), describe(error)) for error in errors]


def invalid_input(errors: Iterable[Any]) -> InvalidInput:
    """One ``InvalidInput`` naming the first bad field and listing the rest."""
    found = problems(errors)
    first_field, first_message = found[0]
    rest = "".join(f"; {field}: {message}" for field, message in found[1:])
    return InvalidInput(first_field, first_message + rest)


_PROFILES: TypeAdapter[list[ProfileInput]] = TypeAdapter(
    Annotated[list[ProfileInput], Field(min_length=1, max_length=100)]
)


def parse_profiles(body: Any) -> list[ProfileInput]:
    """Validate a JSON array of profiles (a single object is an array of one)."""
    try:
        return _PROFILES.validate_python([body] if isinstance(body, dict) else body)
    except ValidationError as exc:
        raise invalid_input(exc.errors()) from exc
