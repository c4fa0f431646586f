"""Which scans the broker still holds work for: queued, or taken by a worker and not yet
acknowledged (running, waiting to retry, or taken by a worker that died and coming back
after the visibility timeout).

The stall watchdog asks before it ends a scan that made no progress for a while: a scan
whose chunks wait behind a long queue is slow, not lost. Read from kombu's Redis layout:
a list per queue (and per priority step) and the ``unacked`` hash.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Collection, Iterable
from typing import Any

import redis

from tether.jobs.celery_app import QUEUES

log = logging.getLogger(__name__)

UNACKED = "unacked"  # kombu's Redis transport default
PRIORITY_SEPARATOR, PRIORITY_STEPS = "\x06\x16", (3, 6, 9)


def held_scans(broker_url: str, scan_ids: Collection[str]) -> set[str]:
    """Those of ``scan_ids`` that some message in the broker names. If the broker cannot
    be read, all of them: an outage must not end scans, only lost work may."""
    wanted = set(scan_ids)
    if not wanted:
        return set()
    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        raw: list[bytes | str] = []
        for queue in QUEUES:
            for name in (queue, *(f"{queue}{PRIORITY_SEPARATOR}{p}" for p in PRIORITY_STEPS)):
                raw.extend(client.lrange(name, 0, -1))
        unacked = [json.loads(value)[0] for value in client.hvals(UNACKED)]
    except redis.RedisError as error:
        log.warning("broker not readable (%s): no scan is taken for stalled", error)
        return wanted
    finally:
        client.close()
    messages = [json.loads(value) for value in raw] + unacked
    return wanted & set(_named_scans(messages))


def _named_scans(messages: Iterable[dict[str, Any]]) -> Iterable[str]:
    """The scan id of each Tether task message: the second argument of every task."""
    for message in messages:
        try:
            args = json.loads(base64.b64decode(message["body"]))[0]
        except (KeyError, ValueError, TypeError, IndexError):
            continue  # not a task message of ours
        if isinstance(args, list) and len(args) >= 2 and isinstance(args[1], str):
            yield args[1]
