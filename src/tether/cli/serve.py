"""``tether serve``: migrate, bootstrap on first start, then serve console and API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tether.cli.context import load_settings, open_database, reported_errors
from tether.logs import configure_logging

if TYPE_CHECKING:
    from tether.services.bootstrap import BootstrapResult


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (TETHER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (TETHER_PORT).")] = None,
    demo: Annotated[
        bool | None,
        typer.Option(
            "--demo/--no-demo",
            help="Run an emulated AWS organization (TETHER_DEMO; default: when no AWS is set up).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the console and the API on the configured database."""
    import uvicorn

    from tether.api.app import create_app
    from tether.demo import demo_aws
    from tether.services.bootstrap import bootstrap
    from tether.services.keys import load_secret_box

    settings = load_settings()
    overrides = {
        k: v for k, v in {"host": host, "port": port, "demo": demo}.items() if v is not None
    }
    if overrides:
        settings = settings.model_copy(update=overrides)
    configure_logging(settings.log_level)
    # The demo's emulator runs until uvicorn returns (or a signal unwinds this block).
    with reported_errors(), demo_aws(settings) as running_demo:
        if running_demo is not None:
            settings = running_demo.settings
        db = open_database(settings)
        box = load_secret_box(settings)
        result = bootstrap(db)
        _announce(settings.base_url, result)
        if running_demo is not None:
            typer.echo(running_demo.banner())
        uvicorn.run(
            create_app(settings, db, box, background=True),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            # uvicorn's own handlers would bypass the root handler and its redacting filter.
            log_config=None,
            # Only a configured proxy may say what the client's address and scheme are.
            proxy_headers=settings.forwarded_allow_ips is not None,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )


def _announce(base_url: str, result: BootstrapResult) -> None:
    lines = [
        f"Tether is starting at {base_url}/  (API docs: {base_url}/docs)",
        f"  partner tenant: {result.partner_id}",
        f"  admin login:    {result.admin_user} / "
        + (result.admin_password or "(set at first start; `tether bootstrap --rotate` resets it)"),
        f"  API key:        {result.api_key}",
    ]
    if result.api_secret:
        lines.append(f"  API secret:     {result.api_secret}")
        lines.append("  (password and secret are shown this once; store them now)")
    typer.echo("\n".join(lines), err=False)
