"""The synthetic endpoint's HTTP server: one aiohttp low-level server on uvloop.

A call is: identity from the SigV4 scope, a token from its bucket, a latency sleep
(asyncio, no CPU), then the answer. Catalog answers are serialised once and kept by the
request's bytes (account, region, path, query, body), so a repeated page costs a dict
look-up; ``mutate`` clears them.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bench.synthetic.accounts import Accounts, Caller
from bench.synthetic.catalog_calls import CatalogCalls
from bench.synthetic.control import Control
from bench.synthetic.items import Inventory
from bench.synthetic.other_calls import ES_TO_OPENSEARCH, OtherCalls
from bench.synthetic.paging import paging_for
from bench.synthetic.records import Records
from bench.synthetic.requests import Parsed, RequestReader
from bench.synthetic.stats import Stats
from bench.synthetic.throttle import Throttle, family
from bench.synthetic.wire import REQUEST_ID, SERIALIZERS, minimal
from tether.emulator.aws_errors import AwsError, ErrorContext, invalid_key_id, render, throttled
from tether.emulator.regions import describe_regions

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
CACHE_BYTES = 256 * 2**20
_ORG_LISTS = {
    "ListAccounts": "Accounts", "ListParents": "Parents", "ListRoots": "Roots",
    "ListOrganizationalUnitsForParent": "OrganizationalUnits",
    "ListAccountsForParent": "Accounts", "ListChildren": "Children",
}  # fmt: skip


@dataclass(frozen=True)
class Answer:
    label: str  # "service:Operation" for the counters
    family: str
    is_global: bool
    status: int
    headers: dict[str, str]
    body: bytes
    parsed: Parsed | None


class Endpoint:
    def __init__(
        self, inventory: Inventory, latency_ms: tuple[float, float], throttle: bool
    ) -> None:
        self.inventory = inventory
        self.accounts = Accounts(inventory.org)
        self.catalog = CatalogCalls(inventory)
        self.others = OtherCalls(Records(inventory))
        self.reader = RequestReader()
        self.throttle = Throttle(throttle)
        self.stats = Stats()
        self.latency = (latency_ms[0] / 1000, latency_ms[1] / 1000)
        self.cache: dict[tuple[Any, ...], Answer] = {}
        self.cache_bytes = 0
        self.control = Control(self)
        self.info: dict[str, Any] = {}

    def clear_cache(self) -> None:
        self.cache.clear()
        self.cache_bytes = 0

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.raw_path.startswith("/_synthetic/"):
            return await self.control.handle(request)
        body = await request.read() if request.body_exists else b""
        headers = request.headers
        match = _CREDENTIAL.search(headers.get("Authorization", ""))
        if match is None:
            return _reply(400, {"Content-Type": "text/plain"}, b"unsigned requests are not served")
        key_id, region, signing = match.groups()
        caller = self.accounts.caller(key_id)
        target = headers.get("X-Amz-Target")
        cache_key = (key_id[:16], region, signing, target, request.method, request.raw_path, body)
        answer = self.cache.get(cache_key) if caller is not None else None
        if answer is None:
            answer = self._answer(caller, signing, region, request, body, cache_key)
        now = asyncio.get_running_loop().time()
        account = caller.account_id if caller else key_id
        admitted = self.throttle.admit(account, region, answer.family, answer.is_global, now)
        self.stats.count(answer.label, admitted)
        if self.latency[1] > 0:
            await asyncio.sleep(random.uniform(*self.latency))  # noqa: S311
        if not admitted:
            return self._throttled(answer, signing, caller, region)
        return _reply(answer.status, answer.headers, answer.body)

    def _throttled(
        self, answer: Answer, signing: str, caller: Caller | None, region: str
    ) -> web.Response:
        parsed = answer.parsed
        assert parsed is not None or answer.label.startswith("s3:"), answer.label
        protocol = parsed.protocol if parsed else "rest-xml"
        ctx = ErrorContext(protocol, signing, answer.label.split(":")[1], None, None, region)
        wire = render(throttled(ctx), protocol, parsed.info if parsed else None)
        return _reply(wire.status, wire.headers, wire.body)

    def _answer(
        self,
        caller: Caller | None,
        signing: str,
        region: str,
        request: web.BaseRequest,
        body: bytes,
        cache_key: tuple[Any, ...],
    ) -> Answer:
        query = dict(request.query)
        parsed = self.reader.read(
            signing, request.method, request.path, query, request.raw_path, request.headers, body
        )
        model = parsed.model
        operation = model.name if model else "Unknown"
        label = f"{parsed.service}:{operation}"
        name, is_global = family(parsed.service, operation, parsed.params)

        def error(err: AwsError) -> Answer:
            wire = render(err, parsed.protocol, parsed.info)
            return Answer(label, name, is_global, wire.status, wire.headers, wire.body, parsed)

        if caller is None:
            ctx = ErrorContext(parsed.protocol, signing, operation, None, None, region)
            return error(invalid_key_id(ctx))
        if model is None:
            return error(AwsError(400, "UnknownOperationException", f"Unknown operation {label}"))
        key = (parsed.service, operation)
        if parsed.service == "es" and operation in ES_TO_OPENSEARCH:
            key = ("opensearch", ES_TO_OPENSEARCH[operation])
        region_index = self.inventory.org.region_index.get(region, -1)
        cacheable = self.catalog.handles(key)
        other = False
        if cacheable:
            result = self.catalog.answer(
                key, model, caller.account, region_index, parsed.params, parsed.text
            )
        else:
            special = self._special(parsed, caller, region, key)
            if special is None and caller.account >= 0:
                special = self.others.answer(
                    parsed.service, model, caller.account, region_index, parsed.params, parsed.text
                )
                cacheable = other = special is not None
            if special is None:
                self.stats.unknown(label)
                special = minimal(model.output_shape)
            if isinstance(special, Answer):
                return special
            result = special
        if isinstance(result, AwsError):
            # Another tool's reads of absent S3 configuration repeat: keep those errors.
            answer = error(result)
            if other:
                self._remember(cache_key, answer)
            return answer
        if key == ("s3", "GetBucketLocation"):
            status, headers, data = _bucket_location(result)
        else:
            status, headers, data = SERIALIZERS[parsed.protocol](model, result, REQUEST_ID)
        answer = Answer(label, name, is_global, status, headers, data, parsed)
        if cacheable and caller.account >= 0:
            self._remember(cache_key, answer)
        return answer

    def _special(self, parsed: Parsed, caller: Caller, region: str, key: tuple[str, str]) -> Any:
        service, operation = key
        params = parsed.params
        if service == "sts" and operation == "GetCallerIdentity":
            return self.accounts.caller_identity(caller)
        if service == "sts" and operation == "AssumeRole":
            return self.accounts.assume_role(caller, params)
        if service == "ec2" and operation == "DescribeRegions":
            wire = describe_regions(params, self.accounts.disabled_regions())
            if isinstance(wire, AwsError):
                return wire
            name, is_global = family(service, operation, params)
            return Answer(
                f"{service}:{operation}",
                name,
                is_global,
                wire.status,
                wire.headers,
                wire.body,
                parsed,
            )
        if service == "ec2" and operation == "DescribeAvailabilityZones":
            return self.accounts.availability_zones(region)
        if service == "account" and operation == "ListRegions":
            return self.accounts.list_regions()
        if service == "organizations":
            found = self.accounts.organizations(caller, operation, params)
            if not isinstance(found, list):
                return found
            paging = paging_for(service, operation)
            start, end, token = paging.page(params, len(found))
            answer: dict[str, Any] = {_ORG_LISTS[operation]: found[start:end]}
            paging.mark(answer, token)
            return answer
        return None

    def _remember(self, key: tuple[Any, ...], answer: Answer) -> None:
        self.cache[key] = answer
        self.cache_bytes += len(answer.body)
        while self.cache_bytes > CACHE_BYTES:
            oldest = next(iter(self.cache))
            self.cache_bytes -= len(self.cache.pop(oldest).body)


def _bucket_location(result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """GetBucketLocation's answer is a bare element botocore reads by hand."""
    location = result.get("LocationConstraint") or ""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{location}</LocationConstraint>'
    return 200, {"Content-Type": "application/xml"}, body.encode()


def _reply(status: int, headers: dict[str, str], body: bytes) -> web.Response:
    return web.Response(status=status, headers=headers, body=body)
