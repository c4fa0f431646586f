"""Logging of every Tether process: one format on standard error, secrets redacted."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    from tether.security.redaction import install

    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # On the handlers, not a logger: records of every logger that reaches them pass it.
    for handler in logging.getLogger().handlers:
        install(handler)
    # Alembic narrates every context it opens (readiness probes open one); keep it quiet.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(level)))
