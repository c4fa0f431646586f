"""The generic collector: runs a catalog ``ResourceSpec`` in one (account, region).

List (page by page, or once per parent item), complete each item with the spec's enrich
calls, then normalise. AWS errors propagate to the unit, except the ones the spec names
as "this item has none" or "this item is gone".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jmespath
from botocore import xform_name
from botocore.exceptions import ClientError

from tether.aws.sessions import AwsIdentity
from tether.catalog.base import PARENT_KEY, Call, Enrich, Item, ResourceSpec, Where
from tether.domain.resources import ResourceRecord


@dataclass(frozen=True, slots=True)
class Collected:
    records: list[ResourceRecord]
    api_calls: int


class _Counter:
    def __init__(self) -> None:
        self.calls = 0


def _search(path: str, answer: Any) -> Any:
    return jmespath.search(path, answer) if path else answer


def _pages(client: Any, call: Call, extra: dict[str, Any], counter: _Counter) -> Iterator[Any]:
    """Every item of ``call``'s answer, following pagination: botocore's paginator when it
    has one, else the answer's ``NextToken`` when the operation takes one back
    (EventBridge ListEventBuses has no paginator)."""
    params = {**call.params, **extra}
    operation = xform_name(call.operation)
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**params):
            counter.calls += 1
            yield from _search(call.result_path, page) or []
        return
    model = client.meta.service_model.operation_model(call.operation)
    takes_token = model.input_shape is not None and "NextToken" in model.input_shape.members
    while True:
        counter.calls += 1
        answer = getattr(client, operation)(**params)
        yield from _search(call.result_path, answer) or []
        token = answer.get("NextToken") if takes_token else None
        if not token:
            return
        params = {**params, "NextToken": token}


def _listed(client: Any, spec: ResourceSpec, counter: _Counter) -> list[Item]:
    parents: list[Any] = [None]
    if spec.parent is not None:
        parents = list(_pages(client, spec.parent.call, {}, counter))
    items: list[Item] = []
    for parent in parents:
        extra = {spec.parent.param: parent} if spec.parent is not None else {}
        for raw in _pages(client, spec.list_call, extra, counter):
            item: Item = raw if isinstance(raw, dict) else {spec.item_key or "Id": raw}
            if parent is not None:
                item[PARENT_KEY] = parent
            items.append(item)
    return items


def _batches(items: list[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive batches of at most ``size`` items, never mixing parents."""
    batch: list[Item] = []
    for item in items:
        if batch and (len(batch) == size or batch[0].get(PARENT_KEY) != item.get(PARENT_KEY)):
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


def _enrich(
    client: Any, step: Enrich, items: list[Item], where: Where, counter: _Counter
) -> list[Item]:
    """Complete ``items`` with one enrich step; returns the items still there."""
    kept: list[Item] = []
    operation = getattr(client, xform_name(step.call.operation))
    for batch in _batches(items, step.batch_size):
        counter.calls += 1
        try:
            answer = operation(**{**step.call.params, **step.params(batch, where)})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in step.absent:
                step.merge(batch, step.absent[code])
                kept.extend(batch)
            elif code in step.gone and len(batch) > 1:
                # One item of the batch is gone (ELB DescribeTags fails them all): ask
                # for each alone, so only the gone one is dropped.
                for item in batch:
                    kept.extend(_enrich(client, step, [item], where, counter))
            elif code not in step.gone:
                raise
            continue
        chosen = step.merge(batch, _search(step.call.result_path, answer))
        kept.extend(batch if chosen is None else chosen)
    return kept


def collect(identity: AwsIdentity, spec: ResourceSpec, where: Where) -> Collected:
    """Every item of ``spec`` there, complete and normalised."""
    client = identity.client(spec.service.client_name, where.region)
    counter = _Counter()
    items = _listed(client, spec, counter)
    for step in spec.enrich:
        items = _enrich(client, step, items, where, counter)
    return Collected([spec.normalise(item, where) for item in items], counter.calls)
