"""Opt-in regions as AWS has them: some are not enabled for an account, and
ec2:DescribeRegions says which.

moto serves every region to every account and ignores `AllRegions` and the `opt-in-status`
filter, so the proxy keeps the per-account setting and answers DescribeRegions itself.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Literal
from xml.sax.saxutils import escape

import botocore.session

from tether.emulator.aws_errors import AwsError, WireResponse

# The regions AWS documents as "opt-in required": launched after 20 March 2019, disabled
# for an account until someone enables them.
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)

OptInStatus = Literal["opt-in-not-required", "opted-in", "not-opted-in"]
OPT_IN_STATUSES: tuple[OptInStatus, ...] = ("opt-in-not-required", "opted-in", "not-opted-in")

EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
_REGION_NAME = re.compile(r"^RegionName\.\d+$")
_FILTER_NAME = re.compile(r"^Filter\.(\d+)\.Name$")


@functools.cache
def all_regions() -> tuple[str, ...]:
    """Every commercial region: botocore's partition data for ec2, plus the opt-in list.

    Reads botocore's endpoint data once (file I/O): first call it off the event loop.
    """
    known = botocore.session.get_session().get_available_regions("ec2", "aws")
    return tuple(sorted(set(known) | OPT_IN_REGIONS))


def opt_in_status(region: str, disabled: frozenset[str]) -> OptInStatus:
    if region in disabled:
        return "not-opted-in"
    return "opted-in" if region in OPT_IN_REGIONS else "opt-in-not-required"


class DisabledRegions:
    """Which opt-in regions each account has not enabled, safe to use from any thread.

    An account's own setting replaces the default for all accounts, so one account can have
    a region enabled that the rest have not.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._default: frozenset[str] = frozenset()
        self._by_account: dict[str, frozenset[str]] = {}

    def set(self, regions: Iterable[str], account_id: str | None = None) -> None:
        chosen = frozenset(regions)
        not_opt_in = sorted(chosen - OPT_IN_REGIONS)
        if not_opt_in:
            # AWS cannot disable a region that is enabled by default.
            raise ValueError(f"not opt-in regions: {', '.join(not_opt_in)}")
        with self._lock:
            if account_id is None:
                self._default = chosen
            else:
                self._by_account[account_id] = chosen

    def clear(self) -> None:
        with self._lock:
            self._default = frozenset()
            self._by_account.clear()

    def for_account(self, account_id: str | None) -> frozenset[str]:
        with self._lock:
            if account_id is None:
                return self._default
            return self._by_account.get(account_id, self._default)


def describe_regions(
    params: Mapping[str, str], disabled: frozenset[str]
) -> WireResponse | AwsError:
    """ec2:DescribeRegions for an account whose not-enabled regions are `disabled`.

    Without `AllRegions` only enabled regions are listed; regions named in `RegionNames`
    are listed whatever their status, as AWS documents.
    """
    if params.get("DryRun", "").lower() == "true":
        return AwsError(
            412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."
        )
    known = all_regions()
    named = [value for key, value in params.items() if _REGION_NAME.match(key)]
    unknown = [name for name in named if name not in known]
    if unknown:
        return AwsError(400, "InvalidParameterValue", f"Invalid region: [{', '.join(unknown)}]")
    filters = _filters(params)
    if isinstance(filters, AwsError):
        return filters
    if named:
        candidates = sorted(set(named))
    elif params.get("AllRegions", "").lower() == "true":
        candidates = list(known)
    else:
        candidates = [region for region in known if region not in disabled]
    items: list[str] = []
    for region in candidates:
        fields = {
            "region-name": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "opt-in-status": opt_in_status(region, disabled),
        }
        if all(_any_matches(fields[name], values) for name, values in filters):
            items.append(
                f"<item><regionName>{escape(region)}</regionName>"
                f"<regionEndpoint>{escape(fields['endpoint'])}</regionEndpoint>"
                f"<optInStatus>{fields['opt-in-status']}</optInStatus></item>"
            )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<DescribeRegionsResponse xmlns="{EC2_NAMESPACE}">'
        f"<requestId>{uuid.uuid4()}</requestId>"
        f"<regionInfo>{''.join(items)}</regionInfo></DescribeRegionsResponse>"
    )
    return WireResponse(200, {"Content-Type": "text/xml;charset=UTF-8"}, body.encode())


def _filters(params: Mapping[str, str]) -> list[tuple[str, list[str]]] | AwsError:
    """`Filter.N.Name` with its `Filter.N.Value.M`; a region must match every filter."""
    filters: list[tuple[str, list[str]]] = []
    for key, name in params.items():
        match = _FILTER_NAME.match(key)
        if match is None:
            continue
        if name not in ("region-name", "endpoint", "opt-in-status"):
            return AwsError(400, "InvalidParameterValue", f"The filter '{name}' is invalid")
        prefix = f"Filter.{match.group(1)}.Value."
        filters.append((name, [value for k, value in params.items() if k.startswith(prefix)]))
    return filters


def _any_matches(value: str, patterns: list[str]) -> bool:
    """EC2 filter values may hold `*` (any run of characters) and `?` (one character)."""
    return any(_pattern(pattern).fullmatch(value) for pattern in patterns)


@functools.lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    pieces = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile("".join(pieces))
