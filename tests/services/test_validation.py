"""Install-time validation on the emulated organization, through the fault proxy."""

from __future__ import annotations

import time

import pytest

from tests.emulator.plugin import EmulatorClients
from tether.aws.regions import RegionSelection
from tether.aws.sessions import AwsSessions, AwsSettings
from tether.domain.credentials import AccessKey, AwsCredential, IamAssumeRole, IamKeys, RoleTarget
from tether.domain.validation import Outcome, ValidationReport
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.services.validation import ValidationOptions, validate_credential

REGIONS = RegionSelection.parse("us-east-1,eu-west-1,ap-southeast-2")
FAST = ValidationOptions(propagation_seconds=0.5)


@pytest.fixture
def sessions(aws_faults: FaultProxy) -> AwsSessions:
    return AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))


def _credential(
    org: EmulatedOrganization,
    account: str | None = None,
    external_id: str | None = "",
    account_number: str | None = None,
) -> IamAssumeRole:
    account = account or org.onboarded_member_ids[0]
    return IamAssumeRole(
        account_number=account_number or org.trusted_account_id,
        key=AccessKey(org.trusted_keys.access_key_id, org.trusted_keys.secret_access_key),
        target=RoleTarget(
            org.role_arns[account], org.external_id if external_id == "" else external_id
        ),
    )


def _step(report: ValidationReport, name: str) -> tuple[Outcome, str]:
    step = next(s for s in report.steps if s.step == name)
    return step.outcome, step.reason


def test_a_good_credential_passes_every_step(
    sessions: AwsSessions, aws_org: EmulatedOrganization
) -> None:
    seen: list[str] = []
    credential = _credential(aws_org)
    report = validate_credential(
        sessions, credential, REGIONS, listener=lambda s: seen.append(s.step)
    )
    assert report.ok, report.failures
    assert [s.step for s in report.steps] == seen
    assert _step(report, "credentials")[0] is Outcome.PASSED
    assert _step(report, "account_number")[0] is Outcome.PASSED
    assert _step(report, "assume_role") == (Outcome.PASSED, f"assumed {credential.role.role_arn}")
    assert report.monitored_account == credential.role.account_id
    assert report.selected_regions == REGIONS.names
    assert [c.outcome for c in report.regions] == [Outcome.PASSED] * 3
    by_service = {c.service: c for c in report.permissions}
    for service in ("ec2", "s3", "sqs", "dynamodb", "iam", "lambda", "rds", "sns"):
        assert by_service[service].outcome is Outcome.PASSED, by_service[service]


def test_keys_of_another_account_are_named(
    sessions: AwsSessions, aws_org: EmulatedOrganization
) -> None:
    credential = _credential(aws_org, account_number="999999999999")
    report = validate_credential(sessions, credential, REGIONS, FAST)
    assert not report.ok
    outcome, reason = _step(report, "account_number")
    assert outcome is Outcome.FAILED
    assert f"belong to account {aws_org.trusted_account_id}, not 999999999999" in reason
    assert "trusted account" in reason
    assert "assume_role" not in [s.step for s in report.steps]


@pytest.mark.parametrize(
    ("external_id", "hint"), [("wrong-external-id", "External ID given"), (None, "none was given")]
)
def test_a_refused_external_id_fails_assume_role(
    sessions: AwsSessions, aws_org: EmulatedOrganization, external_id: str | None, hint: str
) -> None:
    report = validate_credential(
        sessions, _credential(aws_org, external_id=external_id), REGIONS, FAST
    )
    assert not report.ok
    step = next(s for s in report.steps if s.step == "assume_role")
    assert (step.outcome, step.error_code) == (Outcome.FAILED, "AccessDenied")
    assert hint in step.reason
    assert "not authorized to perform: sts:AssumeRole" in step.reason


