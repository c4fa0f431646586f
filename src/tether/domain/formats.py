"""Value formats OpsRamp's API uses."""

from __future__ import annotations

from datetime import datetime


def opsramp_time(value: datetime) -> str:
    """``2021-04-26T11:17:15+0000``, the form OpsRamp's responses use."""
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")
