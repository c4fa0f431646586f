"""The c7n side-by-side bench without c7n installed: the type mapping names only real Tether
types and real c7n resources listed by the same operation; policies, accounts, c7n's
output and logs are read as c7n-org writes them; the comparison keys both tools alike."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from bench.c7n.compare import GLOBAL, compare
from bench.c7n.run import accounts_config, policies_config, read_errors, read_found
from bench.c7n.types import (
    C7N_RESOURCES_FILE,
    C7N_TYPES,
    NO_C7N_EQUIVALENT,
    SERVICE_ALIASES,
    c7n_catalog,
    global_types,
    last_segment,
    natural_id_of_arn,
    natural_id_of_c7n,
    policy_name,
    type_of_policy,
)

from tether.catalog.registry import RESOURCE_TYPES

SPECS = {spec.type_code: spec for spec in RESOURCE_TYPES}
ACCOUNT = "111122223333"


def test_every_tether_type_is_mapped_or_excluded_with_a_reason() -> None:
    assert set(C7N_TYPES) <= set(SPECS)
    assert set(NO_C7N_EQUIVALENT) <= set(SPECS)
    assert not set(C7N_TYPES) & set(NO_C7N_EQUIVALENT)
    assert set(C7N_TYPES) | set(NO_C7N_EQUIVALENT) == set(SPECS)
    assert all(reason.strip() for reason in NO_C7N_EQUIVALENT.values())


def test_extracted_catalog_is_of_the_pinned_c7n() -> None:
    pins = tomllib.loads(Path("bench/c7n/pyproject.toml").read_text())["project"]["dependencies"]
    extracted = json.loads(C7N_RESOURCES_FILE.read_text())["c7n"]
    assert f"c7n=={extracted}" in pins


@pytest.mark.parametrize("code", sorted(C7N_TYPES))
def test_c7n_lists_the_same_thing_with_the_same_operation(code: str) -> None:
    spec, catalog = SPECS[code], c7n_catalog()
    for name in C7N_TYPES[code].resources:
        assert name in catalog, f"{name} is not a c7n resource"
        c7n = catalog[name]
        assert c7n["operation"] == spec.list_call.operation, name
        client = spec.service.client_name
        assert c7n["service"] == SERVICE_ALIASES.get(client, client), name


@pytest.mark.parametrize("code", sorted(C7N_TYPES))
def test_natural_id_field_is_c7ns_id_or_an_arn(code: str) -> None:
    c7n_type = C7N_TYPES[code]
    c7n_ids = {c7n_catalog()[name]["id"] for name in c7n_type.resources}
    if c7n_type.id_kind == "arn":
        assert c7n_type.id_field.lower().endswith("arn")
    else:
        assert c7n_ids == {c7n_type.id_field}


def test_global_types_are_tethers_once_per_account_types() -> None:
    assert global_types() == {
        "AWS_S3_BUCKET",
        "CLOUDFRONT",
        "AWS_HOSTED_ZONE",
        "AWS_IAM_ROLE",
        "AWS_IAM_USER",
    }


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", "i-0abc"),
        ("arn:aws:lambda:us-east-1:111122223333:function:resize", "resize"),
        ("arn:aws:s3:::logs-bucket", "logs-bucket"),
        ("arn:aws:iam::111122223333:role/service/app-role", "app-role"),
        ("/hostedzone/Z123", "Z123"),
        ("i-0abc", "i-0abc"),
    ],
)
def test_last_segment(value: str, segment: str) -> None:
    assert last_segment(value) == segment


def test_natural_ids_of_both_tools_meet() -> None:
    zone = C7N_TYPES["AWS_HOSTED_ZONE"]
    assert natural_id_of_c7n({"Id": "/hostedzone/Z123"}, zone) == natural_id_of_arn(
        "arn:aws:route53:::hostedzone/Z123", zone.id_kind
    )
    topic = C7N_TYPES["SNS"]
    arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
    assert natural_id_of_c7n({"TopicArn": arn}, topic) == natural_id_of_arn(arn, "arn") == arn
    with pytest.raises(KeyError):
        natural_id_of_c7n({"Name": "x"}, topic)


def test_policy_names_round_trip_to_their_type() -> None:
    for code, c7n_type in C7N_TYPES.items():
        for resource in c7n_type.resources:
            assert type_of_policy(policy_name(resource)) == code
    with pytest.raises(KeyError):
        type_of_policy("list-sqs")


def test_one_policy_per_c7n_resource_without_filters_or_actions() -> None:
    regions = ["eu-west-1", "us-east-1"]
    policies = policies_config(["DEVICE", "AWS_CLOUDWATCH_ALARM", "AWS_IAM_ROLE"], regions)
    by_name = {p["name"]: p for p in policies["policies"]}
    assert sorted(by_name) == ["list-alarm", "list-composite-alarm", "list-ec2", "list-iam-role"]
    assert all("filters" not in p and "actions" not in p for p in by_name.values())
    # A global type runs in one region only; regional types everywhere.
    assert by_name["list-iam-role"]["conditions"] == [
        {"type": "value", "key": "region", "value": "eu-west-1"}
    ]
    assert "conditions" not in by_name["list-ec2"]


def test_accounts_file_names_each_member_role_with_the_external_id() -> None:
    endpoint = {"role_name": "Reader", "external_id": "ext-1"}
    config = accounts_config(endpoint, [ACCOUNT], ["us-east-1"])
    assert config["accounts"] == [
        {
            "account_id": ACCOUNT,
            "name": ACCOUNT,
            "regions": ["us-east-1"],
            "role": f"arn:aws:iam::{ACCOUNT}:role/Reader",
            "external_id": "ext-1",
        }
    ]


def test_found_is_read_from_c7n_orgs_output_tree(tmp_path: Path) -> None:
    def write(region: str, policy: str, items: list[dict[str, str]]) -> None:
        folder = tmp_path / ACCOUNT / region / policy
        folder.mkdir(parents=True)
        (folder / "resources.json").write_text(json.dumps(items))

    write("us-east-1", "list-ec2", [{"InstanceId": "i-1"}, {"InstanceId": "i-2"}])
    write("eu-west-1", "list-ec2", [])
    write("us-east-1", "list-alarm", [{"AlarmName": "cpu"}])
    write("us-east-1", "list-composite-alarm", [{"AlarmName": "any"}])
    found = read_found(
        tmp_path,
        ["DEVICE", "AWS_CLOUDWATCH_ALARM"],
        [ACCOUNT],
        ["us-east-1", "eu-west-1", "ap-south-1"],
    )
    assert found == {
        ("DEVICE", ACCOUNT, "us-east-1"): {"i-1", "i-2"},
        ("DEVICE", ACCOUNT, "eu-west-1"): set(),
        ("AWS_CLOUDWATCH_ALARM", ACCOUNT, "us-east-1"): {"cpu", "any"},
    }


def test_every_warning_and_error_of_the_log_is_kept() -> None:
    log = "\n".join(
        [
            "2026-11-28 12:00:00,001: c7n_org:INFO Ran account:1 region:us-east-1 policy:list-ec2 "
            "matched:2 time:0.10",
            "2026-11-28 12:00:00,002: c7n_org:ERROR Exception running policy:list-sns "
            "account:111122223333 region:eu-west-1 error:'Attributes'",
            "Traceback (most recent call last):",
            '  File "x.py", line 1',
            "2026-11-28 12:00:00,003: c7n_org:WARNING Error running policy in 111122223333 @ "
            "us-east-1 exception: boom",
            "2026-11-28 12:00:00,004: custodian.s3:WARNING Bucket:b unable to invoke method:x",
            "2026-11-28 12:00:00,005: c7n_org:INFO Policy resource counts Counter()",
        ]
    )
    errors = read_errors(log)
    assert [(e.policy, e.account, e.region) for e in errors] == [
        ("list-sns", ACCOUNT, "eu-west-1"),
        (None, ACCOUNT, "us-east-1"),
        (None, None, None),
    ]
    assert errors[0].message.endswith('File "x.py", line 1')
    assert errors[2].message.startswith("custodian.s3: Bucket:b")


def test_compare_keys_rows_and_c7n_findings_alike() -> None:
    rows = [
        {
            "arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1",
            "resource_type": "DEVICE",
            "account_id": ACCOUNT,
            "region": "us-east-1",
        },
        {
            "arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-2",
            "resource_type": "DEVICE",
            "account_id": ACCOUNT,
            "region": "us-east-1",
        },
        # Tether records a bucket under its own region, c7n under the policy's.
        {
            "arn": "arn:aws:s3:::logs",
            "resource_type": "AWS_S3_BUCKET",
            "account_id": ACCOUNT,
            "region": "eu-west-1",
        },
        {
            "arn": "arn:aws:sqs:us-east-1:1:q",
            "resource_type": "SQS",
            "account_id": ACCOUNT,
            "region": "us-east-1",
        },
    ]
    found = {
        ("DEVICE", ACCOUNT, "us-east-1"): {"i-1", "i-3"},
        ("AWS_S3_BUCKET", ACCOUNT, "us-east-1"): {"logs"},
    }
    result = compare(rows, found, ["DEVICE", "AWS_S3_BUCKET", "LAMBDA"])
    assert result["DEVICE"].both == {(ACCOUNT, "us-east-1", "i-1")}
    assert result["DEVICE"].only_tether == {(ACCOUNT, "us-east-1", "i-2")}
    assert result["DEVICE"].only_c7n == {(ACCOUNT, "us-east-1", "i-3")}
    assert result["AWS_S3_BUCKET"].both == {(ACCOUNT, GLOBAL, "logs")}
    assert result["AWS_S3_BUCKET"].same
    assert result["LAMBDA"].same
    assert "SQS" not in result