def test_a_role_that_propagates_late_is_waited_for(
    sessions: AwsSessions, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    credential = _credential(aws_org)
    aws_faults.add_rule(
        "access_denied",
        service="sts",
        action="AssumeRole",
        role_arn=credential.role.role_arn,
        duration_seconds=10,
    )
    started = time.monotonic()
    report = validate_credential(
        sessions, credential, REGIONS, ValidationOptions(propagation_seconds=30)
    )
    elapsed = time.monotonic() - started
    assert report.ok, report.failures
    outcome, reason = _step(report, "assume_role")
    assert outcome is Outcome.PASSED
    assert "IAM propagation" in reason
    assert 9 <= elapsed < 30


@pytest.mark.parametrize(
    ("fault", "options", "expected"),
    [
        ("access_denied", {"wording": "iam"}, "access denied by IAM"),
        ("access_denied", {"wording": "scp"}, "denied by a service control policy"),
        ("region_disabled", {}, "region not enabled for this account"),
    ],
)
def test_one_bad_region_fails_all_and_is_named(
    sessions: AwsSessions,
    aws_org: EmulatedOrganization,
    aws_faults: FaultProxy,
    fault: str,
    options: dict[str, str],
    expected: str,
) -> None:
    member = aws_org.onboarded_member_ids[0]
    aws_faults.add_rule(fault, account_id=member, region="eu-west-1", service="ec2", **options)
    report = validate_credential(sessions, _credential(aws_org, member), REGIONS, FAST)
    assert not report.ok
    failed = [c for c in report.regions if c.outcome is Outcome.FAILED]
    assert [c.region for c in failed] == ["eu-west-1"]
    assert expected in failed[0].reason
    outcome, reason = [(s.outcome, s.reason) for s in report.steps if s.step == "regions"][-1]
    assert outcome is Outcome.FAILED
    assert "fails for all 3 selected regions" in reason
    assert "eu-west-1: " + expected in reason


def test_sts_not_active_in_a_region_is_named(
    sessions: AwsSessions, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    member = aws_org.onboarded_member_ids[0]
    aws_faults.add_rule(
        "region_disabled",
        region="ap-southeast-2",
        service="sts",
        action="GetCallerIdentity",
        account_id=member,
    )
    report = validate_credential(sessions, _credential(aws_org, member), REGIONS, FAST)
    failed = [c for c in report.regions if c.outcome is Outcome.FAILED]
    assert [c.region for c in failed] == ["ap-southeast-2"]
    assert failed[0].reason.startswith(("STS is not active", "region not enabled"))


def test_a_denied_service_is_a_partial_authorization_not_a_failure(
    sessions: AwsSessions, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    member = aws_org.onboarded_member_ids[0]
    aws_faults.add_rule("access_denied", account_id=member, service="sqs", wording="scp")
    report = validate_credential(sessions, _credential(aws_org, member), REGIONS, FAST)
    assert report.ok
    sqs = next(c for c in report.permissions if c.service == "sqs")
    assert (sqs.outcome, sqs.action) == (Outcome.FAILED, "sqs:ListQueues")
    assert "service control policy" in sqs.reason
    outcome, reason = _step(report, "permissions")
    assert outcome is Outcome.WARNING
    assert "Amazon SQS (sqs:ListQueues)" in reason
    assert report.authorization == "partial"


def test_iam_keys_of_the_monitored_account(
    sessions: AwsSessions, aws_org: EmulatedOrganization, moto_clients: EmulatorClients
) -> None:
    member = aws_org.onboarded_member_ids[0]
    iam = moto_clients.as_account("iam", member)
    user = f"tether-keys-{time.time_ns()}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    try:
        credential: AwsCredential = IamKeys(
            account_number=member, key=AccessKey(key["AccessKeyId"], key["SecretAccessKey"])
        )
        report = validate_credential(sessions, credential, RegionSelection.parse("us-east-1"), FAST)
        assert report.ok, report.failures
        assert "assume_role" not in [s.step for s in report.steps]
        assert report.monitored_account == member
    finally:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=user)


def test_all_regions_excludes_those_not_enabled(
    sessions: AwsSessions, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    member = aws_org.onboarded_member_ids[0]
    aws_faults.set_disabled_regions(["af-south-1", "me-south-1"], account_id=member)
    report = validate_credential(
        sessions, _credential(aws_org, member), RegionSelection.parse("All"), FAST
    )
    assert report.ok, report.failures
    assert set(report.excluded_regions) == {"af-south-1", "me-south-1"}
    assert "af-south-1" not in report.selected_regions
    assert {"us-east-1", "eu-west-1", "il-central-1"} <= set(report.selected_regions)
    reasons = [s.reason for s in report.steps if s.step == "regions"]
    assert "not enabled, so excluded from All: af-south-1, me-south-1" in reasons


def test_a_selected_region_not_enabled_fails_the_install(
    sessions: AwsSessions, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    member = aws_org.onboarded_member_ids[0]
    aws_faults.set_disabled_regions(["af-south-1"], account_id=member)
    selection = RegionSelection.parse("us-east-1,af-south-1")
    report = validate_credential(sessions, _credential(aws_org, member), selection, FAST)
    assert not report.ok
    failed = {c.region: c.reason for c in report.regions if c.outcome is Outcome.FAILED}
    assert failed == {"af-south-1": "region not enabled for this account (opt-in)"}


@pytest.mark.parametrize(
    ("access_key_id", "secret", "code"),
    [
        ("AKIAUNKNOWNKEY000000", None, "InvalidClientTokenId"),
        (None, "wrong-secret-wrong-secret-wrong-secret00", "SignatureDoesNotMatch"),
    ],
)
def test_bad_keys_fail_the_first_step(
    sessions: AwsSessions,
    aws_org: EmulatedOrganization,
    access_key_id: str | None,
    secret: str | None,
    code: str,
) -> None:
    good = _credential(aws_org)
    bad = IamAssumeRole(
        account_number=good.account_number,
        key=AccessKey(
            access_key_id or good.key.access_key_id, secret or good.key.secret_access_key
        ),
        target=good.target,
    )
    report = validate_credential(sessions, bad, REGIONS, FAST)
    assert not report.ok
    assert [s.step for s in report.steps] == ["credentials"]
    step = report.steps[0]
    assert (step.outcome, step.error_code) == (Outcome.FAILED, code)
    assert step.reason.startswith("the access key and secret did not work: credentials not valid")
