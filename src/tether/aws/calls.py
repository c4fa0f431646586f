"""Making a catalog ``Call`` on a botocore client; the catalog says what, this says how."""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from tether.catalog.base import Call


def invoke(client: Any, call: Call, **extra: Any) -> dict[str, Any]:
    """One request: ``call.operation`` with its params (plus ``extra``)."""
    method = getattr(client, xform_name(call.operation))
    answer: dict[str, Any] = method(**{**call.params, **extra})
    return answer
