"""Discovery profile rules: which resource types a profile selects and which resources match.

A rule's ``filterType`` selects a resource type (``ANY_CLOUD_RESOURCE``: every type); with a
key, an operator and a value it also filters resources of that type. Semantics chosen
where OpsRamp's documents are silent:

- A rule applies to a resource when its ``filterType`` selects the resource's type.
  ``ANY``: a resource matches when some applicable rule holds. ``ALL``: when at least one
  rule applies and every applicable rule holds (a DEVICE rule does not exclude S3 buckets).
- Comparisons are case-sensitive, as AWS names and tags are; ``Regex`` searches anywhere
  in the value (anchor it with ``^...$`` for a whole-value match).
- A resource without the compared value (no name, no zone, tag absent) fails the positive
  operators and passes ``Not Contains`` and ``Not Equals``.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tether.catalog.registry import type_codes

if TYPE_CHECKING:
    from tether.domain.profiles import Policy, Rule

# OpsRamp's AWS resource type codes (a rule's ``filterType``) that its scripts may send,
# whether or not Tether collects the type; the catalog's own codes are added below.
OPSRAMP_TYPE_CODES: frozenset[str] = frozenset(
    {
        "DEVICE", "EBS", "AWS_S3_BUCKET", "RDS", "LOAD_BALANCER", "LAMBDA", "AUTO_SCALING",
        "DYNAMO_DB", "ELASTICACHE", "REDSHIFT", "AWS_EFS", "SNS", "SQS", "KINESIS",
        "KINESIS_FIREHOSE", "API_GATEWAY", "CLOUDFRONT", "ROUTE_53", "AWS_HOSTED_ZONE",
        "AWS_NAT_GATEWAY", "ECS_CLUSTER", "BEAN_STALK", "ES_SERVICE", "AWS_MSK_CLUSTER",
        "AWS_MQ_BROKER", "AWS_EVENT_BRIDGE_BUS", "AWS_SAGEMAKER_ENDPOINT", "AWS_GLUE_JOBS",
        "AWS_COGNITO_USER_POOL", "AWS_KMS_AWS_MANAGED_KEYS", "AWS_DOCDB_CLUSTER",
        "AWS_NEPTUNE_DB_CLUSTER", "ELASTICMAPREDUCE", "PIPELINE", "CODEBUILD_PROJECT",
        "CODECOMMIT_REPOSITORY", "CODEDEPLOY_APPLICATION", "WORKSPACE", "LIGHTSAIL",
        "AWS_SPOT_FLEET_REQUEST",
    }
)  # fmt: skip
# Every code a rule may name: OpsRamp's and the catalog's (the types Tether collects).
RESOURCE_TYPE_CODES: frozenset[str] = OPSRAMP_TYPE_CODES | type_codes()
ANY_CLOUD_RESOURCE = "ANY_CLOUD_RESOURCE"  # every type
ANY_DEVICE = "ANY_DEVICE"  # EC2 instances, like DEVICE
EC2_INSTANCE = "DEVICE"
FILTER_TYPES: frozenset[str] = RESOURCE_TYPE_CODES | {ANY_CLOUD_RESOURCE, ANY_DEVICE}

# Rule keys: what of a resource a rule compares.
NAME = "Name"
REGION_NAME = "Region Name"
ZONE_NAME = "Zone Name"
RESOURCE_TYPE = "Resource Type"
TAG_PREFIX = "Tag:"
RULE_KEYS = (NAME, REGION_NAME, ZONE_NAME, RESOURCE_TYPE)

MAX_REGEX_LENGTH = 512
MAX_VALUE_LENGTH = 1024


class MatchType(enum.StrEnum):
    ANY = "ANY"
    ALL = "ALL"


class Operator(enum.StrEnum):
    CONTAINS = "Contains"
    NOT_CONTAINS = "Not Contains"
    EQUALS = "Equals"
    NOT_EQUALS = "Not Equals"
    STARTS_WITH = "Starts with"
    ENDS_WITH = "Ends with"
    REGEX = "Regex"


# A quantifier: *, +, ? or {m}, {m,}, {,n}, {m,n}.
_BRACES = re.compile(r"\{(\d*)(,?)(\d*)\}")


def _quantifier(pattern: str, index: int) -> tuple[int, bool, bool] | None:
    """At ``index``: (length, repeats a variable number of times, may repeat more than once)."""
    char = pattern[index : index + 1]
    if char in ("*", "+"):
        return 1, True, True
    if char == "?":
        return 1, True, False
    match = _BRACES.match(pattern, index)
    if match is None or not (match.group(1) or match.group(3)):
        return None  # a literal brace
    low, comma, high = match.groups()
    if not comma:
        return len(match.group(0)), False, int(low) > 1
    variable = not high or int(high) > int(low or 0)
    return len(match.group(0)), variable, not high or int(high) > 1


def has_nested_quantifier(pattern: str) -> bool:
    """Whether a repeated group holds a repeat, like ``(a+)+``: exponential backtracking."""
    repeats: list[bool] = []  # per open group: does it hold a variable repeat?
    index = 0
    while index < len(pattern):
        char = pattern[index]
        inner = False
        if char == "(":
            repeats.append(False)
            index += 1
            continue
        if char == ")":
            inner = repeats.pop() if repeats else False
            index += 1
        elif char == "\\":
            index += 2
        elif char == "[":
            index = _class_end(pattern, index)
        else:
            index += 1
        found = _quantifier(pattern, index)
        if found is not None:
            length, variable, many = found
            if inner and many:
                return True
            index += length
            if pattern[index : index + 1] in ("?", "+"):
                index += 1  # lazy or possessive
            inner = inner or variable
        if inner and repeats:
            repeats[-1] = True
    return False


def _class_end(pattern: str, start: int) -> int:
    """The index after the character class opening at ``start``."""
    index = start + 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1  # a leading ] is literal
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def check_regex(pattern: str) -> None:
    """Refuse patterns that do not compile or could backtrack for minutes."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ValueError(f"regular expression longer than {MAX_REGEX_LENGTH} characters")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc
    if has_nested_quantifier(pattern):
        raise ValueError(
            "regular expression repeats a repeated group, like (a+)+, which can take "
            "exponential time; simplify it"
        )


