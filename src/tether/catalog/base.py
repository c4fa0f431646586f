"""What a resource type is, as data: the only place that names AWS operations.

A ``Service`` is one AWS API (its boto3 client, IAM prefix, whether it is global, and the
harmless read that proves access to it). A ``ResourceSpec`` is one resource type of a
service: the call that lists it, the per-item or per-batch calls that complete an item
(details, tags), and how an item becomes a ``ResourceRecord``. The generated IAM policy is
the union of every ``Call``'s IAM action, so it always equals what Tether calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tether.domain.resources import ResourceRecord

EMPTY: Mapping[str, Any] = MappingProxyType({})
Item = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Call:
    """One AWS API operation as Tether calls it."""

    operation: str  # botocore's name, e.g. "DescribeInstances"
    params: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    # JMESPath to the list of items in one response page (or the detail in an answer).
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


Normalise = Callable[[Item, Where], ResourceRecord]


def _store_into(key: str) -> Callable[[list[Item], Any], list[Item] | None]:
    def merge(items: list[Item], result: Any) -> None:
        for item in items:
            item[key] = result

    return merge


@dataclass(frozen=True, slots=True)
class Enrich:
    """A call that completes listed items: one call per item, or per batch of ``batch_size``.

    ``params`` builds the request from the items; ``merge`` puts the answer (after
    ``call.result_path``) into them and may return the items to keep (a batched describe
    reports items deleted since the listing under ``failures``); ``None`` keeps them all.
    A batch never mixes items of different parents (ECS DescribeServices takes one
    cluster). ``absent`` maps error codes that mean "this item has
    none" (S3 ``NoSuchTagSet``) to the value merged instead. ``gone`` error codes mean the
    item was deleted between the list and this call: it is dropped, not an error.
    """

    call: Call
    params: Callable[[list[Item], Where], dict[str, Any]]
    merge: Callable[[list[Item], Any], list[Item] | None]
    batch_size: int = 1
    absent: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    gone: frozenset[str] = frozenset()


def per_item(
    call: Call,
    params: Callable[[Item], dict[str, Any]],
    into: str,
    absent: Mapping[str, Any] | None = None,
    gone: frozenset[str] = frozenset(),
) -> Enrich:
    """The common case: one call per item, its answer stored under ``item[into]``."""
    return per_item_at(call, lambda item, _where: params(item), into, absent, gone)


def per_item_at(
    call: Call,
    params: Callable[[Item, Where], dict[str, Any]],
    into: str,
    absent: Mapping[str, Any] | None = None,
    gone: frozenset[str] = frozenset(),
) -> Enrich:
    """``per_item`` for a request that needs the account or region (an ARN AWS did not
    return, like a Glue job's)."""
    return Enrich(
        call,
        lambda items, where: params(items[0], where),
        _store_into(into),
        1,
        MappingProxyType(dict(absent or {})),
        gone,
    )


@dataclass(frozen=True, slots=True)
class Parent:
    """A listing whose items parameterise the type's own list call (ECS services are
    listed per cluster). Each parent value is passed as ``param`` and kept in the item
    under ``PARENT_KEY``."""

    call: Call
    param: str


PARENT_KEY = "_parent"


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One resource type: how to list it and how an item becomes a ``ResourceRecord``."""

    type_code: str  # OpsRamp's filterType code, e.g. "DEVICE", "AWS_S3_BUCKET"
    title: str
    service: Service
    list_call: Call  # paginated when botocore can; ``result_path`` selects the items
    normalise: Normalise
    # The CloudFormation type name, e.g. "AWS::EC2::Instance": how ground truth names it.
    cfn_type: str
    # When the list call answers plain strings (URLs, names, ARNs), each becomes
    # ``{item_key: value}``.
    item_key: str | None = None
    parent: Parent | None = None
    enrich: tuple[Enrich, ...] = field(default=())
    # Where tags come from, for people: "list", or the operation that reads them.
    tag_source: str = "list"

    @property
    def calls(self) -> tuple[Call, ...]:
        parent = (self.parent.call,) if self.parent else ()
        return (*parent, self.list_call, *(step.call for step in self.enrich))

    @property
    def iam_actions(self) -> frozenset[str]:
        return frozenset(call.action(self.service.iam_prefix) for call in self.calls)
