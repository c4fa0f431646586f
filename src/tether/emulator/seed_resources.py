"""Known resources seeded into one account and region of moto, kept as ground truth.

Names are fixed (bucket names add the account id and region, as S3 names are global), so
a test can compare what an inventory found against exactly what was created.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.awsrequest import AWSRequest

SEEDED_TYPES = (
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Instance",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
)


@dataclass(frozen=True)
class SeededResource:
    """One resource the builder created. `resource_type` is the CloudFormation type name."""

    account_id: str
    region: str
    resource_type: str
    resource_id: str
    arn: str
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


class AccountClients:
    """boto3 clients straight to moto, shared by every account the builder acts as.

    A client per (service, region) serves all accounts: the account of a call is the one the
    calling thread set with `acting_as`, sent as moto's `x-moto-account-id` header. That
    avoids building a client per account, which costs more than the calls themselves.
    """

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        # moto ignores these keys: x-moto-account-id decides the account.
        self._session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def acting_as(self, account_id: str) -> Iterator[None]:
        previous = getattr(self._local, "account_id", None)
        self._local.account_id = account_id
        try:
            yield
        finally:
            self._local.account_id = previous

    def get(self, service: Any, region: str = "us-east-1") -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self._session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url
                )
                client.meta.events.register("before-sign", self._set_account_header)
                self._clients[(service, region)] = client
            return client

    def _set_account_header(self, request: AWSRequest, **_: Any) -> None:
        account_id = getattr(self._local, "account_id", None)
        if account_id is None:
            raise RuntimeError("call made outside AccountClients.acting_as(...)")
        request.headers["x-moto-account-id"] = account_id


def _tag_list(tags: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags]


class RegionSeeder:
    """Creates the seeded resources of one account and region, recording each."""

    def __init__(
        self,
        clients: AccountClients,
        account_id: str,
        region: str,
        environment: str,
        prefix: str,
        primary: bool = True,
    ) -> None:
        self.clients, self.account_id, self.region = clients, account_id, region
        self.prefix = prefix
        # The account's first region: where its global resources (IAM, Route 53,
        # CloudFront) are seeded, once per account.
        self.primary = primary
        self.tags = [("Environment", environment), ("Owner", "platform")]
        self.found: list[SeededResource] = []

    def record(
        self, kind: str, rid: str, arn: str, tags: list[tuple[str, str]], region: str | None = None
    ) -> None:
        """Note one resource; ``region="global"`` for a global service's (IAM, Route 53)."""
        resource = SeededResource(
            self.account_id, region or self.region, kind, rid, arn, tuple(sorted(tags))
        )
        self.found.append(resource)

    def client(self, service: str) -> Any:
        """A moto client of this seeder's region (call inside ``seed``)."""
        return self.clients.get(service, self.region)

    def seed(self, instances: int, catalog: bool = False) -> list[SeededResource]:
        """The base set (network, instances, bucket, queue, table); with ``catalog``, a
        known number of every other type of the catalog that moto emulates."""
        with self.clients.acting_as(self.account_id):
            self.seed_ec2(instances)
            self.seed_s3()
            self.seed_sqs()
            self.seed_dynamodb()
            if catalog:
                from tether.emulator.seeding import CATALOG_SEEDERS

                for seeder in CATALOG_SEEDERS:
                    seeder(self)
        return self.found

    def seed_ec2(self, instance_count: int) -> None:
        ec2 = self.clients.get("ec2", self.region)
        arn = f"arn:aws:ec2:{self.region}:{self.account_id}"

        def create(kind: str, name: str, call: Any, **kwargs: Any) -> Any:
            tags = [("Name", name), *self.tags]
            spec = [{"ResourceType": kind, "Tags": _tag_list(tags)}]
            return call(TagSpecifications=spec, **kwargs), tags

        vpc, tags = create("vpc", f"{self.prefix}-vpc", ec2.create_vpc, CidrBlock="10.20.0.0/16")
        vpc_id = vpc["Vpc"]["VpcId"]
        self.record("AWS::EC2::VPC", vpc_id, f"{arn}:vpc/{vpc_id}", tags)
        subnet, tags = create(
            "subnet",
            f"{self.prefix}-subnet-a",
            ec2.create_subnet,
            VpcId=vpc_id,
            CidrBlock="10.20.1.0/24",
            AvailabilityZone=f"{self.region}a",
        )
        subnet_id = subnet["Subnet"]["SubnetId"]
        self.record("AWS::EC2::Subnet", subnet_id, f"{arn}:subnet/{subnet_id}", tags)
        group, tags = create(
            "security-group",
            f"{self.prefix}-web",
            ec2.create_security_group,
            GroupName=f"{self.prefix}-web",
            Description="tether seeded web tier",
            VpcId=vpc_id,
        )
        group_id = group["GroupId"]
        self.record("AWS::EC2::SecurityGroup", group_id, f"{arn}:security-group/{group_id}", tags)
        # Every second instance is untagged: an inventory must not depend on tags.
        tagged = (instance_count + 1) // 2
        launch = {
            "ImageId": "ami-12c6146b",
            "InstanceType": "t3.micro",
            "SubnetId": subnet_id,
            "SecurityGroupIds": [group_id],
        }
        batches = []
        if tagged:
            reservation, tags = create(
                "instance",
                f"{self.prefix}-app",
                ec2.run_instances,
                MinCount=tagged,
                MaxCount=tagged,
                **launch,
            )
            batches.append((reservation, tags))
        if instance_count - tagged:
            count = instance_count - tagged
            batches.append((ec2.run_instances(MinCount=count, MaxCount=count, **launch), []))
        for reservation, tags in batches:
            for instance in reservation["Instances"]:
                iid = instance["InstanceId"]
                self.record("AWS::EC2::Instance", iid, f"{arn}:instance/{iid}", tags)

    def seed_s3(self) -> None:
        s3 = self.clients.get("s3", self.region)
        bucket = f"{self.prefix}-{self.account_id}-{self.region}"
        location: dict[str, Any] = {}
        if self.region != "us-east-1":
            location["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        s3.create_bucket(Bucket=bucket, **location)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_list(self.tags)})
        self.record("AWS::S3::Bucket", bucket, f"arn:aws:s3:::{bucket}", self.tags)

    def seed_sqs(self) -> None:
        queue = f"{self.prefix}-events"
        self.clients.get("sqs", self.region).create_queue(QueueName=queue, tags=dict(self.tags))
        arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{queue}"
        self.record("AWS::SQS::Queue", queue, arn, self.tags)

    def seed_dynamodb(self) -> None:
        table = self.clients.get("dynamodb", self.region).create_table(
            TableName=f"{self.prefix}-inventory",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=_tag_list(self.tags),
        )["TableDescription"]
        self.record("AWS::DynamoDB::Table", table["TableName"], table["TableArn"], self.tags)
