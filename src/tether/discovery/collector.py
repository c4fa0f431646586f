"""The generic collector: runs a catalog ``ResourceSpec`` in one (account, region)."""

from __future__ import annotations

from dataclasses import dataclass

import jmespath
from botocore import xform_name

from tether.aws.sessions import AwsIdentity
from tether.catalog.base import ResourceSpec, Where
from tether.domain.resources import ResourceRecord


@dataclass(frozen=True, slots=True)
class Collected:
    records: list[ResourceRecord]
    api_calls: int


def collect(identity: AwsIdentity, spec: ResourceSpec, where: Where) -> Collected:
    """Every item of ``spec`` there, page by page; AWS errors propagate to the unit."""
    client = identity.client(spec.service.client_name, where.region)
    paginator = client.get_paginator(xform_name(spec.list_call.operation))
    expression = jmespath.compile(spec.list_call.result_path)
    records: list[ResourceRecord] = []
    calls = 0
    for page in paginator.paginate(**spec.list_call.params):
        calls += 1
        records.extend(spec.normalise(item, where) for item in expression.search(page) or [])
    return Collected(records, calls)
