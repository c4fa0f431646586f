"""The ASGI application: API, console and probes on one server."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

import tether
from tether.api import auth, health
from tether.api.errors import install_error_handlers
from tether.api.limits import BodySizeLimit, SecurityHeaders
from tether.api.opsramp_v2 import clients, integrations, profiles
from tether.api.opsramp_v2 import resources as opsramp_resources
from tether.api.v1 import audit, aws_setup, scans
from tether.api.v1 import resources as native_resources
from tether.config import Settings
from tether.jobs.runners import scan_runner
from tether.jobs.scheduler import Scheduler
from tether.security.secretbox import SecretBox
from tether.services.keys import load_secret_box
from tether.services.logins import LoginThrottle
from tether.services.runtime import Runtime
from tether.services.scans import stop_using, use_runner
from tether.store.db import Database
from tether.web import routes as web_routes
from tether.web.errors import install_console_error_pages
from tether.web.pages import PAGE_ROUTERS
from tether.web.templating import STATIC_DIR

API_DESCRIPTION = """Tether's API: a compatible subset of OpsRamp's v2 API (clients, integrations,
discovery profiles, resources) under `/api/v2`, and native extras under `/api/v1`.
Get a token from `POST /tenancy/auth/oauth/token` (client-credentials grant) and send it
as `Authorization: Bearer <token>`. Errors are JSON `{"code", "message"}`."""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    stop = threading.Event()
    scheduler = None
    if app.state.background:
        # Scheduled scans; the claim in the database keeps them exactly-once however many
        # processes run a scheduler.
        settings: Settings = app.state.settings
        scheduler = threading.Thread(
            target=Scheduler(
                app.state.db, stall_seconds=settings.scan_stall_seconds, held=app.state.runner.held
            ).run_forever,
            args=(stop, settings.schedule_interval),
            name="scheduler",
            daemon=True,
        )
        scheduler.start()
    yield
    stop.set()
    if scheduler is not None:
        scheduler.join(timeout=10)
    stop_using(app.state.runner)
    app.state.runner.shutdown()


def create_app(
    settings: Settings,
    db: Database | None = None,
    secret_box: SecretBox | None = None,
    background: bool = False,
) -> FastAPI:
    """The app; ``background`` also runs the scan scheduler (``tether serve`` does)."""
    app = FastAPIOffline(
        lifespan=_lifespan,
        title="Tether",
        version=tether.__version__,
        description=API_DESCRIPTION,
        static_url="/static/docs",
    )
    app.state.settings = settings
    app.state.background = background
    app.state.db = db or Database.from_settings(settings)
    app.state.secret_box = secret_box or load_secret_box(settings)
    app.state.token_throttle = LoginThrottle()
    app.state.runtime = Runtime.create(settings, app.state.db, app.state.secret_box)
    app.state.runner = scan_runner(app.state.runtime)
    use_runner(app.state.runner)
    install_error_handlers(app)
    install_console_error_pages(app)
    for router in (
        auth.router,
        clients.router,
        audit.router,
        aws_setup.router,
        integrations.router,
        profiles.router,
        scans.router,
        opsramp_resources.router,
        native_resources.router,
        health.router,
        web_routes.router,
        *PAGE_ROUTERS,
    ):
        app.include_router(router)
    app.mount("/assets", StaticFiles(directory=STATIC_DIR), name="assets")
    _document_400_not_422(app)
    # Outermost first: headers on every answer, including 413s.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def _document_400_not_422(app: FastAPI) -> None:
    """FastAPI documents a 422 for every route with input; Tether answers 400 (see
    ``api.errors``), so the schema says so."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.get("responses", {})
                    if responses.pop("422", None) is not None and "400" not in responses:
                        responses["400"] = {
                            "description": "Bad input; the message names the field",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorBody"}
                                }
                            },
                        }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
