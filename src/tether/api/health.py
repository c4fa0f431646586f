"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from tether.api.deps import DB, AppSettings
from tether.errors import ServiceUnavailable
from tether.metrics import exposition
from tether.metrics_shared import aggregated_exposition, process_name
from tether.store.migrate import head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers and its schema is current")
def readyz(db: DB) -> JSONResponse:
    try:
        revision = db.schema_revision()
    except ServiceUnavailable as exc:
        return JSONResponse(
            {"status": "unavailable", "code": exc.code, "message": exc.message}, 503
        )
    head = head_revision()
    if revision != head:
        message = f"schema at {revision}, code expects {head}: run `tether db upgrade`"
        return JSONResponse(
            {"status": "unavailable", "code": "schema_outdated", "message": message}, 503
        )
    return JSONResponse({"status": "ready", "database": db.dialect, "schema": revision})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(db: DB, settings: AppSettings) -> Response:
    """AWS calls, throttles and errors per service; scan durations and unit outcomes;
    inventory size and freshness per integration. Labels carry ids, never names.
    With a broker, the counters are summed over every process that publishes them."""
    if settings.broker_url:
        text = aggregated_exposition(db, settings.broker_url, process_name("api"))
    else:
        text = exposition(db)
    return Response(text, media_type=CONTENT_TYPE_LATEST)


def _unavailable(code: str, message: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "code": code, "message": message}, 503)
