"""The console's page routers, one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from tether.web import clients, install, integration_page, integrations
from tether.web import resources as resource_pages

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    clients.router,
    integrations.router,
    install.router,
    integration_page.router,
    resource_pages.router,
)
