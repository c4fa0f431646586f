"""What goes through the broker: ids only, each task on its queue, acknowledged late."""

from __future__ import annotations

import base64
import json
from typing import Any

import redis

from tether.config import Settings
from tether.jobs.broker_view import held_scans
from tether.jobs.celery_app import ORG, SCANS, create_celery
from tether.jobs.tasks import CeleryRunner


def _messages(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in client.lrange(queue, 0, -1)]


def _args(message: dict[str, Any]) -> list[Any]:
    body = json.loads(base64.b64decode(message["body"]))
    args: list[Any] = body[0]
    return args


def test_a_scan_goes_to_the_broker_as_ids_on_its_queues(redis_url: str) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/7"  # a database of this test's own
    client = redis.Redis.from_url(url)
    client.flushdb()
    app = create_celery(Settings(broker_url=url))
    try:
        runner = CeleryRunner(app)
        runner.submit("client_1", "6f1c2b4e-0000-4000-8000-000000000001")
        runner.resume("client_1", "6f1c2b4e-0000-4000-8000-000000000002")

        (sync,) = _messages(client, ORG)
        assert sync["headers"]["task"] == "tether.org.sync"
        assert _args(sync) == ["client_1", "6f1c2b4e-0000-4000-8000-000000000001"]
        # The plan step follows in the chain, and goes to the scans queue when sent.
        body = json.loads(base64.b64decode(sync["body"]))
        (then,) = body[2]["chain"]
        assert then["task"] == "tether.scan.begin"
        assert then["args"] == ["client_1", "6f1c2b4e-0000-4000-8000-000000000001"]
        (resume,) = _messages(client, SCANS)
        assert resume["headers"]["task"] == "tether.scan.resume"
        assert _args(resume) == ["client_1", "6f1c2b4e-0000-4000-8000-000000000002"]
        # Late acknowledgement: a task whose worker dies is delivered again.
        for name in ("tether.scan.begin", "tether.scan.collect", "tether.org.sync"):
            assert app.tasks[name].acks_late
            assert app.tasks[name].reject_on_worker_lost
    finally:
        client.flushdb()
        app.close()


def test_the_broker_holds_a_queued_scan_and_an_unreadable_broker_holds_all(
    redis_url: str,
) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/8"
    client = redis.Redis.from_url(url)
    client.flushdb()
    app = create_celery(Settings(broker_url=url))
    queued, lost = "6f1c2b4e-0000-4000-8000-00000000000a", "6f1c2b4e-0000-4000-8000-00000000000b"
    try:
        CeleryRunner(app).submit("client_1", queued)
        assert held_scans(url, {queued, lost}) == {queued}
        # Taken by a worker and not acknowledged (running, or its worker died): still held.
        message = client.lpop(ORG)
        assert message is not None
        client.hset("unacked", "tag-1", json.dumps([json.loads(message), "", ORG]))
        assert held_scans(url, {queued, lost}) == {queued}
        client.hdel("unacked", "tag-1")
        assert held_scans(url, {queued, lost}) == set()  # lost: the watchdog may end it
    finally:
        client.flushdb()
        app.close()
    # A broker that cannot be read ends nothing.
    assert held_scans("redis://127.0.0.1:1/0", {queued, lost}) == {queued, lost}
