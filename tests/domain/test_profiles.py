"""Discovery profiles without a database: validation, rule matching, type selection, schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tether.domain.profile_rules import (
    ALL,
    RESOURCE_TYPE_CODES,
    ResourceFacts,
    has_nested_quantifier,
    profile_matches,
    selected_types,
)
from tether.domain.profiles import Policy, Schedule, field_path, next_run, parse_profiles
from tether.errors import InvalidInput


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def policy(*rules: dict[str, Any], match: str = "ANY") -> Policy:
    return Policy.model_validate({"name": "p", "matchType": match, "rules": list(rules)})


def rule(key: str, operator: str, value: str, filter_type: str = "ANY_CLOUD_RESOURCE") -> Any:
    return {"filterType": filter_type, "key": key, "operator": operator, "value": value}


WEB = ResourceFacts(
    resource_type="DEVICE",
    name="web-01",
    region="us-east-1",
    zone="us-east-1a",
    tags={"env": "prod", "team": "Payments"},
)
BUCKET = ResourceFacts(resource_type="AWS_S3_BUCKET", name="logs-archive", region="eu-west-1")


# --- operators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "matches"),
    [
        ("Contains", "eb-0", True),
        ("Contains", "WEB", False),  # case-sensitive, as AWS names are
        ("Not Contains", "db", True),
        ("Not Contains", "web", False),
        ("Equals", "web-01", True),
        ("Equals", "web-0", False),
        ("Not Equals", "web-02", True),
        ("Not Equals", "web-01", False),
        ("Starts with", "web-", True),
        ("Starts with", "01", False),
        ("Ends with", "-01", True),
        ("Ends with", "web", False),
        ("Regex", r"^web-\d+$", True),
        ("Regex", r"\d{2}", True),  # searches anywhere
        ("Regex", r"^db-", False),
        ("Regex", r"(?i)^WEB", True),
    ],
)
def test_every_operator_on_the_name(operator: str, value: str, matches: bool) -> None:
    assert profile_matches(policy(rule("Name", operator, value)), WEB) is matches


@pytest.mark.parametrize(
    ("key", "value", "matches"),
    [
        ("Region Name", "us-east-1", True),
        ("Region Name", "eu-west-1", False),
        ("Zone Name", "us-east-1a", True),
        ("Resource Type", "DEVICE", True),
        ("Resource Type", "EBS", False),
        ("Tag:env", "prod", True),
        ("Tag:team", "payments", False),
        ("Tag:owner", "alice", False),  # absent tag
    ],
)
def test_keys(key: str, value: str, matches: bool) -> None:
    assert profile_matches(policy(rule(key, "Equals", value)), WEB) is matches


def test_a_missing_value_fails_positive_operators_and_passes_negative_ones() -> None:
    nameless = ResourceFacts(resource_type="EBS", name=None, region="us-east-1")
    for operator in ("Contains", "Equals", "Starts with", "Ends with", "Regex"):
        assert not profile_matches(policy(rule("Name", operator, "x")), nameless)
        assert not profile_matches(policy(rule("Zone Name", operator, "x")), nameless)
        assert not profile_matches(policy(rule("Tag:env", operator, "x")), nameless)
    for operator in ("Not Contains", "Not Equals"):
        assert profile_matches(policy(rule("Name", operator, "x")), nameless)
        assert profile_matches(policy(rule("Tag:env", operator, "prod")), nameless)


# --- ANY and ALL -------------------------------------------------------------------------


def test_a_type_only_rule_selects_its_type() -> None:
    devices = policy({"filterType": "DEVICE"})
    assert profile_matches(devices, WEB)
    assert not profile_matches(devices, BUCKET)
    assert profile_matches(policy({"filterType": "ANY_DEVICE"}), WEB)
    everything = policy({"filterType": "ANY_CLOUD_RESOURCE"})
    assert profile_matches(everything, WEB)
    assert profile_matches(everything, BUCKET)
    # A type the catalog may add later is still "any cloud resource".
    assert profile_matches(everything, ResourceFacts(resource_type="AWS_NEW_THING"))


def test_any_needs_one_applicable_rule_to_hold() -> None:
    rules = (
        rule("Region Name", "Equals", "eu-west-1", "DEVICE"),
        rule("Tag:env", "Equals", "prod", "DEVICE"),
    )
    assert profile_matches(policy(*rules, match="ANY"), WEB)
    assert not profile_matches(policy(*rules, match="ALL"), WEB)


def test_all_needs_every_applicable_rule_and_ignores_rules_of_other_types() -> None:
    rules = (
        {"filterType": "ANY_CLOUD_RESOURCE"},
        rule("Region Name", "Equals", "us-east-1", "DEVICE"),
        rule("Tag:env", "Equals", "prod", "DEVICE"),
    )
    assert profile_matches(policy(*rules, match="ALL"), WEB)
    # The DEVICE rules do not apply to a bucket; the catch-all does.
    assert profile_matches(policy(*rules, match="ALL"), BUCKET)
    elsewhere = ResourceFacts(resource_type="DEVICE", name="web-02", region="eu-west-1")
    assert not profile_matches(policy(*rules, match="ALL"), elsewhere)
    assert profile_matches(policy(*rules, match="ANY"), elsewhere)


def test_all_with_no_applicable_rule_does_not_match() -> None:
    assert not profile_matches(policy(rule("Name", "Contains", "web", "EBS"), match="ALL"), WEB)


# --- selected types ----------------------------------------------------------------------


def test_selected_types() -> None:
    assert selected_types([policy({"filterType": "ANY_CLOUD_RESOURCE"})]) is ALL
    assert selected_types([policy({"filterType": "DEVICE"})]) == {"DEVICE"}
    assert selected_types([policy({"filterType": "ANY_DEVICE"})]) == {"DEVICE"}
    assert selected_types(
        [policy({"filterType": "DEVICE"}), policy({"filterType": "AWS_S3_BUCKET"})]
    ) == {"DEVICE", "AWS_S3_BUCKET"}
    # A name condition cannot rule a type out; a Resource Type condition can.
    assert selected_types([policy(rule("Name", "Contains", "web", "EBS"))]) == {"EBS"}
    by_type = policy(rule("Resource Type", "Regex", "^(RDS|EBS)$"))
    assert selected_types([by_type]) == {"RDS", "EBS"}
    not_s3 = policy(rule("Resource Type", "Not Equals", "AWS_S3_BUCKET"), match="ALL")
    assert selected_types([not_s3]) == RESOURCE_TYPE_CODES - {"AWS_S3_BUCKET"}
    assert selected_types([]) == frozenset()


def test_selected_types_reads_stored_policies() -> None:
    stored = policy({"filterType": "LAMBDA"}).model_dump(mode="json")
    assert selected_types([stored]) == {"LAMBDA"}


# --- validation --------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "name": "AWS Basic Discovery Profile",
    "installedIntegrationId": "INTG-1",
    "policy": {
        "name": "basic",
        "rules": [{"filterType": "ANY_CLOUD_RESOURCE"}, rule("Name", "Contains", "web", "DEVICE")],
        "actions": [{"action": "MANAGE DEVICE", "items": []}],
    },
    "schedule": {"patternType": "HOURLY", "pattern": "2", "startTime": "02:00:00"},
}


def refused(change: dict[str, Any], part: str = "") -> InvalidInput:
    body = {**GOOD, **change} if not part else GOOD | {part: {**GOOD[part], **change}}
    with pytest.raises(InvalidInput) as raised:
        parse_profiles([GOOD, body])
    return raised.value


def refused_rule(change: dict[str, Any]) -> InvalidInput:
    rules = [GOOD["policy"]["rules"][0], {**GOOD["policy"]["rules"][1], **change}]
    return refused({"rules": rules}, "policy")


def test_a_good_profile_parses_and_a_single_object_is_an_array_of_one() -> None:
    (parsed,) = parse_profiles(GOOD)
    assert parsed.policy.rules[1].operator == "Contains"
    assert parsed.model_dump(mode="json", include={"policy"})["policy"]["matchType"] == "ANY"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"operator": "Like"}, "operator", "unknown operator 'Like'"),
        ({"filterType": "FOO"}, "filterType", "unknown resource type 'FOO'"),
        ({"key": "Colour"}, "key", "unknown key 'Colour'"),
        ({"key": "Tag:"}, "key", "unknown key"),
        ({"operator": "Regex", "value": "(web"}, "value", "invalid regular expression"),
        ({"operator": "Regex", "value": "(a+)+$"}, "value", "exponential"),
        ({"operator": "Regex", "value": "a" * 513}, "value", "longer than 512"),
        ({"operator": None}, "operator", "is required when a key is given"),
        ({"value": None}, "value", "is required when a key is given"),
        ({"key": None}, "operator", "needs a key"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_rules_name_their_field(change: dict[str, Any], field: str, message: str) -> None:
    error = refused_rule(change)
    assert error.field == f"[1].policy.rules[1].{field}"
    assert message in error.message


@pytest.mark.parametrize(
    ("schedule", "field", "message"),
    [
        ({"patternType": "YEARLY"}, "patternType", "unknown pattern type 'YEARLY'"),
        ({"patternType": "MINUTES", "pattern": "4"}, "pattern", "from 5 to 1440"),
        ({"patternType": "MINUTES", "pattern": "1441"}, "pattern", "from 5 to 1440"),
        ({"patternType": "HOURLY", "pattern": "0"}, "pattern", "from 1 to 24"),
        ({"patternType": "HOURLY", "pattern": "two"}, "pattern", "from 1 to 24"),
        ({"patternType": "HOURLY", "pattern": None}, "pattern", "is required"),
        ({"patternType": "DAILY", "pattern": "32"}, "pattern", "from 1 to 31"),
        ({"patternType": "WEEKLY", "pattern": "MON, FUNDAY"}, "pattern", "unknown weekday"),
        ({"patternType": "WEEKLY", "pattern": "MON,,WED"}, "pattern", "comma-separated"),
        ({"patternType": "MONTHLY", "pattern": "1, 32"}, "pattern", "from 1 to 31"),
        ({"startTime": "24:00:00"}, "startTime", "not a time of day"),
        ({"startTime": "2am"}, "startTime", "expected HH:MM:SS"),
    ],
)
def test_bad_schedules_name_their_field(schedule: dict[str, Any], field: str, message: str) -> None:
    error = refused(schedule, "schedule")
    assert error.field == f"[1].schedule.{field}"
    assert message in error.message


def test_other_bad_parts() -> None:
    assert refused({"matchType": "SOME"}, "policy").field == "[1].policy.matchType"
    assert refused({"entityType": "VM"}, "policy").field == "[1].policy.entityType"
    assert refused({"rules": []}, "policy").field == "[1].policy.rules"
    bad_action = refused({"actions": [{"action": "DELETE"}]}, "policy")
    assert bad_action.field == "[1].policy.actions[0].action"
    assert "unknown action 'DELETE'" in bad_action.message
    assert refused({"name": " "}).field == "[1].name"
    with pytest.raises(InvalidInput, match="body"):
        parse_profiles("profile")
    with pytest.raises(InvalidInput, match="at least 1"):
        parse_profiles([])


def test_every_error_is_listed() -> None:
    error = refused({"name": "", "installedIntegrationId": ""})
    assert error.field == "[1].name"
    assert "[1].installedIntegrationId:" in error.message


def test_exports_with_empty_key_and_operator_are_type_only_rules() -> None:
    exported = {"filterType": "EBS", "key": "", "operator": "", "value": ""}
    assert policy(exported).rules[0].key is None
    assert policy(exported).rules[0].value is None


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        ("(a+)+", True),
        ("(a*)*b", True),
        ("(x+x+)+y", True),
        ("((ab)*c)+", True),
        ("(a{1,5}){2,}", True),
        ("(a+)?", False),
        ("(ab)+", False),
        ("(a|b)*", False),
        ("(a+){3}", True),
        ("(a+){1}", False),
        (r"^web-\d+$", False),
        (r"\(a+\)+", False),  # escaped parentheses are not a group
        ("[(a+)]+", False),  # nor are they in a character class
        ("[]a+]+", False),
        ("a{2}b{,3}", False),
        ("x{", False),
        ("(a+?)+", True),
    ],
)
def test_nested_quantifiers(pattern: str, nested: bool) -> None:
    assert has_nested_quantifier(pattern) is nested


def test_field_path() -> None:
    assert field_path(("body", 0, "policy", "rules", 1, "value")) == "[0].policy.rules[1].value"
    assert field_path(("query", "pageNo")) == "pageNo"
    assert field_path(("body",)) == "body"
    assert field_path(("schedule", "pattern")) == "schedule.pattern"


# --- schedules ---------------------------------------------------------------------------


def schedule(pattern_type: str, pattern: str | None = None, start: str = "00:00:00") -> Schedule:
    return Schedule.model_validate(
        {"patternType": pattern_type, "pattern": pattern, "startTime": start}
    )


@pytest.mark.parametrize(
    ("when", "after", "expected"),
    [
        (schedule("MINUTES", "15"), utc(2024, 5, 1, 10, 7), utc(2024, 5, 1, 10, 15)),
        (schedule("MINUTES", "15"), utc(2024, 5, 1, 10, 15), utc(2024, 5, 1, 10, 30)),
        (schedule("MINUTES", "45", "00:10:00"), utc(2024, 5, 1, 23, 50), utc(2024, 5, 2, 0, 10)),
        (schedule("HOURLY", "2", "02:00:00"), utc(2024, 5, 1, 2, 0), utc(2024, 5, 1, 4, 0)),
        (schedule("HOURLY", "2", "02:00:00"), utc(2024, 5, 1, 23, 30), utc(2024, 5, 2, 0, 0)),
        (schedule("HOURLY", "1", "00:30:00"), utc(2024, 5, 1, 9, 29), utc(2024, 5, 1, 9, 30)),
        (schedule("DAILY", None, "06:00:00"), utc(2024, 5, 1, 6, 0, 1), utc(2024, 5, 2, 6, 0)),
        (schedule("DAILY", "1", "06:00:00"), utc(2024, 5, 1, 5, 0), utc(2024, 5, 1, 6, 0)),
        # Every 3 days on the grid from 1970-01-01: 19844 days to 2024-05-01 (19845 % 3 == 0).
        (schedule("DAILY", "3"), utc(2024, 5, 1, 12, 0), utc(2024, 5, 2, 0, 0)),
        (schedule("DAILY", "3"), utc(2024, 5, 2, 0, 0), utc(2024, 5, 5, 0, 0)),
        # 2024-05-01 is a Wednesday.
        (schedule("WEEKLY", "MON, WED", "09:00:00"), utc(2024, 5, 1, 8), utc(2024, 5, 1, 9)),
        (schedule("WEEKLY", "MON, WED", "09:00:00"), utc(2024, 5, 1, 9), utc(2024, 5, 6, 9)),
        (schedule("WEEKLY", "wed", "09:00:00"), utc(2024, 5, 1, 10), utc(2024, 5, 8, 9)),
        (schedule("WEEKLY", "SUN", "23:59:59"), utc(2024, 12, 30), utc(2025, 1, 5, 23, 59, 59)),
        (schedule("MONTHLY", "1, 15"), utc(2024, 5, 1, 0, 0), utc(2024, 5, 15)),
        (schedule("MONTHLY", "1, 15"), utc(2024, 12, 20), utc(2025, 1, 1)),
        # 31 means the month's last day: February of a leap year, then of a common one.
        (schedule("MONTHLY", "31"), utc(2024, 2, 1), utc(2024, 2, 29)),
        (schedule("MONTHLY", "31"), utc(2023, 2, 1), utc(2023, 2, 28)),
        (schedule("MONTHLY", "30, 31"), utc(2023, 2, 28), utc(2023, 3, 30)),
        (schedule("MONTHLY", "31", "12:00:00"), utc(2024, 4, 30, 12), utc(2024, 5, 31, 12)),
    ],
)
def test_next_run(when: Schedule, after: datetime, expected: datetime) -> None:
    assert next_run(when, after) == expected


def test_catch_up_after_downtime_is_the_first_slot_after_now() -> None:
    every_two_hours = schedule("HOURLY", "2", "02:00:00")
    last_planned = utc(2024, 5, 1, 4, 0)
    back_up = last_planned + timedelta(days=3, minutes=17)
    following = next_run(every_two_hours, back_up)
    assert following == utc(2024, 5, 4, 6, 0)
    assert following - back_up < timedelta(hours=2)


def test_next_run_is_utc_and_needs_an_aware_time() -> None:
    paris_summer = timezone(timedelta(hours=2))
    daily = schedule("DAILY", None, "06:00:00")
    assert next_run(daily, datetime(2024, 5, 1, 7, 30, tzinfo=paris_summer)) == utc(2024, 5, 1, 6)
    with pytest.raises(ValueError, match="aware"):
        next_run(daily, datetime(2024, 5, 1))
