"""OpsRamp queryString parsing."""

from __future__ import annotations

import pytest

from tether.errors import InvalidInput
from tether.services.query import parse_query_string

KEYS = ("name", "country", "uniqueId")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ("", {}),
        ("name:Acme", {"name": "Acme"}),
        ("name:Acme Corp", {"name": "Acme Corp"}),
        ("name:Acme+country:US", {"name": "Acme", "country": "US"}),
        # '+' arrives as a space once URL-decoded.
        ("name:Acme Corp country:US", {"name": "Acme Corp", "country": "US"}),
        ("uniqueId:client_ab12", {"uniqueId": "client_ab12"}),
        ("name:a:b", {"name": "a:b"}),
    ],
)
def test_parses(raw: str | None, expected: dict[str, str]) -> None:
    assert parse_query_string(raw, KEYS) == expected


@pytest.mark.parametrize("raw", ["Acme", "secret:x", "name:", "name:a+name:b", " :x"])
def test_rejects_naming_query_string(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_query_string(raw, KEYS)
    assert caught.value.field == "queryString"
