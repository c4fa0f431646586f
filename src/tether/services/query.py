"""OpsRamp's ``queryString``: ``key:value`` pairs joined by ``+`` (a space once URL-decoded)."""

from __future__ import annotations

import re
from collections.abc import Collection

from tether.errors import InvalidInput

_PAIR_START = re.compile(r"(?:^|[+\s])([A-Za-z][A-Za-z0-9_.]*):")


def parse_query_string(raw: str | None, allowed: Collection[str]) -> dict[str, str]:
    """Split ``name:Acme Corp+country:US`` into ``{"name": "Acme Corp", "country": "US"}``.

    A value runs until the next ``key:`` so that values may hold spaces; an unknown key
    or a repeated one is a 400 naming ``queryString``.
    """
    if raw is None or not raw.strip():
        return {}
    text = raw.strip()
    starts = list(_PAIR_START.finditer(text))
    if not starts or starts[0].start() != 0:
        raise InvalidInput("queryString", "expected key:value pairs joined by '+'")
    found: dict[str, str] = {}
    for index, match in enumerate(starts):
        key = match.group(1)
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        value = text[match.end() : end].strip()
        if key not in allowed:
            keys = ", ".join(sorted(allowed))
            raise InvalidInput("queryString", f"unknown key {key!r}; use one of {keys}")
        if key in found:
            raise InvalidInput("queryString", f"key {key!r} given twice")
        if not value:
            raise InvalidInput("queryString", f"key {key!r} has no value")
        found[key] = value
    return found
