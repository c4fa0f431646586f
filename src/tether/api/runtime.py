"""The request's view of the process runtime (database, secret box, AWS sessions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tether.services.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


RT = Annotated[Runtime, Depends(get_runtime)]
