"""Seeders of the application, edge, identity and platform types (see
``tether.emulator.seeding``).

One or two of each type per region, some untagged; global ones (CloudFront, Route 53, IAM)
once per account, in its primary region. They run after every other seeder, so the
types that moto or other seeders also create (IAM roles, KMS keys, secrets, alarms, the
``default`` event bus) end by recording whatever moto holds beyond what was seeded here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tether.emulator.seed_resources import RegionSeeder

REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"
DISTRIBUTION = "AWS::CloudFront::Distribution"
HOSTED_ZONE = "AWS::Route53::HostedZone"
ROLE = "AWS::IAM::Role"
USER = "AWS::IAM::User"
KMS_KEY = "AWS::KMS::Key"
SECRET = "AWS::SecretsManager::Secret"  # noqa: S105 (a type name)
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
EVENT_BUS = "AWS::Events::EventBus"
ALARM = "AWS::CloudWatch::Alarm"
REPOSITORY = "AWS::ECR::Repository"
GLUE_JOB = "AWS::Glue::Job"
ENDPOINT = "AWS::SageMaker::Endpoint"
ENVIRONMENT = "AWS::ElasticBeanstalk::Environment"
USER_POOL = "AWS::Cognito::UserPool"

GLOBAL = "global"
Tags = list[tuple[str, str]]


def _tag_list(tags: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]


def _pairs(tags: Iterable[dict[str, Any]] | None, key: str = "Key", value: str = "Value") -> Tags:
    return [(str(tag[key]), str(tag.get(value) or "")) for tag in tags or []]


def _first(seeder: RegionSeeder, kind: str) -> str | None:
    """The id of the first ``kind`` recorded in this seeder's region (the base set's)."""
    found = (r for r in seeder.found if r.resource_type == kind and r.region == seeder.region)
    return next((r.resource_id for r in found), None)


def _record_unseen(
    seeder: RegionSeeder,
    kind: str,
    found: Iterable[tuple[str, str]],
    tags_of: Callable[[str], Tags],
    region: str | None = None,
) -> None:
    """Record each ``(id, arn)`` moto holds that nothing recorded yet, tags read from moto."""
    known = {r.arn for r in seeder.found if r.resource_type == kind}
    for resource_id, arn in found:
        if arn not in known:
            seeder.record(kind, resource_id, arn, tags_of(resource_id), region=region)


def seed_apis(seeder: RegionSeeder) -> None:
    """A REST API and an HTTP API, tagged; a WebSocket API, untagged."""
    region = seeder.region
    rest = seeder.client("apigateway").create_rest_api(
        name=f"{seeder.prefix}-orders", tags=dict(seeder.tags)
    )
    seeder.record(
        REST_API, rest["id"], f"arn:aws:apigateway:{region}::/restapis/{rest['id']}", seeder.tags
    )
    v2 = seeder.client("apigatewayv2")
    http = v2.create_api(
        Name=f"{seeder.prefix}-catalog", ProtocolType="HTTP", Tags=dict(seeder.tags)
    )
    socket = v2.create_api(
        Name=f"{seeder.prefix}-live",
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
    )
    for api, tags in ((http, seeder.tags), (socket, [])):
        arn = f"arn:aws:apigateway:{region}::/apis/{api['ApiId']}"
        seeder.record(HTTP_API, api["ApiId"], arn, tags)


def _distribution_config(seeder: RegionSeeder, reference: str, origin: str) -> dict[str, Any]:
    """An S3 origin when ``origin`` is a bucket's endpoint, else a custom (HTTP) one."""
    origin_config: dict[str, Any] = (
        {"S3OriginConfig": {"OriginAccessIdentity": ""}}
        if ".s3." in origin
        else {
            "CustomOriginConfig": {
                "HTTPPort": 80,
                "HTTPSPort": 443,
                "OriginProtocolPolicy": "https-only",
            }
        }
    )
    return {
        "CallerReference": f"{seeder.prefix}-{reference}",
        "Comment": f"{seeder.prefix} {reference}",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [{"Id": "origin", "DomainName": origin, **origin_config}],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "origin",
            "ViewerProtocolPolicy": "redirect-to-https",
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "MinTTL": 0,
        },
    }


