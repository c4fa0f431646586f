"""The ASGI application: API, console and probes on one server."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

import tether
from tether.api import auth, health
from tether.api.errors import install_error_handlers
from tether.api.limits import BodySizeLimit, SecurityHeaders
from tether.api.opsramp_v2 import clients
from tether.api.v1 import audit, aws_setup
from tether.config import Settings
from tether.security.secretbox import SecretBox
from tether.services.keys import load_secret_box
from tether.store.db import Database
from tether.web import routes as web_routes

API_DESCRIPTION = """Tether's API: a compatible subset of OpsRamp's v2 API (clients, integrations,
discovery profiles, resources) under `/api/v2`, and native extras under `/api/v1`.
Get a token from `POST /tenancy/auth/oauth/token` (client-credentials grant) and send it
as `Authorization: Bearer <token>`. Errors are JSON `{"code", "message"}`."""


def create_app(
    settings: Settings, db: Database | None = None, secret_box: SecretBox | None = None
) -> FastAPI:
    app = FastAPIOffline(
        title="Tether",
        version=tether.__version__,
        description=API_DESCRIPTION,
        static_url="/static/docs",
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.effective_database_url)
    app.state.secret_box = secret_box or load_secret_box(settings)
    install_error_handlers(app)
    for router in (
        auth.router,
        clients.router,
        audit.router,
        aws_setup.router,
        health.router,
        web_routes.router,
    ):
        app.include_router(router)
    # Outermost first: headers on every answer, including 413s.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)
    return app
