"""What a resource type is, as data: the only place that names AWS operations.

A ``Service`` is one AWS API (its boto3 client, IAM prefix, whether it is global, and the
harmless read that proves access to it). A ``ResourceSpec`` is one resource type of a
service: the call that lists it and how to read an item. The generated IAM policy is the
union of every ``Call``'s IAM action, so it always equals what Tether calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tether.domain.resources import ResourceRecord

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Call:
    """One AWS API operation as Tether calls it."""

    operation: str  # botocore's name, e.g. "DescribeInstances"
    params: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    # JMESPath to the list of items in one response page.
    result_path: str = ""
    # The IAM action when it is not "<iam prefix>:<operation>" (s3 ListBuckets is
    # s3:ListAllMyBuckets).
    iam_action: str | None = None

    def action(self, iam_prefix: str) -> str:
        return self.iam_action or f"{iam_prefix}:{self.operation}"


@dataclass(frozen=True, slots=True)
class Service:
    client_name: str  # boto3's name, e.g. "ec2", "elbv2"
    iam_prefix: str  # IAM's, e.g. "ec2", "elasticloadbalancing"
    title: str
    probe: Call  # a harmless read: may Tether use this service here?
    is_global: bool = False  # IAM, S3 ListBuckets, Route 53, CloudFront: once per account

    @property
    def probe_action(self) -> str:
        return self.probe.action(self.iam_prefix)


@dataclass(frozen=True, slots=True)
class Where:
    """Where an item was found: what ``normalise`` needs beyond the item itself."""

    partition: str
    account_id: str
    region: str


Normalise = Callable[[dict[str, Any], Where], ResourceRecord]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One resource type: how to list it and how an item becomes a ``ResourceRecord``."""

    type_code: str  # OpsRamp's filterType code, e.g. "DEVICE", "AWS_S3_BUCKET"
    title: str
    service: Service
    list_call: Call  # paginated; ``result_path`` selects the items of a page
    normalise: Normalise
    extra_calls: tuple[Call, ...] = field(default=())

    @property
    def iam_actions(self) -> frozenset[str]:
        calls = (self.list_call, *self.extra_calls)
        return frozenset(call.action(self.service.iam_prefix) for call in calls)