def seed_edge(seeder: RegionSeeder) -> None:
    """Global, once per account: a tagged distribution in front of the seeded bucket and an
    untagged one; a tagged public hosted zone and an untagged private one."""
    if not seeder.primary:
        return
    cloudfront = seeder.client("cloudfront")
    bucket = _first(seeder, "AWS::S3::Bucket") or "example-assets"
    tagged = cloudfront.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": _distribution_config(
                seeder, "assets", f"{bucket}.s3.amazonaws.com"
            ),
            "Tags": {"Items": _tag_list(seeder.tags)},
        }
    )["Distribution"]
    plain = cloudfront.create_distribution(
        DistributionConfig=_distribution_config(seeder, "downloads", "downloads.example.com")
    )["Distribution"]
    for distribution, tags in ((tagged, seeder.tags), (plain, [])):
        seeder.record(DISTRIBUTION, distribution["Id"], distribution["ARN"], tags, region=GLOBAL)

    route53 = seeder.client("route53")
    domain = f"{seeder.prefix}-{seeder.account_id}.example.com"
    public = route53.create_hosted_zone(Name=domain, CallerReference=f"{domain}-public")
    public_id = public["HostedZone"]["Id"].rsplit("/", 1)[-1]
    route53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=public_id, AddTags=_tag_list(seeder.tags)
    )
    private = route53.create_hosted_zone(
        Name=f"internal.{domain}",
        CallerReference=f"{domain}-private",
        HostedZoneConfig={"PrivateZone": True, "Comment": "service discovery"},
        VPC={"VPCRegion": seeder.region, "VPCId": _first(seeder, "AWS::EC2::VPC") or ""},
    )
    private_id = private["HostedZone"]["Id"].rsplit("/", 1)[-1]
    for zone_id, tags in ((public_id, seeder.tags), (private_id, [])):
        arn = f"arn:aws:route53:::hostedzone/{zone_id}"
        seeder.record(HOSTED_ZONE, zone_id, arn, tags, region=GLOBAL)


def seed_identity(seeder: RegionSeeder) -> None:
    """Global, once per account: a tagged role and an untagged user; then every role and
    user the account holds (the onboarding role, OrganizationAccountAccessRole, the roles
    other seeders made in this region before this runs)."""
    if not seeder.primary:
        return
    iam = seeder.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(
        RoleName=f"{seeder.prefix}-automation",
        Path="/service-role/",
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="Runs the seeded state machines",
        Tags=_tag_list(seeder.tags),
    )["Role"]
    seeder.record(ROLE, role["RoleName"], role["Arn"], seeder.tags, region=GLOBAL)
    user = iam.create_user(UserName=f"{seeder.prefix}-deployer")["User"]
    seeder.record(USER, user["UserName"], user["Arn"], [], region=GLOBAL)

    page = {"MaxItems": 1000}
    _record_unseen(
        seeder,
        ROLE,
        ((r["RoleName"], r["Arn"]) for r in iam.list_roles(**page)["Roles"]),
        lambda name: _pairs(iam.list_role_tags(RoleName=name, **page)["Tags"]),
        region=GLOBAL,
    )
    _record_unseen(
        seeder,
        USER,
        ((u["UserName"], u["Arn"]) for u in iam.list_users(**page)["Users"]),
        lambda name: _pairs(iam.list_user_tags(UserName=name, **page)["Tags"]),
        region=GLOBAL,
    )


