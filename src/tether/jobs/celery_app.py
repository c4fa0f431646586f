"""The Celery application: scans on ``tether worker`` processes over a Redis broker.

Tasks carry ids only (tenant, scan, region), never credentials: each worker process
decrypts what it needs from the database and caches its AWS sessions. Every task is
acknowledged late (after it ran), so a task whose worker died is delivered again; each
step is idempotent (see ``tether.services.scans``), so a second delivery changes nothing
twice.

``celery --app tether.jobs.celery_app flower`` watches the workers (Flower); the
application is built from the ``TETHER_*`` environment.
"""

from __future__ import annotations

import math
from typing import Any

from celery import Celery

from tether.config import Settings

SCANS, ORG, SCHEDULE = "scans", "org", "schedule"
QUEUES = (SCANS, ORG, SCHEDULE)
TICK = "tether.schedule.tick"


def create_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise ValueError("TETHER_BROKER_URL is not set: scans run in-process")
    app = Celery("tether", broker=settings.broker_url, set_as_current=False)
    visibility = settings.broker_visibility_timeout
    app.conf.update(
        task_ignore_result=True,  # outcomes are in the database
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a dead worker strands at most one waiting task
        task_default_queue=SCANS,
        task_routes={
            "tether.scan.*": {"queue": SCANS},
            "tether.org.*": {"queue": ORG},
            "tether.schedule.*": {"queue": SCHEDULE},
        },
        broker_transport_options={
            # A task taken but never acknowledged comes back after this long; the sweep
            # that brings it back runs ten times per timeout.
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, math.ceil(visibility / 10)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a restarted Redis is waited for, not fatal
        # A chunk running when Redis goes away finishes its database work; its message
        # comes back after the visibility timeout and finds nothing left to do.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_send_task_events=True,  # for Flower
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
        beat_scheduler="celery.beat:Scheduler",  # in memory: every worker may run one
        beat_schedule={
            "scheduler-tick": {"task": TICK, "schedule": settings.schedule_interval},
        },
    )
    from tether.jobs.tasks import register_tasks

    register_tasks(app, settings)
    return app


_app: Celery | None = None


def __getattr__(name: str) -> Any:
    """``app``: built from the environment on first use (``celery --app`` looks it up)."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create_celery(Settings())
    return _app