class AllTypes(enum.Enum):
    """Every resource type, including those added to the catalog later."""

    ALL = "ALL"


ALL = AllTypes.ALL
TypeSelection = frozenset[str] | Literal[AllTypes.ALL]


class Matchable(Protocol):
    """What rules look at; ``tether.domain.resources.ResourceRecord`` is one."""

    @property
    def resource_type(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def region(self) -> str: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def tags(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class ResourceFacts:
    resource_type: str
    name: str | None = None
    region: str = ""
    zone: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def types_of(filter_type: str) -> frozenset[str]:
    """The resource type codes a ``filterType`` selects."""
    if filter_type == ANY_CLOUD_RESOURCE:
        return RESOURCE_TYPE_CODES
    if filter_type == ANY_DEVICE:
        return frozenset({EC2_INSTANCE})
    return frozenset({filter_type})


def _selects(rule: Rule, resource_type: str) -> bool:
    return rule.filterType == ANY_CLOUD_RESOURCE or resource_type in types_of(rule.filterType)


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def compare(operator: Operator, actual: str | None, expected: str) -> bool:
    if actual is None:
        return operator in (Operator.NOT_CONTAINS, Operator.NOT_EQUALS)
    match operator:
        case Operator.CONTAINS:
            return expected in actual
        case Operator.NOT_CONTAINS:
            return expected not in actual
        case Operator.EQUALS:
            return actual == expected
        case Operator.NOT_EQUALS:
            return actual != expected
        case Operator.STARTS_WITH:
            return actual.startswith(expected)
        case Operator.ENDS_WITH:
            return actual.endswith(expected)
        case Operator.REGEX:
            return _compiled(expected).search(actual) is not None


def _value_of(key: str, resource: Matchable) -> str | None:
    if key == NAME:
        return resource.name
    if key == REGION_NAME:
        return resource.region
    if key == ZONE_NAME:
        return resource.zone
    if key == RESOURCE_TYPE:
        return resource.resource_type
    return resource.tags.get(key.removeprefix(TAG_PREFIX))


def rule_holds(rule: Rule, resource: Matchable) -> bool:
    """Whether the rule's condition holds (a rule without a key always does)."""
    if rule.key is None or rule.operator is None or rule.value is None:
        return True
    return compare(rule.operator, _value_of(rule.key, resource), rule.value)


def _verdict(match_type: MatchType, outcomes: list[bool]) -> bool:
    if not outcomes:
        return False  # no rule applies
    return any(outcomes) if match_type is MatchType.ANY else all(outcomes)


def profile_matches(policy: Policy, resource: Matchable) -> bool:
    """Whether the policy's rules select ``resource`` (see the module's semantics)."""
    applicable = [rule for rule in policy.rules if _selects(rule, resource.resource_type)]
    return _verdict(policy.matchType, [rule_holds(rule, resource) for rule in applicable])


def _may_hold(rule: Rule, resource_type: str) -> bool:
    # Only a Resource Type condition is decided by the type alone.
    if rule.key != RESOURCE_TYPE:
        return True
    return rule_holds(rule, ResourceFacts(resource_type=resource_type))


def _policy_types(policy: Policy) -> set[str]:
    selected: set[str] = set()
    for code in RESOURCE_TYPE_CODES:
        applicable = [rule for rule in policy.rules if _selects(rule, code)]
        if _verdict(policy.matchType, [_may_hold(rule, code) for rule in applicable]):
            selected.add(code)
    return selected


def selected_types(policies: Iterable[Policy | Mapping[str, Any]]) -> TypeSelection:
    """The resource types a scan must collect for these policies; ``ALL`` if every one.

    A type that no rule could select is not collected at all; no policies select nothing.
    Policies may be models or as stored (dicts, validated here).
    """
    # Imported here: the models import this module's rules.
    from tether.domain.profiles import Policy

    selected: set[str] = set()
    for policy in policies:
        model = policy if isinstance(policy, Policy) else Policy.model_validate(policy)
        selected |= _policy_types(model)
    return ALL if selected >= RESOURCE_TYPE_CODES else frozenset(selected)