def seed_keys_and_secrets(seeder: RegionSeeder) -> None:
    """A tagged KMS key, an untagged key pending deletion, a tagged secret encrypted with
    the tagged key and an untagged one; then the keys and secrets moto or other seeders
    made here."""
    kms = seeder.client("kms")
    key = kms.create_key(
        Description=f"{seeder.prefix} application data",
        Tags=[{"TagKey": name, "TagValue": value} for name, value in seeder.tags],
    )["KeyMetadata"]
    retired = kms.create_key(Description=f"{seeder.prefix} retired")["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=retired["KeyId"], PendingWindowInDays=7)
    for metadata, tags in ((key, seeder.tags), (retired, [])):
        seeder.record(KMS_KEY, metadata["KeyId"], metadata["Arn"], tags)
    _record_unseen(
        seeder,
        KMS_KEY,
        ((k["KeyId"], k["KeyArn"]) for k in kms.list_keys(Limit=1000)["Keys"]),
        lambda key_id: _pairs(
            kms.list_resource_tags(KeyId=key_id)["Tags"], key="TagKey", value="TagValue"
        ),
    )

    secrets = seeder.client("secretsmanager")
    tagged = secrets.create_secret(
        Name=f"{seeder.prefix}/orders/database",
        Description="Orders database credentials",
        KmsKeyId=key["Arn"],
        SecretString=json.dumps({"username": "orders", "password": "not-a-real-password"}),
        Tags=_tag_list(seeder.tags),
    )
    plain = secrets.create_secret(
        Name=f"{seeder.prefix}/webhook-token", SecretString="not-a-real-token"
    )
    for secret, tags in ((tagged, seeder.tags), (plain, [])):
        seeder.record(SECRET, secret["Name"], secret["ARN"], tags)
    listed = secrets.list_secrets(MaxResults=100)["SecretList"]
    tags_by_arn = {s["ARN"]: _pairs(s.get("Tags")) for s in listed}
    _record_unseen(
        seeder, SECRET, ((s["ARN"], s["ARN"]) for s in listed), lambda arn: tags_by_arn[arn]
    )


def seed_workflows(seeder: RegionSeeder) -> None:
    """A tagged state machine; a tagged event bus beside the ``default`` one AWS (and moto)
    keeps in every region."""
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = seeder.client("stepfunctions").create_state_machine(
        name=f"{seeder.prefix}-fulfilment",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{seeder.account_id}:role/service-role/{seeder.prefix}-automation",
        tags=[{"key": key, "value": value} for key, value in seeder.tags],
    )
    arn = machine["stateMachineArn"]
    seeder.record(STATE_MACHINE, arn.rsplit(":", 1)[-1], arn, seeder.tags)

    events = seeder.client("events")
    bus = events.create_event_bus(Name=f"{seeder.prefix}-orders", Tags=_tag_list(seeder.tags))
    seeder.record(EVENT_BUS, f"{seeder.prefix}-orders", bus["EventBusArn"], seeder.tags)
    buses = events.list_event_buses(Limit=100)["EventBuses"]
    arns = {b["Name"]: b["Arn"] for b in buses}
    _record_unseen(
        seeder,
        EVENT_BUS,
        arns.items(),
        lambda name: _pairs(events.list_tags_for_resource(ResourceARN=arns[name])["Tags"]),
    )


def seed_alarms(seeder: RegionSeeder) -> None:
    """A tagged alarm on a seeded instance's CPU and an untagged one on the queue's depth;
    then any alarm other seeders' scaling policies made."""
    cloudwatch = seeder.client("cloudwatch")
    common: dict[str, Any] = {
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 2,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    # The base set may have no instance; its queue is always there.
    instance = _first(seeder, "AWS::EC2::Instance")
    queue = _first(seeder, "AWS::SQS::Queue") or f"{seeder.prefix}-events"
    alarms: list[tuple[str, dict[str, Any], Tags]] = [
        (
            f"{seeder.prefix}-app-cpu-high",
            {
                "Namespace": "AWS/EC2",
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "InstanceId", "Value": instance}] if instance else [],
                "Threshold": 80.0,
                "Tags": _tag_list(seeder.tags),
            },
            seeder.tags,
        ),
        (
            f"{seeder.prefix}-events-backlog",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": queue}],
                "Threshold": 1000.0,
            },
            [],
        ),
    ]
    prefix = f"arn:aws:cloudwatch:{seeder.region}:{seeder.account_id}:alarm:"
    for name, metric, tags in alarms:
        cloudwatch.put_metric_alarm(AlarmName=name, **metric, **common)
        seeder.record(ALARM, name, prefix + name, tags)
    listed = cloudwatch.describe_alarms(
        MaxRecords=100, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    _record_unseen(
        seeder,
        ALARM,
        (
            (alarm["AlarmName"], alarm["AlarmArn"])
            for alarm in [*listed["MetricAlarms"], *listed.get("CompositeAlarms", [])]
        ),
        lambda name: _pairs(cloudwatch.list_tags_for_resource(ResourceARN=prefix + name)["Tags"]),
    )


def seed_repositories_and_jobs(seeder: RegionSeeder) -> None:
    """A tagged ECR repository and an untagged one; a tagged Glue job and an untagged one."""
    ecr = seeder.client("ecr")
    for name, tags in ((f"{seeder.prefix}/web", seeder.tags), (f"{seeder.prefix}/worker", [])):
        repository = ecr.create_repository(
            repositoryName=name, **({"tags": _tag_list(tags)} if tags else {})
        )["repository"]
        seeder.record(REPOSITORY, name, repository["repositoryArn"], tags)

    glue = seeder.client("glue")
    role = f"arn:aws:iam::{seeder.account_id}:role/service-role/{seeder.prefix}-automation"
    jobs: tuple[tuple[str, str, list[tuple[str, str]]], ...] = (
        (f"{seeder.prefix}-nightly-export", "glueetl", seeder.tags),
        (f"{seeder.prefix}-compact", "pythonshell", []),
    )
    for name, command, tags in jobs:
        script = f"s3://{seeder.prefix}-scripts/{name}.py"
        glue.create_job(
            Name=name,
            Role=role,
            Command={"Name": command, "ScriptLocation": script},
            **({"Tags": dict(tags)} if tags else {}),
        )
        arn = f"arn:aws:glue:{seeder.region}:{seeder.account_id}:job/{name}"
        seeder.record(GLUE_JOB, name, arn, tags)


def seed_applications(seeder: RegionSeeder) -> None:
    """A tagged SageMaker endpoint, Beanstalk environment and Cognito user pool; in the
    primary region one more of each, untagged."""
    count = 2 if seeder.primary else 1
    sagemaker = seeder.client("sagemaker")
    model = f"{seeder.prefix}-ranker"
    sagemaker.create_model(
        ModelName=model,
        ExecutionRoleArn=f"arn:aws:iam::{seeder.account_id}:role/{seeder.prefix}-sagemaker",
        PrimaryContainer={
            "Image": f"{seeder.account_id}.dkr.ecr.{seeder.region}.amazonaws.com/ranker:1"
        },
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=model,
        ProductionVariants=[
            {
                "VariantName": "primary",
                "ModelName": model,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.t2.medium",
            }
        ],
    )
    beanstalk = seeder.client("elasticbeanstalk")
    application = f"{seeder.prefix}-storefront"
    beanstalk.create_application(ApplicationName=application)
    cognito = seeder.client("cognito-idp")
    for index, tags in enumerate([seeder.tags, []][:count]):
        suffix = "" if index == 0 else "-staging"
        extra: dict[str, Any] = {"Tags": _tag_list(tags)} if tags else {}
        endpoint = sagemaker.create_endpoint(
            EndpointName=f"{model}{suffix}", EndpointConfigName=model, **extra
        )
        seeder.record(ENDPOINT, f"{model}{suffix}", endpoint["EndpointArn"], tags)

        environment = beanstalk.create_environment(
            ApplicationName=application,
            EnvironmentName=f"{seeder.prefix}-web{suffix}",
            SolutionStackName="64bit Amazon Linux 2023 v4.3.0 running Python 3.12",
            **extra,
        )
        seeder.record(
            ENVIRONMENT, environment["EnvironmentName"], environment["EnvironmentArn"], tags
        )

        pool = cognito.create_user_pool(
            PoolName=f"{seeder.prefix}-customers{suffix}",
            **({"UserPoolTags": dict(tags)} if tags else {}),
        )["UserPool"]
        seeder.record(USER_POOL, pool["Id"], pool["Arn"], tags)


# The CloudFormation types these seeders create (ground truth must hold each).
TYPES: tuple[str, ...] = (
    REST_API,
    HTTP_API,
    DISTRIBUTION,
    HOSTED_ZONE,
    ROLE,
    USER,
    KMS_KEY,
    SECRET,
    STATE_MACHINE,
    EVENT_BUS,
    ALARM,
    REPOSITORY,
    GLUE_JOB,
    ENDPOINT,
    ENVIRONMENT,
    USER_POOL,
)
SEEDERS: tuple[Callable[[RegionSeeder], None], ...] = (
    seed_apis,
    seed_edge,
    seed_identity,
    seed_keys_and_secrets,
    seed_workflows,
    seed_alarms,
    seed_repositories_and_jobs,
    seed_applications,
)
